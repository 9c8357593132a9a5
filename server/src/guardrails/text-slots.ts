import { isRecord } from '../records.js';
import type { OutgoingRequest } from '../gateway/metered-request.js';
import { dataUrlText, linkText } from './file-text.js';

/** One piece of text a request sends (or an answer holds), which a guardrail reads and may replace in place. */
export interface TextSlot {
  text: string;
  /**
   * How a redaction may rewrite it: `text` as it is; `json` only inside the strings of the JSON it holds (tool-call
   * arguments, which must stay JSON); `none` when a rewrite would void it or change what a program reads in it
   * (reasoning its provider signed, a name, a schema's keys and values, tokens, a file not in UTF-8), so a match
   * there is refused instead.
   */
  rewrite: 'text' | 'json' | 'none';
  replace(text: string): void;
  /**
   * Where the text goes on in a stream's next delta (`content`, `tool:0`…): a stream's rules read each piece after
   * the last characters of the same place. Absent for a text that comes whole (a name, an annotation).
   */
  place?: string;
  /**
   * Tokens of the answer (`logprobs`): rules (PII, blocklist) read them, as a client may join them; a model or host
   * check reads the text they spell instead, and is not shown the answer twice.
   */
  tokens?: true;
}

type Json = Record<string, unknown>;
type Rewrite = TextSlot['rewrite'];

/** The replacement of a slot whose text is never rewritten (`none`). */
const unchanged = (): void => undefined;

/** A slot for `holder[key]` when it is a non-empty string. */
function slotAt(slots: TextSlot[], holder: Json | unknown[], key: string | number, rewrite: Rewrite = 'text', place?: string): void {
  const fields = holder as Record<string | number, unknown>;
  const text = fields[key];
  if (typeof text !== 'string' || text === '') return;
  const slot: TextSlot = { text, rewrite, replace: rewrite === 'none' ? unchanged : (replacement) => (fields[key] = replacement) };
  if (place !== undefined) slot.place = place;
  slots.push(slot);
}

/**
 * A slot for the text a `data:` URL at `holder[key]` holds, when its media type is text (`dataUrlText`): a redaction
 * is encoded back into the URL, or refused where it cannot be (a charset other than UTF-8).
 */
function dataUrlSlot(slots: TextSlot[], holder: Json, key: string): void {
  const decoded = dataUrlText(holder[key]);
  if (!decoded || decoded.text === '') return;
  const { rewrite } = decoded;
  slots.push({ text: decoded.text, rewrite: rewrite ? 'text' : 'none', replace: rewrite ? (text) => (holder[key] = rewrite(text)) : unchanged });
}

/**
 * A slot for the text of an `http(s)` link at `holder[key]` (`linkText`): what it points to is fetched by the
 * provider, out of the gateway's sight, but the link itself (its path, its query) reaches the provider and the
 * server it names. Never rewritten: a redacted link would point elsewhere, so a match there is refused.
 */
function linkSlot(slots: TextSlot[], holder: Json, key: string): void {
  const text = linkText(holder[key]);
  if (text !== undefined) slots.push({ text, rewrite: 'none', replace: unchanged });
}

/**
 * The strings of a JSON value at any depth, read without recursion, each as `rewriteOf` says for the key it is
 * under: undefined leaves it out, `text` makes it a slot of its own, `none` adds it to one slot of terms (a line
 * each) that is never rewritten, as is each key with `keys`. Below a key in `data`, strings are values a program
 * reads (`enum`, `default`…): `rewriteOf` is told so. One slot for the terms keeps a large schema from being
 * hundreds of slots, each a rule's read.
 */
