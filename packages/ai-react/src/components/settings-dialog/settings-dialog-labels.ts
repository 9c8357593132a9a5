import type { AttachmentKind } from '@insforge/ai-protocol';
import type { CustomParameterMessages } from './custom-parameters.js';
import type { ExtensionMode, ExtensionProblemMessages, ReasoningEffort } from './extension-policy.js';
import type { NumericParameter, ParameterMessages } from './parameter-support.js';

// The sign before the dollar sign (a key past its limit has a negative remainder): `-$5.00`, not `$-5.0000`.
const usd = (value: number): string => (value < 0 ? `-${usd(-value)}` : `$${value < 0.01 && value > 0 ? value.toPrecision(2) : value.toFixed(value < 1 ? 4 : 2)}`);
const count = (value: number) => value.toLocaleString('en-US');

/** Every string the settings dialog shows; pass some of them as `labels` to translate or reword. */
export interface SettingsDialogLabels extends ParameterMessages, CustomParameterMessages, ExtensionProblemMessages {
  title: string;
  description: string;
  close: string;
  feature: string;
  loading: string;
  sectionModel: string;
  model: string;
  systemPrompt: string;
  systemPromptHint: string;
  sectionParameters: string;
  parameterNames: Record<NumericParameter, string>;
  /** Under each field: what it inherits when left as saved, or empty. */
  savedValue(value: string): string;
  modelDefault: string;
  maxOutputHint(max: number, model: string): string;
  notSupportedBy(model: string): string;
  resetField(field: string): string;
  clearField(field: string): string;
  sectionCustom: string;
  customParameters: string;
  customParametersHint: string;
  sectionPreview: string;
  previewHint: string;
  previewUserMessage: string;
  ignoredByModel(parameters: string[], model: string): string;
  fallbacks(models: string[]): string;
  sectionTest: string;
  testPrompt: string;
  defaultTestPrompt: string;
  runTest: string;
  testing: string;
  testAnswer: string;
  testModel: string;
  testTokens: string;
  testCost: string;
  testLatency: string;
  tokens(prompt: number, completion: number, total: number): string;
  money(usd: number | null): string;
  milliseconds(ms: number): string;
  testUsesDraft: string;
  sectionKey: string;
  keyInUse(masked: string): string;
  keySource: Record<'stored' | 'environment' | 'none', string>;
  noKey: string;
  newKey: string;
  setKey: string;
  replaceKey: string;
  savingKey: string;
  testKey: string;
  removeKey: string;
  confirmRemoveKey: string;
  cancel: string;
  keyAccepted(facts: { label?: string | null; limit?: number | null; limitRemaining?: number | null; isFreeTier?: boolean }): string;
  keyWorks: string;
  keyRemoved: string;
  sectionLimits: string;
  limitsReadOnly: string;
  noLimits: string;
  limitScope: string;
  limitKind: string;
  limitUsed: string;
  limitResets: string;
  limitKinds: Record<string, string>;
  limitScopes: Record<string, string>;
  stopped(reason: string | null): string;
  sectionCache: string;
  cacheHint: string;
  cacheNeverImages: string;
  cacheEnabled: string;
  cacheTtl: string;
  cacheTtlHint: string;
  cacheNonDeterministic: string;
  cacheNonDeterministicHint: string;
  purgeCache: string;
  purging: string;
  purged(count: number): string;
  sectionGuardrails: string;
  guardrailsHint: string;
  guardrailMessage: string;
  guardrailMessageHint: string;
  noGuardrails: string;
  addGuardrail: string;
  guardrailKind: string;
  guardrailTypes: Record<'pii' | 'blocklist' | 'size' | 'moderation', string>;
  guardrailTypeHints: Record<'pii' | 'blocklist' | 'size' | 'moderation', string>;
  guardrailTitle(position: number, type: string): string;
  moveUp(name: string): string;
  moveDown(name: string): string;
  removeGuardrail(name: string): string;
  guardrailMoved(name: string, position: number): string;
  guardrailStage: string;
  guardrailStages: Record<'input' | 'output' | 'both', string>;
  guardrailMode: string;
  guardrailModes: Record<'block' | 'redact', string>;
  piiKindsLegend: string;
  piiKindsNeeded: string;
  piiKinds: Record<'email' | 'phone' | 'card' | 'iban' | 'secret', string>;
  blockedWords: string;
  blockedPatterns: string;
  onePerLine: string;
  maxInputCharacters: string;
  maxMessages: string;
  moderationModel: string;
  moderationModelHint: string;
  ownMessage: string;
  ownMessageHint: string;
  sectionExtensions: string;
  extensionsHint: string;
  /** The choices of each extension: a client may use it, may not, or it is on for every request. */
  extensionModes: Record<ExtensionMode, string>;
  extensionGroups: Record<'tools' | 'attachments' | 'reasoning' | 'plugins' | 'options', string>;
  /** A plugin's name in words (`response-healing` → "Response healing"); unknown ones are shown by id. */
  pluginNames: Record<string, string>;
  pluginHint(id: string): string;
  noStructuredOutputs(model: string): string;
  functionTools: string;
  functionToolsHint: string;
  /** A server tool's name in words (`web_search` → "Web search"); unknown ones are shown as named. */
  serverToolNames: Record<string, string>;
  serverToolHint(name: string): string;
  cannotCallTools(model: string): string;
  attachmentKinds: Record<AttachmentKind, string>;
  attachmentHints: Record<AttachmentKind, string>;
  cannotRead(kind: AttachmentKind, model: string): string;
  filesParsed(model: string): string;
  maxCount: string;
  maxMegabytes: string;
  maxMegabytesHint: string;
  mediaTypes: string;
  mediaTypesHint(kind: AttachmentKind): string;
  reasoning: string;
  reasoningHint: string;
  cannotReason(model: string): string;
  reasoningMin: string;
  reasoningMax: string;
  reasoningBoundHint: string;
  reasoningEffort: string;
  reasoningEfforts: Record<ReasoningEffort, string>;
  requestOptions: Record<'plugins' | 'provider' | 'models' | 'transforms' | 'cacheControl', string>;
  requestOptionHints: Record<'plugins' | 'provider' | 'models' | 'transforms' | 'cacheControl', string>;
  /** What `force` means for provider preferences: the feature's own, sent with every request. */
  providerForced: string;
  providerOrder: string;
  providerOnly: string;
  providerIgnore: string;
  providerListHint: string;
  providerSort: string;
  providerSorts: Record<'none' | 'price' | 'throughput' | 'latency', string>;
  allowFallbacks: string;
  dataCollection: string;
  dataCollections: Record<'allow' | 'deny', string>;
  resetAll: string;
  save: string;
  saving: string;
  saved(version: number): string;
  unchanged: string;
  fixErrors: string;
  conflictTitle: string;
  conflictBody(who: string, when: string, version: number): string;
  conflictTheyChanged(fields: string[]): string;
  reloadTheirs: string;
  keepMine: string;
  unsavedTitle: string;
  unsavedBody: string;
  keepEditing: string;
  discardChanges: string;
  beforeUnload: string;
  fieldNames: Record<string, string>;
}

