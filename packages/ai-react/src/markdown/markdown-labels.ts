/** The visible strings of rendered markdown (the code blocks' copy button). */
export interface MarkdownLabels {
  copyCode: string;
  copied: string;
  copyFailed: string;
  /** The toggle that wraps a code block's long lines. */
  wrapLines: string;
  /** The language label of a code block whose fence names none. */
  plainText: string;
  /** The accessible name of a citation marker `[n]`: its number and its source's title (or host). */
  citation: (number: number, title: string) => string;
}

/** The English defaults; ChatPanel's labels start from them. */
export const defaultMarkdownLabels: MarkdownLabels = {
  copyCode: 'Copy',
  copied: 'Copied',
  copyFailed: 'Copy failed',
  wrapLines: 'Wrap lines',
  plainText: 'text',
  citation: (number, title) => `Source ${number}: ${title}`,
};