function nestedSlots(root: unknown, slots: TextSlot[], rewriteOf: (key: string, data: boolean) => Rewrite | undefined, options: { keys: boolean; data?: ReadonlySet<string> }): void {
  let terms = '';
  const pending: Array<{ value: unknown; key: string; data: boolean }> = [{ value: root, key: '', data: false }];
  const take = (holder: Json | unknown[], key: string | number, under: string, data: boolean) => {
    const text = (holder as Record<string | number, unknown>)[key] as string;
    const rewrite = rewriteOf(under, data);
    if (rewrite === 'none') terms += `${text}\n`;
    else if (rewrite) slotAt(slots, holder, key, rewrite);
  };
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const { value, key, data } = entry;
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        if (typeof item === 'string') take(value as unknown[], index, key, data);
        else if (typeof item === 'object' && item !== null) pending.push({ value: item, key, data });
      });
    } else if (isRecord(value)) {
      for (const [field, inner] of Object.entries(value)) {
        if (options.keys) terms += `${field}\n`;
        const innerData = data || options.data?.has(field) === true;
        if (typeof inner === 'string') take(value, field, field, innerData);
        else if (typeof inner === 'object' && inner !== null) pending.push({ value: inner, key: field, data: innerData });
      }
    }
  }
  if (terms.trim() !== '') slots.push({ text: terms, rewrite: 'none', replace: unchanged });
}

/** The prose of a JSON schema, which a redaction may rewrite; its other strings and its keys are the schema's terms. */
const SCHEMA_PROSE = new Set(['description', 'title', '$comment']);
/** Schema keywords whose strings are values a program compares with (an `enum` entry, a `default`). */
const SCHEMA_DATA = new Set(['enum', 'const', 'default', 'examples', 'example']);

/**
 * Every string and key of a JSON schema the model reads: its prose (`description`, `title`, `$comment`), which a
 * redaction rewrites, and its property names, `enum`, `const`, `default`, `examples`, `pattern`… which it may not
 * (a client's program reads them), so a match there is refused.
 */
function schemaSlots(schema: unknown, slots: TextSlot[]): void {
  nestedSlots(schema, slots, (key, data) => (!data && SCHEMA_PROSE.has(key) ? 'text' : 'none'), { keys: true, data: SCHEMA_DATA });
}

/**
 * The texts of a plugin or a server tool (`{ id: 'web', search_prompt }`): its search prompt, which a redaction
 * rewrites, and its other strings, settings it may not rewrite; its `id` and `type` are the gateway's vocabulary.
 */
function settingsSlots(settings: Json, slots: TextSlot[]): void {
  nestedSlots(settings, slots, (key) => (key === 'id' || key === 'type' ? undefined : key === 'search_prompt' ? 'text' : 'none'), { keys: false });
}

/**
 * The texts of one content part: a text part's text, and a file's name and, for a file (or an image URL) whose
 * `data:` URL holds text (`text/plain`, `application/json`…), that text decoded; the text of a file, image or video
 * given by an `http(s)` link (`linkSlot`). A PDF, an image, audio or video holds no text the gateway can read.
 */
function partSlots(part: Json, slots: TextSlot[], place: string): void {
  slotAt(slots, part, 'text', 'text', place);
  // A Responses `input_file` carries the file's fields on the part itself, a chat `file` part under `file`.
  const file = isRecord(part['file']) ? part['file'] : part['type'] === 'input_file' ? part : undefined;
  if (file) {
    slotAt(slots, file, 'filename');
    dataUrlSlot(slots, file, 'file_data');
    linkSlot(slots, file, 'file_data');
    linkSlot(slots, file, 'file_url');
  }
  // A chat image part holds `{ url }`, a Responses `input_image` the URL itself.
  const image = isRecord(part['image_url']) ? { holder: part['image_url'], key: 'url' } : part['type'] === 'input_image' ? { holder: part, key: 'image_url' } : undefined;
  if (image) {
    dataUrlSlot(slots, image.holder, image.key);
    linkSlot(slots, image.holder, image.key);
  }
  // A Responses assistant turn's parts: a refusal, and the citations of its text.
  if (part['type'] === 'refusal') slotAt(slots, part, 'refusal', 'text', place);
  if (part['type'] === 'output_text') {
    if (Array.isArray(part['annotations'])) nestedSlots(part['annotations'], slots, (key) => (key === 'type' ? undefined : 'text'), { keys: false });
    // Its tokens, as a chat choice's `logprobs.content`.
    if (Array.isArray(part['logprobs'])) logprobsSlots({ content: part['logprobs'] }, slots);
  }
  // `input_video` carries its link under `video_url`, as `video_url` does.
  if (isRecord(part['video_url'])) linkSlot(slots, part['video_url'], 'url');
}

