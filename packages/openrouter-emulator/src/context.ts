import type { IncomingMessage } from 'node:http';
import type { Catalog } from './catalog/catalog.js';
import { contentText } from './content/tokens.js';
import type { GenerationKind, GenerationStore } from './generations.js';
import { EmulatorHttpError, bearerToken } from './http.js';
import type { KeyAccount, KeyRegistry } from './keys.js';
import { ScenarioError, parseScenario, splitModelScenario, type Scenario } from './scenario.js';

/** A scenario applied to matching requests, registered through the programmatic or HTTP control API. */
export interface ScenarioRule {
  readonly id: number;
  match: {
    /** Model id as requested (without a `#` suffix). */
    model?: string;
    /** Text the last user message (chat), the input (embeddings) or the prompt (images) contains. */
    contains?: string;
    kind?: GenerationKind;
  };
  scenario: Scenario;
  /** Applies to this many requests, then expires; unlimited when absent. */
  times?: number;
  used: number;
}

/** Knobs that make a request fail; `times=N` limits these (and not the pace) to the first N requests. */
const FAULT_KNOBS: Array<keyof Scenario> = ['failStatus', 'errorAfter', 'dropAfter', 'errorBody', 'stallMs', 'moderation', 'malformed'];

/** The shared state every route reads. */
export interface EmulatorContext {
  catalog: Catalog;
  keys: KeyRegistry;
  generations: GenerationStore;
  rules: ScenarioRule[];
  /** Scenario applied under every request (the CLI's and options' pace and defaults). */
  defaults: Scenario;
  /** Counts of requests per header/suffix scenario, for `times=N`. */
  faultCounts: Map<string, number>;
  /** How often an identical prompt was seen, so a regenerated answer is worded differently. */
  repeats: Map<number, number>;
  /** Prompt prefixes in the provider's cache (hash → expiry, epoch ms), for `cached_tokens` on a repeat. */
  promptCache: Map<number, number>;
  nextRuleId: number;
}

/** The account of the request's bearer key; 401 in OpenRouter's words when missing or unknown. */
export function authenticate(context: EmulatorContext, req: IncomingMessage): KeyAccount {
  const token = bearerToken(req);
  if (!token) throw new EmulatorHttpError(401, 'No auth credentials found');
  const account = context.keys.get(token);
  if (!account) throw new EmulatorHttpError(401, 'User not found.');
  return account;
}

/**
 * The account of an inference request (chat, embeddings, images). A management key administers keys and credits but
 * cannot run models: OpenRouter answers it as a key of no user, 401 `User not found.`, before reading the request.
 * @example const account = authenticateInference(context, req); // throws 401 for a management key
 */
export function authenticateInference(context: EmulatorContext, req: IncomingMessage): KeyAccount {
  const account = authenticate(context, req);
  if (account.isManagementKey) throw new EmulatorHttpError(401, 'User not found.');
  return account;
}

/** The text a rule's `contains` is matched against. */
export function matchText(kind: GenerationKind, body: Record<string, unknown>): string {
  if (kind === 'chat' && Array.isArray(body['messages'])) {
    const lastUser = [...body['messages']].reverse().find((message: unknown) => (message as { role?: unknown })?.role === 'user');
    return contentText((lastUser as { content?: unknown } | undefined)?.content);
  }
  if (kind === 'embeddings') return JSON.stringify(body['input'] ?? '');
  return typeof body['prompt'] === 'string' ? body['prompt'] : '';
}

/** The scenario each request ran under, so an error raised later can still honour `string-code`. */
export const scenarioOfRequest = new WeakMap<IncomingMessage, Scenario>();

export interface ResolvedScenario {
  /** The model id without its scenario suffix. */
  model: string;
  scenario: Scenario;
}

/**
 * Merges, lowest first: the emulator's defaults, the first matching rule, the model-id suffix, the
 * `X-Emulator-Scenario` header. A malformed scenario is a 400 naming the bad knob.
 */
export function resolveScenario(
  context: EmulatorContext,
  req: IncomingMessage,
  kind: GenerationKind,
  body: Record<string, unknown>,
  rawModel: string,
  account: KeyAccount,
): ResolvedScenario {
  const { model, scenario: suffix } = splitModelScenario(rawModel);
  const header = req.headers['x-emulator-scenario'];
  const headerText = Array.isArray(header) ? header.join(';') : header;
  const explicit = parseExplicit(suffix, headerText);
  if (explicit.failTimes !== undefined) {
    const counterKey = `${account.key}|${suffix ?? ''}|${headerText ?? ''}`;
    const seen = (context.faultCounts.get(counterKey) ?? 0) + 1;
    context.faultCounts.set(counterKey, seen);
    if (seen > explicit.failTimes) return finish(req, context, kind, model, body, withoutFaults(explicit));
  }
  return finish(req, context, kind, model, body, explicit);
}

function parseExplicit(suffix: string | undefined, headerText: string | undefined): Scenario {
  try {
    return { ...(suffix ? parseScenario(suffix) : {}), ...(headerText ? parseScenario(headerText) : {}) };
  } catch (error) {
    if (error instanceof ScenarioError) throw new EmulatorHttpError(400, error.message);
    throw error;
  }
}

function withoutFaults(scenario: Scenario): Scenario {
  return Object.fromEntries(Object.entries(scenario).filter(([knob]) => !FAULT_KNOBS.includes(knob as keyof Scenario)));
}

function finish(req: IncomingMessage, context: EmulatorContext, kind: GenerationKind, model: string, body: Record<string, unknown>, explicit: Scenario): ResolvedScenario {
  const rule = takeRule(context, kind, model, body);
  const scenario: Scenario = { ...context.defaults, ...rule?.scenario, ...explicit };
  if (scenario.echoAuth && typeof req.headers.authorization === 'string') scenario.echoedAuthorization = req.headers.authorization;
  scenarioOfRequest.set(req, scenario);
  return { model, scenario };
}

function takeRule(context: EmulatorContext, kind: GenerationKind, model: string, body: Record<string, unknown>): ScenarioRule | undefined {
  const text = context.rules.some((rule) => rule.match.contains !== undefined) ? matchText(kind, body) : '';
  const rule = context.rules.find(
    (candidate) =>
      (candidate.match.kind === undefined || candidate.match.kind === kind) &&
      (candidate.match.model === undefined || candidate.match.model === model) &&
      (candidate.match.contains === undefined || text.includes(candidate.match.contains)),
  );
  if (!rule) return undefined;
  rule.used += 1;
  if (rule.times !== undefined && rule.used >= rule.times) context.rules = context.rules.filter((other) => other !== rule);
  return rule;
}

/** The attribution headers a probe records: never the authorization header. */
export function attributionHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['http-referer', 'x-title', 'x-openrouter-title', 'user-agent']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
