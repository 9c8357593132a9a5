import { GatewayError } from '../errors.js';
import { acceptedByModel, type AttachmentKind, type FeatureAccepts } from '@insforge/ai-protocol';
import { DEFAULT_ATTACHMENT_RULE, type ExtensionPolicy } from '../features/feature-policies.js';
import type { Feature } from '../features/feature.js';
import { isRecord } from '../records.js';
import { attachmentOf, isKnownPartType, KNOWN_PART_TYPES, partShapeProblem, type AttachmentPart } from './attachment-parts.js';

/** OpenRouter's request options a feature governs, each with the shape it must have. */
const REQUEST_OPTIONS = {
  plugins: (value: unknown): value is Array<Record<string, unknown>> => Array.isArray(value) && value.every(isRecord),
  provider: isRecord,
  models: (value: unknown) => Array.isArray(value) && value.length <= 10 && value.every((model) => typeof model === 'string' && model !== ''),
  transforms: (value: unknown) => Array.isArray(value) && value.every((transform) => typeof transform === 'string'),
} as const;
type RequestOption = keyof typeof REQUEST_OPTIONS;

const SERVER_TOOL = /^openrouter:([a-z][a-z0-9_]{0,63})$/;

/** The rule for one of OpenRouter's plugins: its own (`pluginsById`), else the one for every plugin (`plugins`). */
function pluginRule(policy: ExtensionPolicy | undefined, id: string): 'allow' | 'forbid' | 'force' {
  return policy?.pluginsById?.[id] ?? policy?.plugins ?? 'forbid';
}

/**
 * OpenRouter's documented request options that no feature lets a client send, each with why: they would replace
 * what the feature decides (its model, system prompt, routing) or show what it keeps from clients. And OpenAI's
 * legacy function calling, which OpenRouter does not take: dropped, the model would answer in text.
 */
const REFUSED_OPTIONS: Readonly<Record<string, string>> = {
  preset: 'an OpenRouter preset brings its own model, system prompt and parameters, which are the feature\'s to set',
  debug: 'it echoes the request sent upstream, the feature\'s system prompt with it',
  max_price: 'a price ceiling picks among providers, which is provider routing: send it as provider.max_price where the feature allows `provider`',
  prompt: 'the gateway takes `messages`, after the feature\'s system prompt',
  functions: 'OpenAI\'s legacy function calling is not sent on: send each function as a tool (`tools: [{ type: "function", function }]`)',
  function_call: 'OpenAI\'s legacy function calling is not sent on: send the functions as `tools` and this as `tool_choice`',
};

/** Web search, in any of OpenRouter's forms (the server tool, the `web` plugin), is allowed for the feature's clients. */
export const allowsWebSearch = (feature: Feature) => (feature.extensions?.serverTools?.['web_search'] ?? 'forbid') !== 'forbid' || pluginRule(feature.extensions, 'web') !== 'forbid';

/**
 * OpenRouter's request options that follow a rule the feature has for something else: `web_search_options` tunes a
 * web search (and may cost more: the estimate counts it), `route` qualifies `models`, a top-level `cache_control`
 * is prompt caching. Each with whether the feature allows it and, when not, how an admin would.
 */
const DEPENDENT_OPTIONS: Readonly<Record<string, { allowed: (feature: Feature) => boolean; remedy: string; shape?: { check: (value: unknown) => boolean; expected: string } }>> = {
  web_search_options: { allowed: allowsWebSearch, remedy: 'an admin can allow web search (extensions.serverTools.web_search: "allow")' },
  // OpenRouter documents "fallback" alone: what it would make of another value is not the gateway's to guess.
  route: { allowed: (feature) => feature.extensions?.models === 'allow', remedy: 'it qualifies `models`, which an admin can allow (extensions.models: "allow")', shape: { check: (value) => value === 'fallback', expected: '"fallback", the only routing OpenRouter documents' } },
  cache_control: { allowed: (feature) => feature.extensions?.cacheControl !== 'forbid', remedy: 'an admin can allow prompt caching (extensions.cacheControl: "allow")' },
};

