/**
 * Answers that are one block, as a stream builds them: one paragraph without a blank line, one code fence, one list,
 * one table and one block quote, each about `size` characters. Shared by the streaming markdown benchmark and its
 * tests: while such a block grows, every frame touches it.
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
  return {
    'one paragraph': fill(sentence),
    'one code fence': fill(codeLine, '```ts\n', '```'),
    'one list': fill((index) => `- item ${index} with **bold** words and \`code\`\n`),
    'one table': fill((index) => `| ${index} | **cell** ${index} | \`code\` |\n`, '| n | text | code |\n|---|---|---|\n'),
    'one block quote': fill(quoteLine),
  };
}
