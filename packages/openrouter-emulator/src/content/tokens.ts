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

/**
 * How prompt text is counted: `words`, the default (about four characters a token, as English reads), or `bytes`
 * (one token per UTF-8 byte: the most a byte-level tokenizer makes, which Chinese or Japanese text, emoji and runs of
 * one-letter words come close to).
 */
export type Tokenizer = 'words' | 'bytes';

/** Counts tokens without keeping the pieces. */
export function countTokens(text: string, tokenizer: Tokenizer = 'words'): number {
  if (tokenizer === 'bytes') return utf8Length(text);
  let count = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(text) !== null) count += 1;
  return count;
}

/** The UTF-8 length of a text, without Node's `Buffer` (this module runs in browsers too). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    // A surrogate pair is one character of four bytes; a lone surrogate is written as U+FFFD, three.
    else if (unit >= 0xd800 && unit < 0xdc00 && index + 1 < text.length && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      index += 1;
    } else bytes += 3;
  }
  return bytes;
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

function countContentTokens(content: unknown, tokenizer: Tokenizer): number {
  if (!Array.isArray(content)) return countTokens(contentText(content), tokenizer);
  let tokens = 0;
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part['type'] === 'text' && typeof part['text'] === 'string') tokens += countTokens(part['text'], tokenizer);
    // Attachments are priced by what they hold, where the model is known (the chat plan reads them).
    else if (!ATTACHMENT_PARTS.has(String(part['type']))) tokens += IMAGE_INPUT_TOKENS;
  }
  return tokens;
}

/** Prompt tokens of a chat request's text: messages, tool calls in them, and tool definitions (attachments apart). */
export function countPromptTokens(messages: readonly unknown[], tools?: unknown, tokenizer: Tokenizer = 'words'): number {
  let tokens = 3;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    tokens += MESSAGE_OVERHEAD + countContentTokens(message['content'], tokenizer);
    if (message['tool_calls'] !== undefined) tokens += countTokens(JSON.stringify(message['tool_calls']), tokenizer);
  }
  if (tools !== undefined) tokens += countTokens(JSON.stringify(tools), tokenizer);
  return tokens;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
