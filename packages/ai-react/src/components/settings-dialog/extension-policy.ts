import type { AttachmentKind, AttachmentRule, ExtensionPolicy } from '@insforge/ai-protocol';
import type { ClientOverride, FeatureConfigFields, FeatureParams } from '../../core/admin-types.js';
import type { ModelEntry } from '../../core/chat-types.js';
import { supportsParameter } from './parameter-support.js';

/** What the policy lets a client do with one extension: use it, not use it, or have it on every request. */
export type ExtensionMode = 'allow' | 'forbid' | 'force';

/** OpenRouter's request options a feature allows or forbids (`cacheControl` is `cache_control` on content parts). */
export type RequestOption = 'plugins' | 'provider' | 'models' | 'transforms' | 'cacheControl';

/** OpenRouter's server tools the dialog offers by name, besides any the saved policy names. */
export const KNOWN_SERVER_TOOLS = ['web_search', 'web_fetch'] as const;
/** The attachment kinds the dialog edits; video, refused until a policy names it, is set through the API. */
export const ATTACHMENT_KINDS: readonly AttachmentKind[] = ['image', 'file', 'audio'];
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** The gateway's defaults: server tools and OpenRouter's options forbidden, prompt caching allowed. */
const DEFAULT_ACCESS: Record<RequestOption, 'allow' | 'forbid'> = { plugins: 'forbid', provider: 'forbid', models: 'forbid', transforms: 'forbid', cacheControl: 'allow' };
/** The function-calling parameters allowed or forbidden together. */
const TOOL_PARAMETERS = ['tools', 'tool_choice', 'parallel_tool_calls'] as const;

/** OpenRouter's provider routing (`provider`), as an admin sets it for every request of the feature. */
export interface ProviderPreferences {
  order?: string[] | undefined;
  only?: string[] | undefined;
  ignore?: string[] | undefined;
  sort?: 'price' | 'throughput' | 'latency' | undefined;
  allow_fallbacks?: boolean | undefined;
  data_collection?: 'allow' | 'deny' | undefined;
}

