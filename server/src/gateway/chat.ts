import type { Identity } from '../auth/identity.js';
import type { ChatRequest } from './chat-request.js';
import type { GatewayContext } from './context.js';
import type { MeteredRequest } from './metered-request.js';
import { attachmentFactsOf, boundWebSearches, offersWebSearchTool, type AttachmentFacts } from './attachment-estimate.js';
import { checkClientModels, clientModelsOf, servedModelsOf } from './client-models.js';
import { applyExtensionPolicy } from './extension-policy.js';
import { modelSearchingPastMaxUses } from './model-facts.js';
import { resolveParameters } from './parameter-policy.js';
import { resolveTarget, type Target } from './resolve-target.js';
import { postWithFallbacks, type JsonAnswer, type UpstreamAnswer } from './upstream-json.js';

/** A chat request after policy: where it goes and exactly what is sent (the model is set per attempt). */
export interface ChatRun {
  identity: Identity;
  requestedModel: string;
  target: Target;
  body: Record<string, unknown>;
  includeUsage: boolean;
  startedAt: number;
  /**
   * The length of everything billed as prompt (messages with their parts and tool results, tools, schemas…) as
   * JSON, in characters: the usage record keeps it, for a probable cost when OpenRouter's figure is missing.
   */
  promptCharacters: number;
  /**
   * The same JSON's UTF-8 bytes, measured with it: the most tokens its text can be (`tokensOfText`), which the quota
   * estimate reserves.
   */
  promptBytes: number;
  /** What the attachments may cost, read from their bytes (their base64 is in neither size). */
  attachments: AttachmentFacts;
  /** The OpenRouter key of the caller's project. */
  apiKey: string;
}

/** The OpenRouter completion body. */
export type UpstreamCompletion = UpstreamAnswer;

/**
 * The size of what a chat sends as prompt, in characters of JSON: its whole body, so no billed part is missed (a
 * chat run leaves its attachments' base64 out, since they are priced by what they hold).
 */
export function promptCharactersOf(body: Record<string, unknown>): number {
  return JSON.stringify(body).length;
}

/** A chat prepared but for the project's OpenRouter key: all an estimate reads, since it never calls upstream. */
export type PreparedChat = Omit<ChatRun, 'apiKey'>;

/**
 * Resolves the feature, applies its parameter policy and puts its system prompt first: a client's own system
 * messages stay, after it, so they can add to the server's instructions but never remove or replace them.
 */
export async function prepareChat(context: GatewayContext, identity: Identity, request: ChatRequest): Promise<ChatRun> {
  return withUpstreamKey(context, await prepareChatWithoutKey(context, identity, request));
}

/**
 * `prepareChat` without fetching (and decrypting) the project's OpenRouter key, for what only estimates: it works
 * while no key is configured or the key store fails.
 *
 * @example
 * const estimate = await estimateChat(context, await prepareChatWithoutKey(context, identity, request));
 */
export async function prepareChatWithoutKey(context: GatewayContext, identity: Identity, request: ChatRequest): Promise<PreparedChat> {
  return preparedChatFor(context, identity, await resolveTarget(context, identity, request.model, 'text'), request);
}

/** The chat a request sends to a target already resolved (a feature, a draft under test, or a raw model). */
export async function chatRunFor(context: GatewayContext, identity: Identity, target: Target, incoming: ChatRequest): Promise<ChatRun> {
  return withUpstreamKey(context, await preparedChatFor(context, identity, target, incoming));
}

/**
 * The run, made whole in one object: a copy of the prepared chat given one more field took V8's slow path on every
 * request (bench/findings.md, change 34). Every field of `ChatRun` is required, so one added fails to compile here
 * until it is listed.
 */
async function withUpstreamKey(context: GatewayContext, prepared: PreparedChat): Promise<ChatRun> {
  const apiKey = await context.upstreamKey(prepared.identity.projectId);
  const { identity, requestedModel, target, body, includeUsage, startedAt, promptCharacters, promptBytes, attachments } = prepared;
  return { identity, requestedModel, target, body, includeUsage, startedAt, promptCharacters, promptBytes, attachments, apiKey };
}

