/**
 * Answers that are one block, as a stream builds them: one paragraph without a blank line, one code fence, one list
 * and one table, each about `size` characters. Shared by the streaming markdown benchmark and its tests: while such a
 * block grows, every frame touches it.
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
  return {
    'one paragraph': fill(sentence),
    'one code fence': fill((index) => `const value_${index} = compute(${index}, "text"); // line ${index}\n`, '```ts\n', '```'),
    'one list': fill((index) => `- item ${index} with **bold** words and \`code\`\n`),
    'one table': fill((index) => `| ${index} | **cell** ${index} | \`code\` |\n`, '| n | text | code |\n|---|---|---|\n'),
  };
}
