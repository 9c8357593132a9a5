import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext, ScenarioRule } from '../context.js';
import type { GenerationKind, GenerationStatus } from '../generations.js';
import { EmulatorHttpError, readJsonBody, sendJson } from '../http.js';
import { ScenarioError, parseScenario, type Scenario } from '../scenario.js';

export interface RuleInput {
  match?: ScenarioRule['match'];
  /** A scenario object, or its string form (`status=503;retry-after=1`). */
  scenario: Scenario | string;
  times?: number;
}

/** Registers a rule; the string form is parsed (and rejected with the bad knob named). */
export function addRule(context: EmulatorContext, input: RuleInput): ScenarioRule {
  const scenario = typeof input.scenario === 'string' ? parseScenario(input.scenario) : input.scenario;
  const rule: ScenarioRule = { id: context.nextRuleId++, match: input.match ?? {}, scenario, used: 0 };
  if (input.times !== undefined) rule.times = input.times;
  context.rules.push(rule);
  return rule;
}

/**
 * The `/_emulator` control API, for tests in another process (the probes, rules, keys and billed total that the
 * programmatic API offers). It holds no secret but the keys it creates, so bind the emulator to loopback.
 */
export async function handleControl(context: EmulatorContext, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === '/generations') {
    const filter: { model?: string; kind?: GenerationKind; status?: GenerationStatus } = {};
    const model = query.get('model');
    const kind = query.get('kind');
    const status = query.get('status');
    if (model) filter.model = model;
    if (kind) filter.kind = kind as GenerationKind;
    if (status) filter.status = status as GenerationStatus;
    return sendJson(res, 200, { data: context.generations.list(filter) });
  }
  const generation = /^\/generations\/([^/]+)$/.exec(path);
  if (method === 'GET' && generation?.[1]) {
    const probe = context.generations.get(decodeURIComponent(generation[1]));
    if (!probe) throw new EmulatorHttpError(404, `No generation ${generation[1]}`);
    return sendJson(res, 200, { data: probe });
  }
  if (method === 'GET' && path === '/billing') return sendJson(res, 200, { data: context.generations.billedTotal() });
  if (method === 'POST' && path === '/keys') {
    const body = await readJsonBody(req);
    const account = context.keys.add({
      ...(typeof body['key'] === 'string' ? { key: body['key'] } : {}),
      ...(typeof body['label'] === 'string' ? { label: body['label'] } : {}),
      ...(typeof body['limit'] === 'number' ? { limit: body['limit'] } : {}),
      ...(typeof body['usage'] === 'number' ? { usage: body['usage'] } : {}),
    });
    return sendJson(res, 201, { data: { key: account.key, ...context.keys.describe(account) } });
  }
  if (method === 'POST' && path === '/rules') {
    const body = await readJsonBody(req);
    try {
      const rule = addRule(context, body as unknown as RuleInput);
      return sendJson(res, 201, { data: rule });
    } catch (error) {
      if (error instanceof ScenarioError) throw new EmulatorHttpError(400, error.message);
      throw error;
    }
  }
  if (method === 'DELETE' && path === '/rules') {
    context.rules = [];
    return sendJson(res, 200, { data: { rules: 0 } });
  }
  if (method === 'PUT' && path === '/defaults') {
    const body = await readJsonBody(req);
    try {
      context.defaults = typeof body['scenario'] === 'string' ? parseScenario(body['scenario']) : ((body['scenario'] ?? {}) as Scenario);
    } catch (error) {
      if (error instanceof ScenarioError) throw new EmulatorHttpError(400, error.message);
      throw error;
    }
    return sendJson(res, 200, { data: context.defaults });
  }
  if (method === 'POST' && path === '/reset') {
    context.generations.reset();
    context.rules = [];
    context.faultCounts.clear();
    return sendJson(res, 200, { data: { reset: true } });
  }
  throw new EmulatorHttpError(404, `No control route ${method} /_emulator${path}`);
}