/** The slots of `holder.content`: the string, or the texts of each of its parts. */
function contentSlots(holder: Json, slots: TextSlot[]): void {
  const content = holder['content'];
  if (typeof content === 'string') slotAt(slots, holder, 'content', 'text', 'content');
  else if (Array.isArray(content)) {
    content.forEach((part: unknown, index) => {
      if (isRecord(part)) partSlots(part, slots, `content:${index}`);
    });
  }
}

/**
 * The texts of one chat message the model reads (the client's history) or the client reads (an answer's message,
 * or a stream's delta): its content (a string or parts, see `partSlots`), `refusal`, `name`, its reasoning
 * (`reasoning`, and the text or summary of each `reasoning_details` entry, `reasoning.text` or `reasoning.summary`;
 * a signed one cannot be rewritten; a `reasoning.encrypted` entry's `data` only its provider reads), the strings of
 * its `annotations` (a citation's url, title and content), its audio's `transcript`, the text of an image given as a
 * text `data:` URL or a link, and its tool calls' names and arguments. Names cannot be rewritten (a call or a
 * participant would no longer match), so a redaction there is refused.
 * @example
 * messageSlots({ role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{"q":"x"}' } }] }); // `none` for 'f', `json` for the arguments
 */
export function messageSlots(message: Json, slots: TextSlot[] = []): TextSlot[] {
  contentSlots(message, slots);
  slotAt(slots, message, 'refusal', 'text', 'refusal');
  slotAt(slots, message, 'name', 'none');
  slotAt(slots, message, 'reasoning', 'text', 'reasoning');
  const details = message['reasoning_details'];
  if (Array.isArray(details)) {
    details.forEach((detail: unknown, position) => {
      if (!isRecord(detail)) return;
      const rewrite = typeof detail['signature'] === 'string' && detail['signature'] !== '' ? 'none' : 'text';
      const place = `details:${String(detail['index'] ?? position)}`;
      slotAt(slots, detail, 'text', rewrite, place);
      slotAt(slots, detail, 'summary', rewrite, `${place}:summary`);
    });
  }
  const annotations = message['annotations'];
  if (Array.isArray(annotations)) nestedSlots(annotations, slots, (key) => (key === 'type' ? undefined : 'text'), { keys: false });
  if (isRecord(message['audio'])) slotAt(slots, message['audio'], 'transcript', 'text', 'audio');
  const images = message['images'];
  for (const image of Array.isArray(images) ? images : []) {
    if (!isRecord(image) || !isRecord(image['image_url'])) continue;
    dataUrlSlot(slots, image['image_url'], 'url');
    linkSlot(slots, image['image_url'], 'url');
  }
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) {
    calls.forEach((call: unknown, position) => {
      if (!isRecord(call) || !isRecord(call['function'])) return;
      slotAt(slots, call['function'], 'name', 'none');
      slotAt(slots, call['function'], 'arguments', 'json', `tool:${String(call['index'] ?? position)}`);
    });
  }
  return slots;
}

/**
 * The tokens of a choice's `logprobs` (`content`, `refusal`): those chosen, joined as a client joins them, and the
 * alternatives (`top_logprobs`), one a line. They repeat the answer, so they cannot be rewritten to match it.
 */
function logprobsSlots(logprobs: unknown, slots: TextSlot[]): void {
  if (!isRecord(logprobs)) return;
  for (const [list, entries] of Object.entries(logprobs)) {
    if (!Array.isArray(entries)) continue;
    let chosen = '';
    let alternatives = '';
    for (const entry of entries) {
      if (!isRecord(entry)) continue;
      if (typeof entry['token'] === 'string') chosen += entry['token'];
      const top = entry['top_logprobs'];
      if (Array.isArray(top)) for (const other of top) if (isRecord(other) && typeof other['token'] === 'string') alternatives += `${other['token']}\n`;
    }
    if (chosen !== '') slots.push({ text: chosen, rewrite: 'none', replace: unchanged, place: `logprobs:${list}`, tokens: true });
    if (alternatives !== '') slots.push({ text: alternatives, rewrite: 'none', replace: unchanged, place: `logprobs:${list}:top`, tokens: true });
  }
}