export const defaultSettingsDialogLabels: SettingsDialogLabels = {
  title: 'AI settings',
  description: 'The model, instructions and parameters every request of this feature uses. Users cannot override what is set here beyond the bounds you allow.',
  close: 'Close',
  feature: 'Feature',
  loading: 'Loading the settings…',
  sectionModel: 'Model and instructions',
  model: 'Model',
  systemPrompt: 'System prompt',
  systemPromptHint: 'Sent first in every request; users cannot remove or replace it.',
  sectionParameters: 'Parameters',
  parameterNames: { temperature: 'Temperature', top_p: 'Top-p', max_tokens: 'Max tokens', presence_penalty: 'Presence penalty', frequency_penalty: 'Frequency penalty' },
  savedValue: (value) => `Saved: ${value}`,
  modelDefault: "the model's default",
  maxOutputHint: (max, model) => `${model} writes at most ${count(max)} tokens.`,
  notSupportedBy: (model) => `Not supported by ${model}`,
  resetField: (field) => `Reset ${field}`,
  clearField: (field) => `Clear ${field}`,
  outOfRange: (min, max) => `Between ${min} and ${max}.`,
  wholeNumber: 'A whole number.',
  aboveMaxOutput: (max, model) => `At most ${count(max)}: the most ${model} can write.`,
  sectionCustom: 'Custom parameters',
  customParameters: 'Custom parameters (JSON)',
  customParametersHint: 'A JSON object sent with every request, e.g. {"response_format": {"type": "json_object"}}. Users cannot override these.',
  invalidJson: (detail) => `This is not valid JSON: ${detail}`,
  notAnObject: 'Custom parameters must be a JSON object, like {"response_format": {"type": "json_object"}}.',
  ownField: (key) => (key === 'model' || key === 'models' ? 'Choose the model with the Model field.' : `"${key}" is set elsewhere: use its own field, or leave it to the gateway.`),
  responseFormat: 'response_format must be an object, like {"type": "json_object"}.',
  stop: 'stop must be a string or a list of up to 4 strings.',
  sectionPreview: 'Request preview',
  previewHint: 'What the gateway sends OpenRouter for a user message, before the user’s own allowed parameters.',
  previewUserMessage: '…the user’s message…',
  ignoredByModel: (parameters, model) => `${model} ignores ${parameters.join(', ')}.`,
  fallbacks: (models) => `If it fails, the gateway tries ${models.join(', then ')}.`,
  sectionTest: 'Live test',
  testPrompt: 'Test prompt',
  defaultTestPrompt: 'Say hello in one sentence.',
  runTest: 'Run test',
  testing: 'Testing…',
  testAnswer: 'Answer',
  testModel: 'Model',
  testTokens: 'Tokens',
  testCost: 'Cost',
  testLatency: 'Latency',
  tokens: (prompt, completion, total) => `${count(prompt)} in, ${count(completion)} out (${count(total)})`,
  money: (value) => (value === null ? 'not reported' : usd(value)),
  milliseconds: (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`),
  testUsesDraft: 'The test runs your unsaved edits; nothing is saved.',
  sectionKey: 'OpenRouter key',
  keyInUse: (masked) => `Key in use: ${masked}`,
  keySource: { stored: 'stored (encrypted) by an admin', environment: "the gateway's own key", none: 'none' },
  noKey: 'No key: AI requests fail until one is set.',
  newKey: 'New OpenRouter key',
  setKey: 'Set key',
  replaceKey: 'Replace key',
  savingKey: 'Checking with OpenRouter…',
  testKey: 'Test key',
  removeKey: 'Remove key',
  confirmRemoveKey: 'Yes, remove it',
  cancel: 'Cancel',
  keyAccepted: (facts) =>
    [
      'OpenRouter accepted the key',
      facts.label ? ` "${facts.label}"` : '',
      facts.isFreeTier ? ' (free tier)' : '',
      typeof facts.limit === 'number' ? `; limit ${usd(facts.limit)}` : '',
      typeof facts.limitRemaining === 'number' ? `, ${usd(facts.limitRemaining)} left` : '',
      '.',
    ].join(''),
  keyWorks: 'The key works.',
  keyRemoved: 'The stored key is removed.',
  sectionLimits: 'Limits',
  limitsReadOnly: 'Read only here: limits are set with the limits policy (API or CLI).',
  noLimits: 'No limits apply.',
  limitScope: 'Applies to',
  limitKind: 'Limit',
  limitUsed: 'Used',
  limitResets: 'Resets',
  limitKinds: {
    requestsPerMinute: 'Requests per minute',
    tokensPerMinute: 'Tokens per minute',
    concurrentRequests: 'Concurrent requests',
    tokensPerDay: 'Tokens per day',
    spendPerDayUsd: 'Spend per day (USD)',
    spendPerMonthUsd: 'Spend per month (USD)',
  },
  limitScopes: { project: 'The project', feature: 'This feature', user: 'Each user' },
  stopped: (reason) => `All AI traffic of the project is stopped${reason ? `: ${reason}` : ''}.`,
  sectionCache: 'Response cache',
  cacheHint: 'Identical requests are answered from the cache instead of calling the model again: faster, and free.',
  cacheNeverImages: 'Image generations are never cached.',
  cacheEnabled: 'Cache answers',
  cacheTtl: 'Keep answers for (seconds)',
  cacheTtlHint: 'From 1 second to 30 days (2,592,000). An hour is 3,600.',
  cacheNonDeterministic: 'Also cache sampled answers',
  cacheNonDeterministicHint: 'Answers made with a temperature above 0 differ each time; cached, every user gets the same one.',
  purgeCache: 'Purge cached answers',
  purging: 'Purging…',
  purged: (count) => (count === 0 ? 'There were no cached answers to forget.' : `Forgot ${count.toLocaleString('en-US')} cached answer${count === 1 ? '' : 's'}.`),
  sectionGuardrails: 'Guardrails',
  guardrailsHint: 'Checks that run in order on every request of this feature, before the model sees it and on its answer.',
  guardrailMessage: 'Message shown when a request is blocked',
  guardrailMessageHint: 'Used by every guardrail without a message of its own. Leave empty for the default.',
  noGuardrails: 'No guardrails: requests go to the model as they are.',
  addGuardrail: 'Add guardrail',
  guardrailKind: 'Kind of guardrail',
  guardrailTypes: { pii: 'Personal data', blocklist: 'Blocked words', size: 'Size limits', moderation: 'Moderation model' },
  guardrailTypeHints: {
    pii: 'Finds e-mail addresses, phone numbers, payment cards, IBANs and secret keys; redacts them or refuses the request.',
    blocklist: 'Whole words, or regular expressions checked to be safe when saved.',
    size: 'Refuses requests longer than these bounds with a 400.',
    moderation: 'Asks a moderation model through OpenRouter; its cost is recorded with the request.',
  },
  guardrailTitle: (position, type) => `${position}. ${type}`,
  moveUp: (name) => `Move ${name} up`,
  moveDown: (name) => `Move ${name} down`,
  removeGuardrail: (name) => `Remove ${name}`,
  guardrailMoved: (name, position) => `${name} moved to position ${position}.`,
  guardrailStage: 'Checks',
  guardrailStages: { input: 'The request', output: 'The answer', both: 'Both' },
  guardrailMode: 'When found',
  guardrailModes: { block: 'Block', redact: 'Redact' },
  piiKindsLegend: 'Kinds of personal data',
  piiKindsNeeded: 'Choose at least one kind.',
  piiKinds: { email: 'E-mail addresses', phone: 'Phone numbers', card: 'Payment cards', iban: 'IBANs', secret: 'Secret keys' },
  blockedWords: 'Words',
  blockedPatterns: 'Regular expressions',
  onePerLine: 'One per line; matched without regard to case.',
  maxInputCharacters: 'Most characters in a request',
  maxMessages: 'Most messages in a request',
  moderationModel: 'Moderation model',
  moderationModelHint: 'A Llama Guard–style model on OpenRouter. Default: meta-llama/llama-guard-4-12b.',
  ownMessage: 'Its own message',
  ownMessageHint: 'Shown to users when this guardrail blocks; leave empty for the feature’s message.',
  sectionExtensions: 'What clients may add',
  extensionsHint: 'Beyond the parameters: tools, attachments, reasoning and OpenRouter’s options. A request that uses what is forbidden is refused with a 400 naming the field.',
  extensionModes: { allow: 'Allow', forbid: 'Forbid', force: 'Always on' },
  extensionGroups: { tools: 'Tools', attachments: 'Attachments', reasoning: 'Thinking', plugins: 'Plugins', options: 'OpenRouter options' },
  pluginNames: { web: 'Web results plugin', 'file-parser': 'PDF parser', 'response-healing': 'Response healing', 'context-compression': 'Context compression' },
  pluginHint: (id) =>
    ({
      web: 'OpenRouter searches once and puts the results in the prompt (web).',
      'file-parser': 'How OpenRouter reads PDFs for models that cannot (file-parser: its engine and price).',
      'response-healing': 'Repairs a JSON answer that is not quite valid (response-healing), at no charge.',
      'context-compression': 'Shortens a prompt too long for the model’s context (context-compression).',
    })[id] ?? `OpenRouter’s ${id} plugin.`,
  noStructuredOutputs: (model) => `${model} does not answer in JSON on request.`,
  functionTools: 'Function tools',
  functionToolsHint: 'The app’s own tools (tools, tool_choice, parallel_tool_calls): the model asks, the app runs them.',
  serverToolNames: { web_search: 'Web search', web_fetch: 'Web fetch' },
  serverToolHint: (name) =>
    name === 'web_search'
      ? 'OpenRouter searches the web when the model asks ($4 per 1,000 results). Always on adds it to every request.'
      : name === 'web_fetch'
        ? 'OpenRouter reads a web page when the model asks. Always on adds it to every request.'
        : `OpenRouter’s openrouter:${name} server tool.`,
  cannotCallTools: (model) => `${model} cannot call tools.`,
  attachmentKinds: { image: 'Images', file: 'PDFs and documents', audio: 'Audio', video: 'Video' },
  attachmentHints: { image: 'Photos and screenshots in a user’s message.', file: 'PDFs and other documents, read as text and pages.', audio: 'Recordings the model listens to.', video: 'Clips the model watches, billed by their length; refused until allowed.' },
  cannotRead: (kind, model) => `${model} does not read ${kind === 'image' ? 'images' : kind === 'audio' ? 'audio' : kind === 'video' ? 'video' : 'files'}.`,
  filesParsed: (model) => `${model} does not read PDFs itself: OpenRouter’s parser reads them for it (billed per page).`,
  maxCount: 'Most per message',
  maxMegabytes: 'Largest file (MB)',
  maxMegabytesHint: 'Up to 100 MB; empty for the gateway’s 10 MB.',
  mediaTypes: 'Accepted types',
  mediaTypesHint: (kind) => `Comma-separated, e.g. ${kind === 'image' ? 'image/png, image/jpeg' : kind === 'audio' ? 'audio/wav, audio/mpeg' : kind === 'video' ? 'video/mp4, video/webm' : 'application/pdf, text/plain'}; empty takes any of this kind.`,
  reasoning: 'Reasoning',
  reasoningHint: 'Whether clients may ask the model to think first (reasoning, reasoning_effort), and how much.',
  cannotReason: (model) => `${model} does not reason.`,
  reasoningMin: 'Smallest budget (tokens)',
  reasoningMax: 'Largest budget (tokens)',
  reasoningBoundHint: 'Bounds reasoning.max_tokens: below the smallest is refused, above the largest is lowered to it.',
  reasoningEffort: 'Effort',
  reasoningEfforts: { minimal: 'Minimal', low: 'Low', medium: 'Medium', high: 'High', xhigh: 'Highest' },
  requestOptions: { plugins: 'Any other plugin', provider: 'Provider preferences', models: 'Model fallbacks', transforms: 'Transforms', cacheControl: 'Prompt caching' },
  requestOptionHints: {
    plugins: 'Any plugin not named above, a client names in plugins.',
    provider: 'Which providers serve the model (provider: order, only, ignore, sort, fallbacks, data collection).',
    models: 'A client’s own list of models to fall back to (models), tried after the feature’s.',
    transforms: 'Prompt transforms such as middle-out, which trims a prompt too long for the model.',
    cacheControl: 'cache_control on message parts: the provider caches the prompt up to it, cheaper on the next request.',
  },
  providerForced: 'Always on: these preferences go with every request; clients cannot send their own.',
  providerOrder: 'Try these providers first',
  providerOnly: 'Only these providers',
  providerIgnore: 'Never these providers',
  providerListHint: 'Comma-separated provider slugs, e.g. openai, azure.',
  providerSort: 'Prefer',
  providerSorts: { none: 'OpenRouter’s balance', price: 'The lowest price', throughput: 'The fastest output', latency: 'The quickest first token' },
  allowFallbacks: 'Fall back to other providers when these fail',
  dataCollection: 'Providers that may store prompts',
  dataCollections: { allow: 'Allowed', deny: 'Not allowed' },
  notMediaType: (value) => `“${value}” is not a media type such as image/png.`,
  notOfKind: (value, kind) => `“${value}” is not ${kind === 'image' ? 'an image' : 'an audio'} type.`,
  tooManyTypes: (max) => `At most ${max} types.`,
  minAboveMax: 'The largest budget is smaller than the smallest.',
  notProviderSlug: (value) => `“${value}” is not a provider slug such as openai.`,
  resetAll: 'Reset all',
  save: 'Save',
  saving: 'Saving…',
  saved: (version) => `Saved as version ${version}.`,
  unchanged: 'No unsaved changes.',
  fixErrors: 'Fix the highlighted fields to save.',
  conflictTitle: 'Someone else saved first',
  conflictBody: (who, when, version) => `${who} saved version ${version} on ${when}, while you were editing.`,
  conflictTheyChanged: (fields) => `They changed: ${fields.join(', ')}.`,
  reloadTheirs: 'Reload their version',
  keepMine: 'Keep mine',
  unsavedTitle: 'Discard unsaved changes?',
  unsavedBody: 'Your edits to these settings have not been saved.',
  keepEditing: 'Keep editing',
  discardChanges: 'Discard changes',
  beforeUnload: 'You have unsaved AI settings.',
  fieldNames: { modality: 'modality', model: 'model', fallbackModels: 'fallback models', systemPrompt: 'system prompt', params: 'parameters', clientOverrides: 'client overrides', roles: 'roles', cache: 'response cache', guardrails: 'guardrails', guardrailMessage: 'guardrail message', extensions: 'extension policy' },
};

/** @deprecated The old name of `defaultSettingsDialogLabels`. */
export const DEFAULT_SETTINGS_DIALOG_LABELS = defaultSettingsDialogLabels;