/** Reasoning for the feature: allowed within a budget, forbidden, or always on at an effort. */
export interface ReasoningPolicy {
  access: ExtensionMode;
  min?: number | undefined;
  max?: number | undefined;
  effort?: ReasoningEffort | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const defined = <T extends Record<string, unknown>>(object: T): T => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;

/** `params` with one free-form extra set (or left out when undefined). */
function withExtra(params: FeatureParams, key: string, value: unknown): FeatureParams {
  const extra = defined({ ...params.extra, [key]: value });
  const { extra: _extra, ...rest } = params;
  return Object.keys(extra).length > 0 ? { ...rest, extra } : rest;
}

const withOverrides = (overrides: Record<string, ClientOverride>, patch: Record<string, ClientOverride | undefined>) => defined({ ...overrides, ...patch }) as Record<string, ClientOverride>;

/** Every server tool to show: the known ones, then any other the policy names. */
export const serverToolsOf = (policy: ExtensionPolicy): string[] => [...new Set([...KNOWN_SERVER_TOOLS, ...Object.keys(policy.serverTools ?? {})])];

export const serverToolAccess = (policy: ExtensionPolicy, name: string): ExtensionMode => policy.serverTools?.[name] ?? 'forbid';

/** OpenRouter's plugins the dialog offers by id, besides any the saved policy names. */
export const KNOWN_PLUGINS = ['web', 'file-parser', 'response-healing', 'context-compression'] as const;

/** Every plugin to show: the known ones, then any other the policy names. */
export const pluginsOf = (policy: ExtensionPolicy): string[] => [...new Set([...KNOWN_PLUGINS, ...Object.keys(policy.pluginsById ?? {})])];

/** A plugin's own rule, else the one for every plugin (`plugins`), else forbidden: as the gateway reads it. */
export const pluginAccess = (policy: ExtensionPolicy, id: string): ExtensionMode => policy.pluginsById?.[id] ?? policy.plugins ?? 'forbid';

/** A plugin's rule; one that says what the rule for every plugin says is left to it. */
export function withPlugin(policy: ExtensionPolicy, id: string, access: ExtensionMode): Pick<FeatureConfigFields, 'extensions'> {
  const pluginsById = defined({ ...policy.pluginsById, [id]: access === (policy.plugins ?? 'forbid') ? undefined : access }) as Record<string, ExtensionMode>;
  const { pluginsById: _plugins, ...rest } = policy;
  return { extensions: Object.keys(pluginsById).length > 0 ? { ...rest, pluginsById } : rest };
}

export function withServerTool(policy: ExtensionPolicy, name: string, access: ExtensionMode): Pick<FeatureConfigFields, 'extensions'> {
  const serverTools = defined({ ...policy.serverTools, [name]: access === 'forbid' ? undefined : access }) as Record<string, ExtensionMode>;
  const { serverTools: _tools, ...rest } = policy;
  return { extensions: Object.keys(serverTools).length > 0 ? { ...rest, serverTools } : rest };
}

/** An OpenRouter option's access; `provider` is `force` while the feature sets its own provider preferences. */
export function optionAccess(draft: FeatureConfigFields, name: RequestOption): ExtensionMode {
  if (name === 'provider' && isRecord(draft.params.extra?.['provider'])) return 'force';
  return draft.extensions[name] ?? DEFAULT_ACCESS[name];
}

/** The fields to change for an option's new access (`force` only for `provider`: the preferences become the feature's). */
export function withOptionAccess(draft: FeatureConfigFields, name: RequestOption, access: ExtensionMode): Partial<FeatureConfigFields> {
  const value = access === 'force' ? 'forbid' : access;
  const extensions = defined({ ...draft.extensions, [name]: value === DEFAULT_ACCESS[name] ? undefined : value });
  if (name !== 'provider') return { extensions };
  const forced = isRecord(draft.params.extra?.['provider']);
  if (access === 'force') return { extensions, params: forced ? draft.params : withExtra(draft.params, 'provider', { allow_fallbacks: true }) };
  return { extensions, ...(forced ? { params: withExtra(draft.params, 'provider', undefined) } : {}) };
}

export const providerPreferencesOf = (draft: FeatureConfigFields): ProviderPreferences => (isRecord(draft.params.extra?.['provider']) ? (draft.params.extra['provider'] as ProviderPreferences) : {});

export const withProviderPreferences = (draft: FeatureConfigFields, preferences: ProviderPreferences): Pick<FeatureConfigFields, 'params'> => ({ params: withExtra(draft.params, 'provider', defined({ ...preferences })) });

export const functionToolsAccess = (draft: FeatureConfigFields): 'allow' | 'forbid' => (draft.clientOverrides['tools'] === false ? 'forbid' : 'allow');

export function withFunctionTools(draft: FeatureConfigFields, access: ExtensionMode): Pick<FeatureConfigFields, 'clientOverrides'> {
  const value = access === 'forbid' ? false : undefined;
  return { clientOverrides: withOverrides(draft.clientOverrides, Object.fromEntries(TOOL_PARAMETERS.map((name) => [name, value]))) };
}

export function reasoningOf(draft: FeatureConfigFields): ReasoningPolicy {
  const forced = draft.params.extra?.['reasoning'];
  if (isRecord(forced)) return { access: 'force', effort: REASONING_EFFORTS.find((effort) => effort === forced['effort']) ?? 'medium' };
  const rule = draft.clientOverrides['reasoning'];
  if (rule === false) return { access: 'forbid' };
  return typeof rule === 'object' ? { access: 'allow', min: rule.min, max: rule.max } : { access: 'allow' };
}

/** Forced reasoning goes out with every request (`params.extra.reasoning`), and clients are told they cannot change it. */
export function withReasoning(draft: FeatureConfigFields, next: ReasoningPolicy): Pick<FeatureConfigFields, 'params' | 'clientOverrides'> {
  const bound: { min?: number; max?: number } = {};
  if (next.min !== undefined) bound.min = next.min;
  if (next.max !== undefined) bound.max = next.max;
  const rule: ClientOverride | undefined = next.access === 'allow' ? (Object.keys(bound).length > 0 ? bound : undefined) : false;
  return {
    params: withExtra(draft.params, 'reasoning', next.access === 'force' ? { effort: next.effort ?? 'medium' } : undefined),
    clientOverrides: withOverrides(draft.clientOverrides, { reasoning: rule }),
  };
}

export const attachmentRuleOf = (policy: ExtensionPolicy, kind: AttachmentKind): AttachmentRule | undefined => policy.attachments?.[kind];

export function withAttachmentRule(policy: ExtensionPolicy, kind: AttachmentKind, rule: AttachmentRule | undefined): Pick<FeatureConfigFields, 'extensions'> {
  const cleaned = rule === false || rule === undefined ? rule : defined({ ...rule });
  const attachments = defined({ ...policy.attachments, [kind]: cleaned !== false && cleaned !== undefined && Object.keys(cleaned).length === 0 ? undefined : cleaned });
  const { attachments: _attachments, ...rest } = policy;
  return { extensions: Object.keys(attachments).length > 0 ? { ...rest, attachments } : rest };
}

/** Which extensions the draft's model can use (true where it is not known). */
export interface ExtensionSupport {
  tools: boolean;
  reasoning: boolean;
  /** The model answers in JSON on request (`response_format` or `structured_outputs`). */
  structuredOutputs: boolean;
  attachments: Record<AttachmentKind, boolean>;
  /** The model reads PDFs itself (else OpenRouter's parser reads them, billed per page). */
  readsFiles: boolean;
}

/**
 * What the model can use, from its catalog entry (`supported_parameters`, `input_modalities`); a model the catalog
 * does not know is given the benefit of the doubt. PDFs are taken by any model (OpenRouter parses them).
 *
 * @example
 * extensionSupport(granite).attachments.image; // false: it reads text only
 */
export function extensionSupport(model: ModelEntry | undefined): ExtensionSupport {
  const inputs = model?.inputModalities ?? [];
  const reads = (modality: string) => inputs.length === 0 || inputs.includes(modality);
  return {
    tools: supportsParameter(model, 'tools'),
    reasoning: supportsParameter(model, 'reasoning'),
    structuredOutputs: supportsParameter(model, 'response_format') || supportsParameter(model, 'structured_outputs'),
    attachments: { image: reads('image'), file: true, audio: reads('audio'), video: reads('video') },
    readsFiles: reads('file'),
  };
}

/** The words of the problems `extensionProblems` finds. */
export interface ExtensionProblemMessages {
  outOfRange(min: number, max: number): string;
  wholeNumber: string;
  notMediaType(value: string): string;
  notOfKind(value: string, kind: AttachmentKind): string;
  tooManyTypes(max: number): string;
  minAboveMax: string;
  notProviderSlug(value: string): string;
}

const MEDIA_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/i;
const PROVIDER_SLUG = /^[a-z0-9][a-z0-9._/-]{0,63}$/i;
/** The largest attachment a feature may take (the gateway's bound). */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

/**
 * What is wrong with the draft's extension policy before it is sent, by field path
 * (`extensions.attachments.image.maxCount`, `clientOverrides.reasoning.max`, `params.extra.provider.order`): the
 * bounds the gateway checks on save, said under the field as they are typed.
 *
 * @example
 * extensionProblems(draft, labels); // { 'extensions.attachments.image.mimeTypes': '“png” is not a media type such as image/png.' }
 */
export function extensionProblems(draft: FeatureConfigFields, messages: ExtensionProblemMessages): Record<string, string> {
  const problems: Record<string, string> = {};
  const whole = (path: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined) return;
    if (!Number.isInteger(value)) problems[path] = messages.wholeNumber;
    else if (value < min || value > max) problems[path] = messages.outOfRange(min, max);
  };
  for (const kind of ATTACHMENT_KINDS) {
    const rule = attachmentRuleOf(draft.extensions, kind);
    if (!rule) continue;
    const at = `extensions.attachments.${kind}`;
    whole(`${at}.maxCount`, rule.maxCount, 1, 100);
    if (rule.maxBytes !== undefined && !(rule.maxBytes >= 1 && rule.maxBytes <= MAX_ATTACHMENT_BYTES)) problems[`${at}.maxBytes`] = messages.outOfRange(0.001, 100);
    const types = rule.mimeTypes ?? [];
    const wrong = types.find((type) => !MEDIA_TYPE.test(type));
    const elsewhere = kind === 'file' ? undefined : types.find((type) => !type.toLowerCase().startsWith(`${kind}/`));
    if (wrong !== undefined) problems[`${at}.mimeTypes`] = messages.notMediaType(wrong);
    else if (elsewhere !== undefined) problems[`${at}.mimeTypes`] = messages.notOfKind(elsewhere, kind);
    else if (types.length > 20) problems[`${at}.mimeTypes`] = messages.tooManyTypes(20);
  }
  const reasoning = reasoningOf(draft);
  if (reasoning.access === 'allow') {
    whole('clientOverrides.reasoning.min', reasoning.min, 0, 10_000_000);
    whole('clientOverrides.reasoning.max', reasoning.max, 1, 10_000_000);
    if (reasoning.min !== undefined && reasoning.max !== undefined && reasoning.min > reasoning.max && !problems['clientOverrides.reasoning.max']) problems['clientOverrides.reasoning.max'] = messages.minAboveMax;
  }
  const preferences = providerPreferencesOf(draft);
  for (const list of ['order', 'only', 'ignore'] as const) {
    const wrong = (preferences[list] ?? []).find((slug) => !PROVIDER_SLUG.test(slug));
    if (wrong !== undefined) problems[`params.extra.provider.${list}`] = messages.notProviderSlug(wrong);
  }
  return problems;
}