/**
 * The texts of one choice of an answer the client reads, a JSON answer's (`message`) or a stream chunk's (`delta`):
 * those of the message (see `messageSlots`) and the tokens of its `logprobs`.
 * @example
 * answerSlots({ index: 0, delta: { content: 'Hi' }, logprobs: { content: [{ token: 'Hi', top_logprobs: [] }] } }); // content, then its tokens
 */
export function answerSlots(choice: Json): TextSlot[] {
  const message = isRecord(choice['message']) ? choice['message'] : isRecord(choice['delta']) ? choice['delta'] : undefined;
  const slots = message ? messageSlots(message) : [];
  logprobsSlots(choice['logprobs'], slots);
  return slots;
}

/**
 * The texts a request sends that came from the client: each message's texts (see `messageSlots`: content and the
 * text of its files, links, names, reasoning handed back, refusals, citations, tool calls); its function tools'
 * names, the descriptions and every string and key of their parameters, and the function `tool_choice` names; its
 * `stop` sequences; a `json_schema` response format's name, description and schema alike; a predicted output
 * (`prediction.content`, which the model reads as the answer it is likely to give); the strings of its plugins and
 * server tools (a web search's `search_prompt`); each embeddings input; an image prompt. The feature's own system
 * prompt is left out: it is the server's, not the client's. So are `metadata`, `session_id`, `trace` and `user`:
 * labels OpenRouter keeps for its logs and never shows the model; and `web_search_options`, settings of the search,
 * not text of the prompt. A Responses API request is read the same way (`responsesRequestSlots`). `unreadable` names the parameter that holds what no text check can read: an embeddings
 * input of token ids.
 */
export function textSlotsOf(request: OutgoingRequest): { slots: TextSlot[]; messageCount: number; unreadable?: string } {
  const slots: TextSlot[] = [];
  const body = request.body;
  if (request.kind === 'images') {
    slotAt(slots, body, 'prompt');
    return { slots, messageCount: 0 };
  }
  if (request.kind === 'embeddings') {
    const input = body['input'];
    if (typeof input === 'string') slotAt(slots, body, 'input');
    else if (Array.isArray(input)) input.forEach((_item: unknown, index) => slotAt(slots, input, index));
    // Token ids spell any text, in the tokenizer of whichever model reads them; the gateway has none to read them with.
    const tokens = Array.isArray(input) && input.some((item) => typeof item !== 'string');
    return tokens ? { slots, messageCount: 0, unreadable: 'input' } : { slots, messageCount: 0 };
  }
  if (request.kind === 'responses') return responsesRequestSlots(request);
  if (request.kind === 'messages') return messagesRequestSlots(request);
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Json[]) : [];
  const systemPrompt = request.feature?.systemPrompt;
  let messageCount = 0;
  messages.forEach((message, index) => {
    if (index === 0 && systemPrompt && message['role'] === 'system' && message['content'] === systemPrompt) return;
    messageCount += 1;
    if (isRecord(message)) messageSlots(message, slots);
  });
  toolSlots(body, slots);
  const choice = body['tool_choice'];
  if (isRecord(choice) && isRecord(choice['function'])) slotAt(slots, choice['function'], 'name', 'none');
  // Stop sequences go to the provider with the prompt; it compares them exactly, so they are never rewritten.
  const stop = body['stop'];
  if (typeof stop === 'string') slotAt(slots, body, 'stop', 'none');
  else if (Array.isArray(stop)) stop.forEach((_sequence: unknown, index) => slotAt(slots, stop, index, 'none'));
  const format = body['response_format'];
  if (isRecord(format) && isRecord(format['json_schema'])) functionSlots(format['json_schema'], 'schema', slots);
  if (isRecord(body['prediction'])) contentSlots(body['prediction'], slots);
  pluginSlots(body, slots);
  return { slots, messageCount };
}

