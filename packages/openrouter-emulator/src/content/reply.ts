import { createRandom } from './hash.js';
import { countTokens } from './tokens.js';

const STOP_WORDS = new Set(
  'about above after again against because been before being below between both could does doing down during each from further have having here hers herself himself into itself just more most myself once only other ours over same should some such than that their theirs them themselves then there these they this those through under until very were what when where which while whom with would your yours yourself please tell give make write explain show there'.split(' '),
);

const SENTENCES = [
  'When it comes to {t}, the first thing to settle is what you actually need.',
  'A practical approach to {t} starts small and grows with real feedback.',
  'Most of the trade-offs around {t} come down to cost, speed and clarity.',
  'It helps to write down the assumptions behind {t} before changing anything.',
  'In practice, {t} works best when each step can be checked on its own.',
  'A common mistake with {t} is optimising before measuring.',
  'If {t} touches other systems, agree on the interface first.',
  'Keep the simplest version of {t} working, then improve it in small steps.',
  'Teams that document {t} well spend less time answering the same questions.',
  'The details of {t} matter less than a clear goal and a way to verify it.',
  'Consider how {t} behaves when inputs are missing or malformed.',
  'A short checklist for {t} catches most problems before they reach users.',
  'Revisit {t} after a week of real use; the weak spots will be obvious by then.',
  'There is rarely one right answer for {t}, but there are clearly wrong ones.',
];

const POINTS = [
  'Define what success looks like for {t}.',
  'Measure {t} before and after each change.',
  'Keep a fallback ready in case {t} misbehaves.',
  'Share what you learn about {t} with the team.',
  'Automate the checks around {t}.',
];

const CODE_WORDS = /\b(code|function|typescript|javascript|python|script|program|snippet|implement)\b/i;

export interface ReplyInput {
  /** The last user message, echoed first so tests can find it in the answer. */
  userText: string;
  /** The system prompt the request carried, acknowledged in the answer. */
  systemPrompt?: string | undefined;
  /** The content of a tool result the answer should use. */
  toolResult?: string | undefined;
  /** What the message carried besides text (`an image of 1024×768 pixels`), said back so a test sees it arrived. */
  received?: readonly string[] | undefined;
  /** Mixed into the choice of sentences, so a different seed gives a different wording. */
  seed: string;
}

/** Up to `limit` characters of text on one line, with an ellipsis where it was cut. */
export function quote(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

/** The words a reply talks about: the longest uncommon words of the user's message. */
export function topicsOf(text: string): string[] {
  const words = (text.toLowerCase().match(/[a-z][a-z0-9-]{3,}/g) ?? []).filter((word) => !STOP_WORDS.has(word));
  const unique = [...new Set(words)].sort((a, b) => b.length - a.length || a.localeCompare(b));
  return unique.length > 0 ? unique.slice(0, 4) : ['this topic'];
}

/**
 * A plausible, deterministic answer of at least `tokens` tokens: it quotes the user's message, acknowledges the
 * system prompt, then writes paragraphs (with a list and, for code questions, a code block once long enough).
 */
export function composeReply(input: ReplyInput, tokens: number): string {
  const random = createRandom(`${input.seed}\u0000${input.userText}`);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const topics = topicsOf(input.userText);
  const parts: string[] = [];
  let opening = input.toolResult !== undefined
    ? `The tool returned: "${quote(input.toolResult, 200)}". Here is what that means for "${quote(input.userText, 300)}".`
    : `You asked: "${quote(input.userText, 300)}".`;
  if (input.received && input.received.length > 0) opening += ` I received ${input.received.join(', ')}.`;
  if (input.systemPrompt) opening += ` Following my instructions ("${quote(input.systemPrompt, 100)}"), here is my answer.`;
  parts.push(opening);
  let used = countTokens(opening);
  let paragraph: string[] = [];
  let paragraphs = 0;
  while (used < tokens) {
    const sentence = pick(SENTENCES).replace('{t}', pick(topics));
    paragraph.push(sentence);
    used += countTokens(sentence);
    if (paragraph.length >= 3 + Math.floor(random() * 3) || used >= tokens) {
      parts.push(paragraph.join(' '));
      paragraph = [];
      paragraphs += 1;
      if (paragraphs === 1 && tokens - used > 60) {
        const list = ['Key points:', ...POINTS.slice(0, 3).map((point) => `- ${point.replace('{t}', pick(topics))}`)].join('\n');
        parts.push(list);
        used += countTokens(list);
      }
      if (paragraphs === 2 && tokens - used > 60 && CODE_WORDS.test(input.userText)) {
        const block = codeBlockFor(topics[0] ?? 'topic');
        parts.push(block);
        used += countTokens(block);
      }
    }
  }
  return parts.join('\n\n');
}

function codeBlockFor(topic: string): string {
  const name = topic.replace(/[^a-z0-9]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase());
  return ['```ts', `export function handle${name.charAt(0).toUpperCase()}${name.slice(1)}(input: string): string {`, '  const trimmed = input.trim();', "  if (!trimmed) throw new Error('input is empty');", '  return trimmed;', '}', '```'].join('\n');
}

/** The model's visible thinking before its answer, when reasoning is on. */
export function composeReasoning(userText: string, tokens: number, seed: string): string {
  const random = createRandom(`${seed}\u0001${userText}`);
  const topics = topicsOf(userText);
  const steps = [
    `The user is asking: "${quote(userText, 120)}".`,
    `I should identify what matters most about ${topics[0]}.`,
    'Then I can outline an answer in a few clear steps.',
    'I will check the answer against the question before writing it.',
  ];
  let text = '';
  while (countTokens(text) < tokens) text += (text ? ' ' : '') + (steps[Math.floor(random() * steps.length)] ?? '');
  return text;
}
