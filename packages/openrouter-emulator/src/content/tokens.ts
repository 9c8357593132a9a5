/**
 * The emulator's tokenizer: words with their leading space, long words cut every five characters, so English
 * averages about four characters a token, like the BPE tokenizers it stands in for. Splitting is lossless:
 * the pieces joined give the text back, which is how streamed deltas add up to the full answer.
 */
const TOKEN = /\s*[^\s]{1,5}|\s+/g;

/** Splits text into token pieces whose concatenation is the text. */
export function splitTokens(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Counts tokens without keeping the pieces. */
export function countTokens(text: string): number {
  let count = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(text) !== null) count += 1;
  return count;
}

/** Tokens a part of an unknown kind costs (a flat figure, as a low-detail vision input is billed). */
const IMAGE_INPUT_TOKENS = 85;
const ATTACHMENT_PARTS = new Set(['image_url', 'file', 'input_audio', 'video_url', 'input_video']);
/** Per-message framing (role markers), as chat templates add. */
const MESSAGE_OVERHEAD = 4;

/** The text of a message `content`: a string, or the text parts of a parts array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string' ? part['text'] : ''))
    .filter(Boolean)
    .join('\n');
}

function countContentTokens(content: unknown): number {
  if (!Array.isArray(content)) return countTokens(contentText(content));
  let tokens = 0;
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part['type'] === 'text' && typeof part['text'] === 'string') tokens += countTokens(part['text']);
    // Attachments are priced by what they hold, where the model is known (the chat plan reads them).
    else if (!ATTACHMENT_PARTS.has(String(part['type']))) tokens += IMAGE_INPUT_TOKENS;
  }
  return tokens;
}

/** Prompt tokens of a chat request's text: messages, tool calls in them, and tool definitions (attachments apart). */
export function countPromptTokens(messages: readonly unknown[], tools?: unknown): number {
  let tokens = 3;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    tokens += MESSAGE_OVERHEAD + countContentTokens(message['content']);
    if (message['tool_calls'] !== undefined) tokens += countTokens(JSON.stringify(message['tool_calls']));
  }
  if (tools !== undefined) tokens += countTokens(JSON.stringify(tools));
  return tokens;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