/**
 * The texts of a function (a tool's, or a `json_schema` format's, which has the same fields): its name, which is
 * never rewritten, its description, and its schema (under `schemaKey`).
 */
function functionSlots(fn: Json, schemaKey: string, slots: TextSlot[]): void {
  slotAt(slots, fn, 'name', 'none');
  slotAt(slots, fn, 'description');
  schemaSlots(fn[schemaKey], slots);
}

/** The texts of a request's tools: a chat function tool's (`{ function }`), a Responses one's (flat), a server tool's. */
function toolSlots(body: Json, slots: TextSlot[]): void {
  const tools = Array.isArray(body['tools']) ? (body['tools'] as unknown[]) : [];
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    if (isRecord(tool['function'])) functionSlots(tool['function'], 'parameters', slots);
    else if (tool['type'] === 'function') functionSlots(tool, 'parameters', slots);
    // An Anthropic client tool: `{ name, description, input_schema }`.
    else if (isRecord(tool['input_schema'])) functionSlots(tool, 'input_schema', slots);
    else settingsSlots(tool, slots);
  }
}

function pluginSlots(body: Json, slots: TextSlot[]): void {
  const plugins = Array.isArray(body['plugins']) ? (body['plugins'] as unknown[]) : [];
  for (const plugin of plugins) if (isRecord(plugin)) settingsSlots(plugin, slots);
}

/**
 * The texts of one item of a Responses conversation, an input item the model reads or an output item the client
 * reads, the same as a chat message's (`messageSlots`): a message's content (a string, or its parts: `input_text`,
 * `output_text` with its citations, `refusal`, and the text of an `input_file` or `input_image`, see `partSlots`); a
 * function call's name (never rewritten) and `arguments` (JSON); a function call's output; reasoning's summary and
 * text (not rewritten where it carries `encrypted_content`, which a rewrite would no longer match).
 * @example
 * responsesItemSlots({ type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"q":"x"}' }); // `none` for 'f', `json` for the arguments
 */
export function responsesItemSlots(item: Json, slots: TextSlot[] = []): TextSlot[] {
  switch (item['type'] ?? 'message') {
    case 'message':
      contentSlots(item, slots);
      break;
    case 'function_call':
      slotAt(slots, item, 'name', 'none');
      slotAt(slots, item, 'arguments', 'json', 'tool:0');
      break;
    case 'function_call_output': {
      const output = item['output'];
      if (Array.isArray(output)) contentSlots({ content: output }, slots);
      else slotAt(slots, item, 'output');
      break;
    }
    case 'reasoning': {
      const rewrite = typeof item['encrypted_content'] === 'string' && item['encrypted_content'] !== '' ? 'none' : 'text';
      for (const key of ['summary', 'content']) {
        const parts = item[key];
        if (Array.isArray(parts)) parts.forEach((part: unknown) => isRecord(part) && slotAt(slots, part, 'text', rewrite, 'reasoning'));
      }
      break;
    }
    default:
      // An item of a kind the gateway does not know carries its texts somewhere it cannot tell: every string of it.
      nestedSlots(item, slots, (key) => (key === 'type' || key === 'id' ? undefined : 'none'), { keys: false });
  }
  return slots;
}

/** The texts of a Responses answer the client reads: those of each of its `output` items (`responsesItemSlots`). */
export function responsesAnswerSlots(response: Json): TextSlot[] {
  const slots: TextSlot[] = [];
  const output = Array.isArray(response['output']) ? (response['output'] as unknown[]) : [];
  for (const item of output) if (isRecord(item)) responsesItemSlots(item, slots);
  return slots;
}

/**
 * The texts a Responses API request sends that came from the client, as `textSlotsOf` reads a chat's: its
 * `instructions` (unless they are the feature's system prompt) and each input item's (`responsesItemSlots`) count as
 * messages; its function tools, the function `tool_choice` names, a `json_schema` text format's name, description and
 * schema, and its plugins' strings are read as a chat's are.
 */