/** What the extension stage adds to the chat sent upstream. */
export interface ExtensionResolution {
  /** OpenRouter options the client sent and the feature allows, sent as they came (plus the plugins it forces). */
  options: Record<string, unknown>;
  /** Server tools the feature forces, added to `tools` when the client did not send them. */
  forcedTools: Array<{ type: string }>;
}

function attachmentRule(policy: ExtensionPolicy | undefined, kind: AttachmentKind): FeatureAccepts['attachments'][AttachmentKind] {
  const rule = policy?.attachments?.[kind];
  // Video, the dearest input, is refused until the policy names it: policies written before it was governed could not.
  if (rule === false || (rule === undefined && kind === 'video')) return false;
  return { maxCount: rule?.maxCount ?? DEFAULT_ATTACHMENT_RULE.maxCount, maxBytes: rule?.maxBytes ?? DEFAULT_ATTACHMENT_RULE.maxBytes, ...(rule?.mimeTypes ? { mimeTypes: rule.mimeTypes } : {}) };
}

/**
 * The feature's extension policy with its defaults filled in, narrowed to what its model reads when its input
 * modalities are known (no images for a text-only model, no audio for one that does not hear, no video for one that
 * does not watch; PDFs stay, as OpenRouter parses them for any model): what `/v1/models` tells its clients it accepts.
 */
export function featureAccepts(feature: Feature, inputModalities?: readonly string[]): FeatureAccepts {
  const policy = feature.extensions;
  const serverTools: FeatureAccepts['serverTools'] = {};
  for (const [name, rule] of Object.entries(policy?.serverTools ?? {})) if (rule !== 'forbid') serverTools[name] = rule;
  const plugins: NonNullable<FeatureAccepts['plugins']> = {};
  for (const [id, rule] of Object.entries(policy?.pluginsById ?? {})) if (rule !== 'forbid') plugins[id] = rule;
  return acceptedByModel({
    attachments: { image: attachmentRule(policy, 'image'), file: attachmentRule(policy, 'file'), audio: attachmentRule(policy, 'audio'), video: attachmentRule(policy, 'video') },
    serverTools,
    options: {
      plugins: policy?.plugins === 'allow',
      provider: policy?.provider === 'allow',
      models: policy?.models === 'allow',
      transforms: policy?.transforms === 'allow',
      cache_control: policy?.cacheControl !== 'forbid',
    },
    ...(Object.keys(plugins).length > 0 ? { plugins } : {}),
  }, inputModalities);
}

function notAllowed(feature: Feature, param: string, what: string, remedy: string): GatewayError {
  return new GatewayError('parameter_not_allowed', `${param}: ${what} is not allowed for clients of the "${feature.name}" feature; ${remedy}.`, { param });
}

/**
 * The plugins to send: each the client lists, checked by id against the feature's rules (a forbidden one is a 400
 * naming it), and each the feature forces, as `{ id }` in place of any entry of the client's for it. Undefined when
 * there are none, so `params.extra.plugins` stays what the admin set.
 */
function checkPlugins(feature: Feature, value: unknown): unknown[] | undefined {
  const policy = feature.extensions;
  const forced = Object.entries(policy?.pluginsById ?? {}).filter(([, rule]) => rule === 'force').map(([id]) => ({ id }));
  if (value === undefined || value === null) return forced.length > 0 ? forced : undefined;
  const anyAllowed = policy?.plugins === 'allow' || Object.values(policy?.pluginsById ?? {}).some((rule) => rule !== 'forbid');
  if (!anyAllowed) {
    throw notAllowed(feature, 'plugins', '`plugins`', 'an admin can allow it (extensions.plugins: "allow", or one plugin in extensions.pluginsById) or set it for every request (params.extra.plugins)');
  }
  if (!REQUEST_OPTIONS.plugins(value)) throw new GatewayError('invalid_parameter', 'plugins: not in the shape OpenRouter takes.', { param: 'plugins' });
  const sent: unknown[] = [];
  for (const [index, plugin] of value.entries()) {
    const id = plugin['id'];
    if (typeof id !== 'string' || id === '') throw new GatewayError('invalid_parameter', `plugins.${index}.id: each plugin names its id ("response-healing"…).`, { param: `plugins.${index}.id` });
    const rule = pluginRule(policy, id);
    if (rule === 'forbid') throw notAllowed(feature, `plugins.${index}`, `the ${id} plugin`, `an admin can allow it (extensions.pluginsById["${id}"]: "allow")`);
    if (rule === 'allow') sent.push(plugin);
  }
  const all = [...sent, ...forced];
  return all.length > 0 ? all : undefined;
}

