import type { Identity } from '../auth/identity.js';
import { GatewayError, renameParam } from '../errors.js';
import { isRecord } from '../records.js';
import { finishBody, type ChatRun } from './chat.js';
import { checkClientModels, clientModelsOf } from './client-models.js';
import type { GatewayContext } from './context.js';
import { applyExtensionPolicy } from './extension-policy.js';
import type { MeteredRequest } from './metered-request.js';
import type { MessagesMessage, MessagesRequest } from './messages-request.js';
import { resolveParameters } from './parameter-policy.js';
import { resolveTarget } from './resolve-target.js';
import { postWithFallbacks, type JsonAnswer, type UpstreamAnswer } from './upstream-json.js';

/**
 * A Messages API request after policy: where it goes and exactly what is sent (the model is set per attempt). The
 * same facts as a chat's, which its estimate reads the same way (`max_tokens`, and a thinking budget as chat's
 * reasoning budget).
 */
export type MessagesRun = Omit<ChatRun, 'includeUsage'>;

/** OpenRouter's `message` object (an error inside a 200 is `{type:"error", error}`). */
export type MessageObject = UpstreamAnswer;

/** A block's media source as the URL a chat part carries: a data URL for base64, the URL itself for a link. */
function sourceUrlOf(source: unknown, at: string): string {
  if (isRecord(source) && source['type'] === 'base64' && typeof source['data'] === 'string' && typeof source['media_type'] === 'string') return `data:${source['media_type']};base64,${source['data']}`;
  if (isRecord(source) && source['type'] === 'url' && typeof source['url'] === 'string') return source['url'];
  if (isRecord(source) && source['type'] === 'file') throw new GatewayError('invalid_parameter', `${at}.source: send the media as base64 data or a URL; stored file ids are not read.`, { param: `${at}.source` });
  throw new GatewayError('invalid_parameter', `${at}.source: {type:"base64", media_type, data} or {type:"url", url}.`, { param: `${at}.source` });
}

/** The text of blocks that carry text (a tool result's, a document's), for the policy and the estimate. */
const textOf = (blocks: unknown): string => (typeof blocks === 'string' ? blocks : Array.isArray(blocks) ? blocks.map((block) => (isRecord(block) && typeof block['text'] === 'string' ? block['text'] : '')).join('') : '');

/**
 * A content block as the chat part the attachment policy and the estimate read (never sent): text as text, an image
 * or a PDF as the attachment it is, a tool call, its result or thinking handed back as their text. A block of a type
 * the Messages API does not have is kept as it is, for the policy to refuse by its place.
 */
function chatPartOf(block: Record<string, unknown>, at: string): Record<string, unknown> {
  const part = chatPartShapeOf(block, at);
  // Prompt caching is judged by the feature's policy, and a cache write priced by the estimate.
  return block['cache_control'] === undefined || part === block ? part : { ...part, cache_control: block['cache_control'] };
}

function chatPartShapeOf(block: Record<string, unknown>, at: string): Record<string, unknown> {
  switch (block['type']) {
    case 'text':
      return { type: 'text', text: block['text'] };
    case 'image':
      return { type: 'image_url', image_url: { url: sourceUrlOf(block['source'], at) } };
    case 'document': {
      const source = block['source'];
      if (isRecord(source) && source['type'] === 'text') return { type: 'text', text: source['data'] };
      if (isRecord(source) && source['type'] === 'content') return { type: 'text', text: textOf(source['content']) };
      return { type: 'file', file: { filename: typeof block['title'] === 'string' ? block['title'] : 'document.pdf', file_data: sourceUrlOf(source, at) } };
    }
    case 'tool_use':
      return { type: 'text', text: JSON.stringify(block['input'] ?? {}) };
    case 'tool_result':
      return { type: 'text', text: textOf(block['content']) };
    case 'thinking':
      return { type: 'text', text: block['thinking'] };
    case 'redacted_thinking':
      return { type: 'text', text: '' };
    default:
      return block;
  }
}