async function preparedChatFor(context: GatewayContext, identity: Identity, target: Target, incoming: ChatRequest): Promise<PreparedChat> {
  // The attachment stage first: the extension policy and the estimate judge the files that will be sent.
  const request = context.attachments ? { ...incoming, messages: await context.attachments.resolve(identity, incoming.messages) } : incoming;
  // `max_completion_tokens` stays: the parameter policy reads it as `max_tokens`, under the same ceiling.
  const { model: _model, messages, stream: _stream, stream_options: streamOptions, user, reasoning_effort: effort, ...asked } = request;
  const extensions = applyExtensionPolicy(target.feature, request);
  await checkClientModels(context, identity, target.feature, clientModelsOf(extensions.options));
  const { plugins: _plugins, provider: _provider, models: _models, transforms: _transforms, ...rest } = asked;
  // OpenAI's `reasoning_effort` is OpenRouter's `reasoning.effort`, under the same policy as `reasoning`.
  if (effort && rest.reasoning == null) rest.reasoning = { effort };
  const params = resolveParameters(target.feature, rest);
  if (extensions.forcedTools.length > 0) params['tools'] = [...(Array.isArray(params['tools']) ? params['tools'] : []), ...extensions.forcedTools];
  const system = target.feature.systemPrompt;
  const sent = system ? [{ role: 'system', content: system }, ...messages] : messages;
  const body: Record<string, unknown> = { ...params, ...extensions.options, messages: sent };
  const { promptCharacters, promptBytes, attachments } = finishBody(target, body, messages, identity.userId ?? user ?? undefined);
  return {
    identity,
    requestedModel: request.model,
    target,
    body,
    // OpenRouter's `usage: { include: true }` asks for the same as OpenAI's `stream_options.include_usage`.
    includeUsage: streamOptions?.include_usage === true || request.usage?.include === true,
    startedAt: performance.now(),
    promptCharacters,
    promptBytes,
    attachments,
  };
}

/**
 * What every text request's body gets last, whatever its protocol (chat, Responses): the web search tool's bound, the
 * end user, and the sizes its estimate reads — the length of everything billed as prompt, in characters and UTF-8
 * bytes, and what its attachments (`parts`: the messages or input items that carry them) may cost.
 * @example
 * const { promptBytes, attachments } = finishBody(target, body, messages, identity.userId);
 */
export function finishBody(target: Target, body: Record<string, unknown>, parts: readonly unknown[], endUser: string | undefined): Pick<ChatRun, 'promptCharacters' | 'promptBytes' | 'attachments'> {
  // The web search tool searches as often as the model likes: a bound the estimate can reserve for goes with it, on an
  // engine that keeps it (every model the request may land on, fallbacks and routers too, as the estimate prices them).
  const searchesPastMaxUses = offersWebSearchTool(body) ? modelSearchingPastMaxUses(servedModelsOf({ target, body })) : undefined;
  boundWebSearches(body, searchesPastMaxUses);
  const { payloadCharacters, ...attachments } = attachmentFactsOf(parts);
  // A top-level `cache_control` marks the prompt's last cacheable block: a cache write, as one on a part is.
  if (body['cache_control'] != null) attachments.writesCache = true;
  if (endUser) body['user'] = endUser;
  // Measured once; the base64 of attachments is one byte a character.
  const json = JSON.stringify(body);
  return { promptCharacters: json.length - payloadCharacters, promptBytes: Buffer.byteLength(json) - payloadCharacters, attachments };
}

/**
 * Lets go of what a run sends (its messages, however long, and their files) once no attempt can follow: an open
 * stream then holds what it forwards, not its prompt. Nothing reads the body after that; the model and the feature
 * stay on the run.
 */
export function forgetPrompt(run: ChatRun): void {
  run.body = {};
}

/**
 * Sends a non-streaming chat through retries and fallbacks; an error inside a 200 counts as a failure. The answer
 * holds the parsed completion and its bytes as they came, which the OpenAI route forwards unchanged.
 */
export async function completeChat(context: GatewayContext, run: ChatRun, meter: MeteredRequest): Promise<JsonAnswer<UpstreamCompletion>> {
  const body = { ...run.body, stream: false };
  return postWithFallbacks<UpstreamCompletion>(context, { path: '/chat/completions', models: run.target.models, body, apiKey: run.apiKey, signal: meter.signal, meter, observer: meter.observer.attempts });
}

/** The text of a completion's first choice, whether the provider sent a string or content parts, and why it ended. */
export function firstAnswerOf(completion: UpstreamCompletion): { answer: string; finishReason: string | null } {
  const choices = Array.isArray(completion['choices']) ? (completion['choices'] as unknown[]) : [];
  const choice = (choices[0] ?? {}) as { message?: { content?: unknown }; finish_reason?: unknown };
  const content = choice.message?.content;
  const answer = typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((part: unknown) => (typeof (part as { text?: unknown } | null)?.text === 'string' ? (part as { text: string }).text : '')).join('')
      : '';
  return { answer, finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null };
}