function checkTools(feature: Feature, tools: unknown): void {
  if (!Array.isArray(tools)) return;
  for (const [index, tool] of tools.entries()) {
    const type = isRecord(tool) ? tool['type'] : undefined;
    if (type === 'function') continue;
    const name = typeof type === 'string' ? SERVER_TOOL.exec(type)?.[1] : undefined;
    if (name === undefined) throw new GatewayError('invalid_parameter', `tools.${index}.type: a tool is a "function" or one of OpenRouter's server tools ("openrouter:web_search"…).`, { param: `tools.${index}.type` });
    const rule = feature.extensions?.serverTools?.[name] ?? 'forbid';
    if (rule === 'forbid') throw notAllowed(feature, `tools.${index}`, `the ${type} server tool`, `an admin can allow it (extensions.serverTools.${name}: "allow")`);
  }
}

/**
 * The type an attachment is judged by against a `mimeTypes` list: what its bytes are where the gateway can tell
 * (images, PDFs), else what it says it is. A label its bytes contradict is a 400, so a GIF sent as `image/png`
 * does not pass a PNG-only list; an inline image whose bytes are no image format the gateway knows, and a file whose
 * type it cannot tell at all (a link without a `.pdf` name, data without a label), cannot be shown to be of a listed
 * type, and are refused under a list: `file: { mimeTypes: ['text/plain'] }` takes only files guardrails can read.
 */
function checkMediaType(feature: Feature, at: string, attachment: AttachmentPart, mimeTypes: readonly string[]): void {
  const { kind, declaredType, contentType } = attachment;
  if (contentType !== undefined && declaredType !== undefined && contentType !== declaredType) {
    throw new GatewayError('invalid_parameter', `${at}: this ${kind} attachment is labelled ${declaredType}, but its bytes are ${contentType}; label it as what it is.`, { param: at });
  }
  if (kind === 'image' && attachment.inline && contentType === undefined) {
    throw notAllowed(feature, at, 'an image whose bytes are no PNG, JPEG, GIF, WebP or AVIF image', `it accepts ${mimeTypes.join(', ')}`);
  }
  const type = contentType ?? declaredType;
  // A file whose type cannot be told (a link, data without a label) could be anything, a PDF the guardrails cannot read.
  if (kind === 'file' && type === undefined) throw notAllowed(feature, at, 'a file whose type cannot be told (a link, or data without a media type)', `it accepts ${mimeTypes.join(', ')}`);
  if (type !== undefined && !mimeTypes.includes(type)) throw notAllowed(feature, at, `an attachment of type ${type}`, `it accepts ${mimeTypes.join(', ')}`);
}

