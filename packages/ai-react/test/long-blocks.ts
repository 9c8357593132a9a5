/**
 * Answers that are one block, as a stream builds them: one paragraph without a blank line, one code fence, one list,
 * one table, one block quote, and a list whose last item holds a nested list or a quote that grows; then a plain
 * answer of many short blocks. Each is about `size` characters. Shared by the streaming markdown benchmark and its
 * tests: while such a block grows, every frame touches it (and in the plain answer, every frame adds lines to many).
 */
export function longBlocks(size: number): Record<string, string> {
  const fill = (unit: (index: number) => string, prefix = '', suffix = '') => {
    let text = prefix;
    for (let index = 0; text.length < size - suffix.length; index++) text += unit(index);
    return text + suffix;
  };
  const sentence = (index: number) =>
    [
      `The **${index}th** claim holds for \`value_${index}\` in most cases [1]. `,
      `A _short_ aside, with a [link](https://example.com/${index}) and a comma, follows it. `,
      `Some plain words go on to fill the line with ordinary prose about item ${index}. `,
      'Then ~~a retraction~~ and *emphasis that spans. Two sentences* close it [2]. ',
    ][index % 4] as string;
  // Code as a model writes a file: functions with doc comments that span lines, and template strings.
  const codeLine = (index: number) =>
    [
      `/**\n * Computes value ${index}; "quotes" and \`ticks\` stay in the comment.\n */\n`,
      `export function compute_${index}(input: number): string {\n`,
      `  const value_${index} = compute(${index}, "text"); // line ${index}\n`,
      `  return \`value \${value_${index}}\n    spans a line\`;\n}\n\n`,
    ][index % 4] as string;
  // A quote of paragraphs, with a lazy line (no `>`) now and then and a short list.
  const quoteLine = (index: number) => (index % 9 === 8 ? '>\n> - a quoted point\n> - another\n>\n' : index % 9 === 4 ? `${sentence(index)}\n` : `> ${sentence(index)}\n`);
  // About the first fiftieth: a list whose last item then grows.
  const items = `${Array.from({ length: Math.ceil(size / 1500) }, (_, index) => `- item ${index} with **bold** words\n`).join('')}- the last item\n`;
  const plain = (index: number) => (index % 12 === 0 ? `## Part ${index}\n\n` : index % 12 === 6 ? `- ${sentence(index)}\n- point ${index}\n- another point\n\n` : `${sentence(index)}${sentence(index + 1)}\n\n`);
  return {
    'one paragraph': fill(sentence),
    'one code fence': fill(codeLine, '```ts\n', '```'),
    'one list': fill((index) => `- item ${index} with **bold** words and \`code\`\n`),
    'one table': fill((index) => `| ${index} | **cell** ${index} | \`code\` |\n`, '| n | text | code |\n|---|---|---|\n'),
    'one block quote': fill(quoteLine),
    'a nested list growing in a list': fill((index) => `  - nested ${index} with **bold** words and \`code\`\n`, items),
    'a quote growing in a list item': fill((index) => quoteLine(index).replace(/^(?!$)/gm, '  '), items),
    'a plain answer': fill(plain),
  };
}