function responsesRequestSlots(request: OutgoingRequest): { slots: TextSlot[]; messageCount: number } {
  const slots: TextSlot[] = [];
  const body = request.body;
  let messageCount = 0;
  const instructions = body['instructions'];
  if (typeof instructions === 'string' && instructions !== request.feature?.systemPrompt) {
    messageCount += 1;
    slotAt(slots, body, 'instructions', 'text', 'content');
  }
  const input = Array.isArray(body['input']) ? (body['input'] as unknown[]) : [];
  for (const item of input) {
    messageCount += 1;
    if (isRecord(item)) responsesItemSlots(item, slots);
  }
  toolSlots(body, slots);
  const choice = body['tool_choice'];
  if (isRecord(choice) && typeof choice['name'] === 'string') slotAt(slots, choice, 'name', 'none');
  const format = isRecord(body['text']) ? body['text']['format'] : undefined;
  if (isRecord(format) && format['type'] === 'json_schema') functionSlots(format, 'schema', slots);
  pluginSlots(body, slots);
  return { slots, messageCount };
}

/**
 * The texts of one content block of Anthropic's Messages API, a request's (the model reads it) or an answer's (the
 * client reads it), as a chat part's are read (`partSlots`): a text block's text and the strings of its citations; a
 * tool call's name (never rewritten) and the strings of its `input` (kept an object); a tool result's content (a
 * string or blocks); thinking (not rewritten where it is signed); a document's text, its title and context, and the
 * link of a document or an image given by URL. A block of a type the gateway does not know: every string of it,
 * never rewritten.
 * @example
 * messagesBlockSlots({ type: 'tool_use', id: 't1', name: 'f', input: { q: 'x' } }, [], 'block:0'); // `none` for 'f', `text` for 'x'
 */
export function messagesBlockSlots(block: Json, slots: TextSlot[], place: string): TextSlot[] {
  switch (block['type']) {
    case 'text':
      slotAt(slots, block, 'text', 'text', place);
      if (Array.isArray(block['citations'])) nestedSlots(block['citations'], slots, (key) => (key === 'type' ? undefined : 'text'), { keys: false });
      break;
    case 'tool_use':
    case 'server_tool_use':
      slotAt(slots, block, 'name', 'none');
      nestedSlots(block['input'], slots, () => 'text', { keys: false });
      break;
    case 'tool_result':
      if (typeof block['content'] === 'string') slotAt(slots, block, 'content', 'text', place);
      else if (Array.isArray(block['content'])) block['content'].forEach((inner: unknown, index) => isRecord(inner) && messagesBlockSlots(inner, slots, `${place}:${index}`));
      break;
    case 'thinking':
      slotAt(slots, block, 'thinking', typeof block['signature'] === 'string' && block['signature'] !== '' ? 'none' : 'text', `${place}:thinking`);
      break;
    case 'redacted_thinking':
      break;
    case 'image':
    case 'document': {
      const source = isRecord(block['source']) ? block['source'] : {};
      if (source['type'] === 'text') slotAt(slots, source, 'data');
      if (source['type'] === 'content' && Array.isArray(source['content'])) source['content'].forEach((inner: unknown, index) => isRecord(inner) && messagesBlockSlots(inner, slots, `${place}:${index}`));
      if (source['type'] === 'url') linkSlot(slots, source, 'url');
      slotAt(slots, block, 'title');
      slotAt(slots, block, 'context');
      break;
    }
    default:
      nestedSlots(block, slots, (key) => (key === 'type' || key === 'id' ? undefined : 'none'), { keys: false });
  }
  return slots;
}

/** The texts of a Messages API answer the client reads: those of each of its content blocks (`messagesBlockSlots`). */
export function messagesAnswerSlots(message: Json): TextSlot[] {
  const slots: TextSlot[] = [];
  const content = Array.isArray(message['content']) ? (message['content'] as unknown[]) : [];
  content.forEach((block, index) => isRecord(block) && messagesBlockSlots(block, slots, `block:${index}`));
  return slots;
}