function checkAttachments(feature: Feature, messages: ReadonlyArray<{ content?: unknown }>): void {
  const counts: Record<AttachmentKind, number> = { image: 0, file: 0, audio: 0, video: 0 };
  const cacheControl = feature.extensions?.cacheControl ?? 'allow';
  // Indexes rather than `entries()`: nearly every message holds text only, and an iterator with a pair per message
  // was most of what this check cost.
  for (let index = 0; index < messages.length; index += 1) {
    const content = messages[index]?.content;
    if (!Array.isArray(content)) continue;
    for (const [partIndex, part] of content.entries()) {
      if (!isRecord(part)) continue;
      const at = `messages.${index}.content.${partIndex}`;
      if (part['cache_control'] !== undefined && cacheControl === 'forbid') {
        throw notAllowed(feature, `${at}.cache_control`, 'prompt caching (cache_control)', 'an admin can allow it (extensions.cacheControl: "allow")');
      }
      // A part of a type the gateway does not know could carry anything past the checks below: refused, not passed.
      if (!isKnownPartType(part['type'])) {
        throw new GatewayError('invalid_parameter', `${at}.type: "${String(part['type']).slice(0, 40)}" is not a content part the gateway takes (${KNOWN_PART_TYPES.join(', ')}).`, { param: `${at}.type` });
      }
      const problem = partShapeProblem(part);
      if (problem) throw new GatewayError('invalid_parameter', `${at}.${problem.field}: must be ${problem.expected}.`, { param: `${at}.${problem.field}` });
      const attachment = attachmentOf(part);
      if (!attachment) continue;
      const rule = attachmentRule(feature.extensions, attachment.kind);
      if (rule === false) throw notAllowed(feature, at, `${attachment.kind === 'file' || attachment.kind === 'video' ? 'a' : 'an'} ${attachment.kind} attachment`, `an admin can allow them (extensions.attachments.${attachment.kind})`);
      counts[attachment.kind] += 1;
      if (counts[attachment.kind] > rule.maxCount) {
        throw new GatewayError('invalid_parameter', `${at}: at most ${rule.maxCount} ${attachment.kind} attachment${rule.maxCount === 1 ? '' : 's'} a request for the "${feature.name}" feature.`, { param: at });
      }
      if (attachment.bytes > rule.maxBytes) {
        throw new GatewayError('request_too_large', `${at}: this ${attachment.kind} attachment is ${attachment.bytes} bytes; the "${feature.name}" feature takes at most ${rule.maxBytes}.`, { param: at });
      }
      if (rule.mimeTypes) checkMediaType(feature, at, attachment, rule.mimeTypes.map((type) => type.toLowerCase()));
    }
  }
}

/**
 * The lifecycle's extension stage: checks what a client adds beyond parameters against the feature's policy —
 * server tools, plugins by id, OpenRouter's options, prompt caching, content parts by type and shape, attachments by
 * kind, count, size and type — and answers what to send. Anything forbidden is a 400 (413 for an attachment too large)
 * naming the field.
 */
export function applyExtensionPolicy(feature: Feature, request: Record<string, unknown> & { messages: ReadonlyArray<{ content?: unknown }> }): ExtensionResolution {
  const options: ExtensionResolution['options'] = {};
  const plugins = checkPlugins(feature, request['plugins']);
  if (plugins) options.plugins = plugins;
  for (const name of Object.keys(REQUEST_OPTIONS) as RequestOption[]) {
    const value = request[name];
    if (name === 'plugins' || value === undefined || value === null) continue;
    if ((feature.extensions?.[name] ?? 'forbid') === 'forbid') {
      throw notAllowed(feature, name, `\`${name}\``, `an admin can allow it (extensions.${name}: "allow") or set it for every request (params.extra.${name})`);
    }
    if (!REQUEST_OPTIONS[name](value)) throw new GatewayError('invalid_parameter', `${name}: not in the shape OpenRouter takes.`, { param: name });
    options[name] = value;
  }
  for (const name of Object.keys(REFUSED_OPTIONS)) {
    if (request[name] !== undefined && request[name] !== null) {
      throw new GatewayError('parameter_not_allowed', `${name}: not accepted through the gateway; ${REFUSED_OPTIONS[name]}.`, { param: name });
    }
  }
  for (const [name, rule] of Object.entries(DEPENDENT_OPTIONS)) {
    const value = request[name];
    if (value === undefined || value === null) continue;
    if (!rule.allowed(feature)) throw notAllowed(feature, name, `\`${name}\``, rule.remedy);
    if (rule.shape && !rule.shape.check(value)) throw new GatewayError('invalid_parameter', `${name}: must be ${rule.shape.expected}.`, { param: name });
    options[name] = value;
  }
  checkTools(feature, request['tools']);
  checkAttachments(feature, request.messages);
  const sent = new Set((Array.isArray(request['tools']) ? request['tools'] : []).map((tool) => (isRecord(tool) ? tool['type'] : undefined)));
  const forcedTools = Object.entries(feature.extensions?.serverTools ?? {})
    .filter(([name, rule]) => rule === 'force' && !sent.has(`openrouter:${name}`))
    .map(([name]) => ({ type: `openrouter:${name}` }));
  return { options, forcedTools };
}