/**
 * The messages as the chat messages the extension policy and the estimate read, one for one; the system blocks and
 * the media inside tool results follow as messages of their own, each with the place it stands in the request (`nested`), so a refusal
 * names it there.
 */
function checkedMessagesOf(messages: readonly MessagesMessage[], system: MessagesRequest['system']): { checked: Array<{ content?: unknown }>; nested: string[] } {
  const checked: Array<{ content?: unknown }> = [];
  const nested: string[] = [];
  const inner: Array<{ content: unknown[] }> = [];
  if (Array.isArray(system)) {
    inner.push({ content: system.map((block, index) => chatPartOf(block, `system.${index}`)) });
    nested.push('system');
  }
  messages.forEach((message, index) => {
    if (!Array.isArray(message.content)) {
      checked.push({ content: message.content });
      return;
    }
    checked.push({
      content: message.content.map((block, blockIndex) => {
        const at = `messages.${index}.content.${blockIndex}`;
        if (block.type === 'tool_result' && Array.isArray(block['content'])) {
          const media = (block['content'] as unknown[]).map((part, partIndex) => (isRecord(part) ? chatPartOf(part, `${at}.content.${partIndex}`) : part));
          inner.push({ content: media });
          nested.push(`${at}.content`);
        }
        return chatPartOf(block, at);
      }),
    });
  });
  return { checked: [...checked, ...inner], nested };
}

/** A chat-shaped function tool (a feature's defaults) in Anthropic's shape; Anthropic's own as they are. */
function anthropicToolOf(tool: unknown): unknown {
  if (!isRecord(tool) || tool['type'] !== 'function' || !isRecord(tool['function'])) return tool;
  const { name, description, parameters } = tool['function'];
  return { name, ...(description === undefined ? {} : { description }), input_schema: parameters ?? { type: 'object' } };
}

/** An Anthropic tool as the chat tool the extension policy judges: a client tool is a function; a typed one is kept. */
function chatToolOf(tool: unknown): unknown {
  if (!isRecord(tool) || (typeof tool['type'] === 'string' && tool['type'] !== 'custom')) return tool;
  return { type: 'function', function: { name: tool['name'], parameters: tool['input_schema'] } };
}

/** A chat-shaped `tool_choice` (a feature's default) as Anthropic's; Anthropic's own as it is. */
function anthropicToolChoiceOf(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none') return { type: choice };
  if (choice === 'required') return { type: 'any' };
  if (isRecord(choice) && choice['type'] === 'function' && isRecord(choice['function'])) return { type: 'tool', name: choice['function']['name'] };
  return choice;
}

/** The reasoning budget the policy bounded, as Anthropic's `thinking` (a budget, or adaptive when only enabled). */
function thinkingOf(reasoning: unknown, asked: MessagesRequest['thinking']): unknown {
  if (asked != null && asked.type !== 'enabled') return asked;
  if (!isRecord(reasoning)) return asked ?? undefined;
  if (typeof reasoning['max_tokens'] === 'number') return { ...asked, type: 'enabled', budget_tokens: reasoning['max_tokens'] };
  return asked ?? undefined;
}

/** The Messages API's names of the parameters the policy reads under chat's. */
const MESSAGES_NAMES: Readonly<Record<string, string>> = { stop: 'stop_sequences', reasoning: 'thinking', 'reasoning.max_tokens': 'thinking.budget_tokens', user: 'metadata.user_id' };

/**
 * Resolves the feature and applies its policy to a Messages API request, as a chat's is: its parameter policy (under
 * chat's names: `stop_sequences` is `stop`, `thinking.budget_tokens` is `reasoning.max_tokens` under the same bounds,
 * `max_tokens` under the same ceiling), its extension policy (tools, routing, attachments), and its system prompt as
 * the first block of `system`, which a client cannot drop: the client's own `system` follows it, adding to it.
 *
 * @example
 * const run = await prepareMessages(context, identity, parseMessagesRequest({ model: 'chat', max_tokens: 256, messages }));
 */
