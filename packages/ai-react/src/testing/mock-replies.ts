// What the mock model says: the emulator's deterministic prose, a markdown showcase, or hostile output.
import { composeReply, quote, topicsOf } from '@insforge/openrouter-emulator/content';

/**
 * A reply that tries every way of running code a chat renderer must refuse: script elements, event-handler
 * attributes, `javascript:` links (markdown and HTML, any case) and raw HTML. Each would set `window.__pwned` or
 * call `alert`, so a test proves a renderer safe by finding neither.
 */
export const HOSTILE_REPLY = [
  'Here is output that tries to run code. None of it may execute.',
  '',
  '<script>alert(1)</script>',
  '<script>window.__pwned = true</script>',
  '',
  '<img src=x onerror=alert(1)>',
  '<img src="x" onerror="window.__pwned = true">',
  '',
  'A [click](javascript:alert(1)) link, a [sneaky one](JaVaScRiPt:window.__pwned=true) and an autolink <javascript:alert(1)>.',
  '',
  '<div onmouseover="alert(1)" style="position:fixed;inset:0"><b>raw HTML</b> <a href="javascript:alert(1)">an HTML link</a></div>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<svg onload="window.__pwned = true"><circle r="5" /></svg>',
  '',
  '```html',
  '<script>alert("this one is only code, shown as text")</script>',
  '```',
].join('\n');

/**
 * A markdown-rich answer quoting the question: heading, emphasis, lists, a GFM table, a code block, a quote and a
 * link, so renderers and styles can be seen at work.
 *
 * @example
 * markdownReply('Compare the plans in a table')
 */
function markdownReply(userText: string): string {
  const topic = topicsOf(userText)[0] ?? 'this topic';
  return [
    `You asked: "${quote(userText, 300)}".`,
    '',
    `## A short guide to ${topic}`,
    '',
    `Getting **${topic}** right is mostly about *small, checked steps*. Use \`npm test\` after each one.`,
    '',
    '1. Write down what success looks like.',
    '2. Measure before changing anything.',
    '3. Change one thing at a time:',
    '   - keep the old path working,',
    '   - compare the results.',
    '',
    '| Option | Cost per month | Context | Good for |',
    '| :--- | ---: | ---: | :--- |',
    '| Small | $4.20 | 128K | drafts and quick answers |',
    '| Medium | $18.00 | 200K | everyday work |',
    '| Large | $75.00 | 1M | long documents |',
    '',
    '```ts',
    `export function describe(topic: string): string {`,
    '  return `A note about ${topic}`;',
    '}',
    '```',
    '',
    `> Measure ${topic} before and after: the numbers settle most debates.`,
    '',
    'Read more in the [documentation](https://example.com/docs).',
  ].join('\n');
}

export interface ReplyRequest {
  userText: string;
  systemPrompt?: string | undefined;
  kind: 'prose' | 'markdown' | 'hostile';
  /** Mixed into the wording: a regenerated answer reads differently. */
  seed: string;
  /** About how long a prose reply is. */
  tokens: number;
}

/** The text of a reply of the kind asked for. */
export function composeMockReply({ userText, systemPrompt, kind, seed, tokens }: ReplyRequest): string {
  if (kind === 'hostile') return HOSTILE_REPLY;
  if (kind === 'markdown') return markdownReply(userText);
  return composeReply({ userText: userText || 'Hello', systemPrompt, seed }, tokens);
}
