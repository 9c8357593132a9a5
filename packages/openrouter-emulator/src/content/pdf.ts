/**
 * A small valid PDF of `pages` pages, each showing one line of text (`Page N of <title>`): what tests attach to
 * check that a PDF arrives, is counted by page and read by a text engine.
 *
 * @example
 * const fileData = `data:application/pdf;base64,${renderPdf(10).toString('base64')}`;
 */
export function renderPdf(pages: number, title = 'the report'): Buffer {
  if (!Number.isInteger(pages) || pages < 1 || pages > 10_000) throw new RangeError(`pages must be a whole number from 1 to 10000, not ${pages}`);
  const safeTitle = title.replace(/[()\\]/g, '');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, index) => `${index * 2 + 3} 0 R`).join(' ')}] /Count ${pages} >>`,
  ];
  for (let page = 1; page <= pages; page += 1) {
    const stream = `BT /F1 12 Tf 72 720 Td (Page ${page} of ${safeTitle}) Tj ET`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${page * 2 + 2} 0 R >>`);
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  }
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