export async function prepareMessages(context: GatewayContext, identity: Identity, request: MessagesRequest): Promise<MessagesRun> {
  const target = await resolveTarget(context, identity, request.model, 'text');
  const { feature } = target;
  const { model: _model, messages, system, stream: _stream, max_tokens: maxTokens, stop_sequences: stopSequences, tools, tool_choice: toolChoice, thinking, metadata, ...asked } = request;
  const { checked, nested } = checkedMessagesOf(messages, system);
  let extensions: ReturnType<typeof applyExtensionPolicy>;
  try {
    extensions = applyExtensionPolicy(feature, { ...asked, tools: tools?.map(chatToolOf), messages: checked });
  } catch (error) {
    // The system blocks and the media inside tool results were checked as messages after the request's: named where
    // they stand.
    throw renameParam(error, (param) => (param ?? 'messages').replace(/^messages\.(\d+)(\.content)?/, (whole, index: string) => nested[Number(index) - messages.length] ?? whole));
  }
  await checkClientModels(context, identity, feature, clientModelsOf(extensions.options));
  const { plugins: _plugins, provider: _provider, models: _models, transforms: _transforms, ...rest } = asked;
  const reasoning = thinking?.type === 'enabled' ? { max_tokens: thinking.budget_tokens } : thinking?.type === 'adaptive' ? { enabled: true } : undefined;
  const named: Record<string, unknown> = { ...rest, max_tokens: maxTokens, stop: stopSequences, tools, tool_choice: toolChoice, reasoning };
  let params: Record<string, unknown>;
  try {
    params = resolveParameters(feature, named);
  } catch (error) {
    throw renameParam(error, (param) => MESSAGES_NAMES[param ?? ''] ?? param ?? 'messages');
  }
  const { stop, tools: sentTools, tool_choice: sentChoice, reasoning: sentReasoning, max_completion_tokens: _maxCompletion, response_format: _format, ...sent } = params;
  const body: Record<string, unknown> = { ...sent, ...extensions.options };
  if (stop != null) body['stop_sequences'] = Array.isArray(stop) ? stop : [stop];
  const allTools = [...(Array.isArray(sentTools) ? sentTools.map(anthropicToolOf) : []), ...extensions.forcedTools];
  if (allTools.length > 0) body['tools'] = allTools;
  if (sentChoice != null) body['tool_choice'] = anthropicToolChoiceOf(sentChoice);
  const sentThinking = thinkingOf(sentReasoning, thinking);
  if (sentThinking != null) body['thinking'] = sentThinking;
  const prompt = feature.systemPrompt;
  const clientSystem = typeof system === 'string' ? (system === '' ? [] : [{ type: 'text', text: system }]) : (system ?? []);
  if (prompt) body['system'] = [{ type: 'text', text: prompt }, ...clientSystem];
  else if (system != null) body['system'] = system;
  body['messages'] = messages;
  // Anthropic names the end user in `metadata.user_id`; the gateway's own user wins over what a client says.
  const endUser = identity.userId ?? metadata?.user_id ?? undefined;
  if (endUser) body['metadata'] = { user_id: endUser };
  const { promptCharacters, promptBytes, attachments } = finishBody(target, body, checked, undefined);
  const apiKey = await context.upstreamKey(identity.projectId);
  return { identity, requestedModel: request.model, target, body, startedAt: performance.now(), promptCharacters, promptBytes, attachments, apiKey };
}

/**
 * Sends a non-streaming Messages API request through retries and fallbacks; an error body inside a 200
 * (`{type:"error", error}`) counts as a failure. The answer holds the parsed message and its bytes as they came.
 */
export async function completeMessages(context: GatewayContext, run: MessagesRun, meter: MeteredRequest): Promise<JsonAnswer<MessageObject>> {
  const body = { ...run.body, stream: false };
  return postWithFallbacks<MessageObject>(context, { path: '/messages', models: run.target.models, body, apiKey: run.apiKey, signal: meter.signal, meter, observer: meter.observer.attempts });
}