/**
 * The texts an Anthropic Messages API request sends that came from the client, as `textSlotsOf` reads a chat's: its
 * `system` (a string, or its blocks but the feature's own prompt, which comes first) and each message (a string, or
 * its blocks, see `messagesBlockSlots`) count as messages; its tools (`input_schema` as a function's parameters, a
 * typed tool's settings), the tool `tool_choice` names and its `stop_sequences` are read as a chat's are.
 */
function messagesRequestSlots(request: OutgoingRequest): { slots: TextSlot[]; messageCount: number } {
  const slots: TextSlot[] = [];
  const body = request.body;
  let messageCount = 0;
  const prompt = request.feature?.systemPrompt;
  if (typeof body['system'] === 'string') {
    messageCount += 1;
    slotAt(slots, body, 'system', 'text', 'content');
  } else if (Array.isArray(body['system'])) {
    const blocks = (body['system'] as unknown[]).filter((block, index) => !(index === 0 && prompt && isRecord(block) && block['text'] === prompt));
    if (blocks.length > 0) messageCount += 1;
    blocks.forEach((block, index) => isRecord(block) && messagesBlockSlots(block, slots, `system:${index}`));
  }
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  for (const message of messages) {
    messageCount += 1;
    if (!isRecord(message)) continue;
    if (typeof message['content'] === 'string') slotAt(slots, message, 'content', 'text', 'content');
    else if (Array.isArray(message['content'])) message['content'].forEach((block: unknown, index) => isRecord(block) && messagesBlockSlots(block, slots, `block:${index}`));
  }
  toolSlots(body, slots);
  const choice = body['tool_choice'];
  if (isRecord(choice) && typeof choice['name'] === 'string') slotAt(slots, choice, 'name', 'none');
  const stop = body['stop_sequences'];
  if (Array.isArray(stop)) stop.forEach((_sequence: unknown, index) => slotAt(slots, stop, index, 'none'));
  return { slots, messageCount };
}

/** Parses a JSON text, or undefined when it is not JSON. */
function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Visits each string of a parsed JSON value (keys too when asked), without recursion; `map` may replace a value. */
function eachString(root: { value: unknown }, visit: (text: string) => string | undefined, withKeys: boolean): void {
  const pending: Array<Json | unknown[]> = [];
  const take = (holder: Json | unknown[] | { value: unknown }, key: string | number) => {
    const field = (holder as Record<string | number, unknown>)[key];
    if (typeof field === 'string') {
      const replacement = visit(field);
      if (replacement !== undefined) (holder as Record<string | number, unknown>)[key] = replacement;
    } else if (typeof field === 'object' && field !== null) pending.push(field as Json | unknown[]);
  };
  take(root, 'value');
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (Array.isArray(value)) for (let index = 0; index < value.length; index++) take(value, index);
    else {
      for (const key of Object.keys(value)) {
        if (withKeys) visit(key);
        take(value, key);
      }
    }
  }
}

/**
 * The strings (keys and values) a JSON text decodes to, or undefined when it is not JSON: what a model or a tool
 * reads of tool-call arguments, where an escape (`\u0040`) may hide a match from the raw text.
 * @example
 * jsonStrings('{"to":"ada\\u0040example.com"}'); // ['to', 'ada@example.com']
 */
export function jsonStrings(text: string): string[] | undefined {
  const parsed = parseJson(text);
  if (!parsed) return undefined;
  const strings: string[] = [];
  eachString(parsed, (string) => void strings.push(string), true);
  return strings;
}

/**
 * A JSON text with each string value rewritten (keys kept), serialized again, so it stays JSON; undefined when the
 * text is not JSON (or nested too deep to serialize again).
 * @example
 * mapJsonStrings('{"q": "ada@example.com"}', (text) => text.replace('ada@example.com', '[REDACTED_EMAIL]')); // '{"q":"[REDACTED_EMAIL]"}'
 */
export function mapJsonStrings(text: string, map: (text: string) => string): string | undefined {
  const parsed = parseJson(text);
  if (!parsed) return undefined;
  eachString(parsed, map, false);
  try {
    return JSON.stringify(parsed.value);
  } catch {
    return undefined;
  }
}
