import { GatewayError } from '../errors.js';
import { MODERATION_CALLS, PII_KINDS, type GuardrailConfig } from '../features/feature-policies.js';
import type { AnswerTap, ForwardStage, MeteredRequest, OutgoingRequest, RouteExchange } from '../gateway/metered-request.js';
import type { PlainResponse } from '../plain-http.js';
import type { GuardrailDecision } from '../usage/usage-record.js';
import { blocklistMatches, blocklistPattern } from './blocklist.js';
import { findPii, redactPii } from './pii.js';
import { textSlotsOf } from './text-slots.js';

type Stage = 'input' | 'output';

/** What a host guardrail is shown: the text to judge (the client's messages, or the answer so far) and who sent it. */
export interface GuardrailContext {
  stage: Stage;
  text: string;
  projectId: string;
  userId: string | undefined;
  feature: string | undefined;
  signal: AbortSignal;
}

/** A host guardrail's verdict: nothing (or `allow`) lets the text through; `block` refuses it with a message. */
export type GuardrailVerdict = undefined | { verdict: 'allow' } | { verdict: 'block'; message?: string };

/**
 * A guardrail of the host app, given to `createAiGateway({ guardrails })`: it runs on every AI request, after the
 * feature's own guardrails, on the input or on the answer (a stream's answer on its sliding window).
 * @example
 * { name: 'no-competitors', stage: 'input', check: ({ text }) => (/acme rival/i.test(text) ? { verdict: 'block' } : undefined) }
 */
export interface HostGuardrail {
  name: string;
  stage: Stage;
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a check that returns nothing allows the text
  check(context: GuardrailContext): GuardrailVerdict | void | Promise<GuardrailVerdict | void>;
}

/** Asks a moderation model (through OpenRouter) whether a text is unsafe; its cost goes to the request's record. */
export type Moderate = (request: { model: string; text: string; apiKey: string; signal: AbortSignal }) => Promise<{ flagged: boolean; costUsd?: number | undefined }>;

export const DEFAULT_GUARDRAIL_MESSAGE = 'This request was blocked by the content policy of this app.';

/** Characters of the answer kept before each new chunk, so a phrase split across chunks is still matched. */
const RULE_WINDOW = 256;
/** How often (in characters of a streamed answer) the model and host checks run, and how much they read. */
const MODEL_EVERY = MODERATION_CALLS.everyCharacters;
const MODEL_WINDOW = MODERATION_CALLS.windowCharacters;

/** One guardrail of a request, normalized: a rule over text (PII, blocklist), a bound, or an asynchronous check. */
interface Check {
  name: string;
  stages: ReadonlySet<Stage>;
  message: string | undefined;
  rule?: { find(text: string): Array<{ start: number; end: number }>; redact(text: string): string; mode: 'block' | 'redact' };
  bounds?: { maxInputCharacters?: number | undefined; maxMessages?: number | undefined };
  judge?: (text: string, stage: Stage, meter: MeteredRequest, request: OutgoingRequest) => Promise<{ blocked: boolean; message?: string | undefined }>;
}

/** The request field whose size a bound refers to. */
const PARAM_OF_TEXT: Record<OutgoingRequest['kind'], string> = { chat: 'messages', embeddings: 'input', images: 'prompt' };

const stagesOf = (stage: 'input' | 'output' | 'both'): ReadonlySet<Stage> => new Set(stage === 'both' ? ['input', 'output'] : [stage]);

/**
 * The guardrails: a stage before forwarding that runs a feature's guardrails (then the host's) in order on the
 * input — refusing with a 403 `content_policy_violation` (a 400 for size bounds) before any upstream call, or
 * redacting in place — and a tap on the answer: a JSON answer is checked whole, a stream on a sliding window, and a
 * blocked stream ends with an error event after the part already sent. Each decision goes to the usage record.
 * @example
 * new RequestLifecycle({ ...ports, beforeForward: [new Guardrails({ hooks, moderate }).stage(), cache.stage()] });
 */
export class Guardrails {
  constructor(private readonly options: { hooks?: readonly HostGuardrail[]; moderate: Moderate }) {}

  stage(): ForwardStage {
    return { name: 'guardrails', run: (meter, plan, res, route) => this.#run(meter, plan, res, route.exchange) };
  }

  async #run(meter: MeteredRequest, plan: unknown, _res: PlainResponse, exchange: RouteExchange<unknown> | undefined): Promise<undefined> {
    if (!exchange) return undefined;
    const request = exchange.outgoing(plan);
    const checks = this.#checksOf(request);
    if (checks.length === 0) return undefined;
    await checkInput(checks, request, meter);
    const output = checks.filter((check) => check.stages.has('output'));
    // The answer is judged, not the prompt: the tap, which lives as long as the stream, keeps no body.
    if (output.length > 0 && request.kind === 'chat') meter.answerTaps.push(outputTap(output, { ...request, body: {} }, meter));
    return undefined;
  }

  #checksOf(request: OutgoingRequest): Check[] {
    const configured = (request.feature?.guardrails ?? []).map((config) => this.#checkOf(config));
    const hooks = (this.options.hooks ?? []).map((hook): Check => ({
      name: hook.name,
      stages: new Set([hook.stage]),
      message: undefined,
      judge: async (text, stage, meter) => {
        const verdict = await hook.check({ stage, text, projectId: meter.identity.projectId, userId: meter.identity.userId, feature: meter.feature, signal: meter.signal });
        return verdict && verdict.verdict === 'block' ? { blocked: true, message: verdict.message } : { blocked: false };
      },
    }));
    return [...configured, ...hooks];
  }

  #checkOf(config: GuardrailConfig): Check {
    const name = config.name ?? config.type;
    switch (config.type) {
      case 'pii': {
        const kinds = config.kinds ?? PII_KINDS;
        return { name, stages: stagesOf(config.stage), message: config.message, rule: { find: (text) => findPii(text, kinds), redact: (text) => redactPii(text, kinds).text, mode: config.mode } };
      }
      case 'blocklist': {
        const pattern = blocklistPattern(config.words, config.patterns);
        const find = (text: string) => (pattern ? blocklistMatches(pattern, text) : []);
        const redact = (text: string) => (pattern ? text.replace(pattern, (match) => '*'.repeat(match.length)) : text);
        return { name, stages: stagesOf(config.stage), message: config.message, rule: { find, redact, mode: config.mode } };
      }
      case 'size':
        return { name, stages: new Set(['input']), message: config.message, bounds: { maxInputCharacters: config.maxInputCharacters, maxMessages: config.maxMessages } };
      case 'moderation':
        return {
          name,
          stages: stagesOf(config.stage),
          message: config.message,
          judge: async (text, _stage, meter, request) => {
            const { flagged, costUsd } = await this.options.moderate({ model: config.model, text, apiKey: request.apiKey, signal: meter.signal });
            if (costUsd !== undefined) meter.recordFields.guardrailCostUsd = (meter.recordFields.guardrailCostUsd ?? 0) + costUsd;
            return { blocked: flagged };
          },
        };
    }
  }
}

function decide(meter: MeteredRequest, check: Check, stage: Stage, verdict: GuardrailDecision['verdict']): void {
  const decisions = (meter.recordFields.guardrails ??= []);
  if (!decisions.some((decision) => decision.name === check.name && decision.stage === stage && decision.verdict === verdict)) decisions.push({ name: check.name, stage, verdict });
}

/** Records the block and returns the refusal, with the guardrail's message, else the feature's, else ours. */
function blocked(meter: MeteredRequest, check: Check, stage: Stage, request: OutgoingRequest, message?: string): GatewayError {
  decide(meter, check, stage, 'block');
  return new GatewayError('content_policy_violation', message ?? check.message ?? request.feature?.guardrailMessage ?? DEFAULT_GUARDRAIL_MESSAGE, { metadata: { source: 'guardrail', guardrail: check.name } });
}

async function checkInput(checks: readonly Check[], request: OutgoingRequest, meter: MeteredRequest): Promise<void> {
  const { slots, messageCount } = textSlotsOf(request);
  for (const check of checks) {
    if (!check.stages.has('input')) continue;
    if (check.bounds) {
      const { maxMessages, maxInputCharacters } = check.bounds;
      const characters = slots.reduce((sum, slot) => sum + slot.text.length, 0);
      const fault = maxMessages !== undefined && messageCount > maxMessages
        ? `at most ${maxMessages} messages (this request has ${messageCount})`
        : maxInputCharacters !== undefined && characters > maxInputCharacters
          ? `at most ${maxInputCharacters} characters of input (this request has ${characters})`
          : undefined;
      if (fault) {
        decide(meter, check, 'input', 'block');
        throw new GatewayError('invalid_parameter', check.message ?? `This request is larger than this feature accepts: ${fault}.`, { param: PARAM_OF_TEXT[request.kind], metadata: { source: 'guardrail', guardrail: check.name } });
      }
    }
    if (check.rule) {
      for (const slot of slots) {
        if (check.rule.find(slot.text).length === 0) continue;
        if (check.rule.mode === 'block') throw blocked(meter, check, 'input', request);
        slot.text = check.rule.redact(slot.text);
        slot.replace(slot.text);
        decide(meter, check, 'input', 'redact');
      }
    }
    if (check.judge) {
      const verdict = await check.judge(slots.map((slot) => slot.text).join('\n\n'), 'input', meter, request);
      if (verdict.blocked) throw blocked(meter, check, 'input', request, verdict.message);
    }
  }
}

/**
 * The answer's checks. A JSON answer is checked whole (a rule in `redact` mode rewrites it). A stream is checked
 * chunk by chunk: rules see each new piece after the last `RULE_WINDOW` characters, so a match is stopped before
 * its last piece is sent (a stream cannot take back what it sent, so `redact` blocks there); model and host checks
 * run every `MODEL_EVERY` characters on the latest `MODEL_WINDOW`, and once more at the end.
 */
function outputTap(checks: readonly Check[], request: OutgoingRequest, meter: MeteredRequest): AnswerTap {
  let answer = '';
  let unjudged = 0;
  const judge = async (text: string) => {
    for (const check of checks) {
      if (!check.judge) continue;
      const verdict = await check.judge(text, 'output', meter, request);
      if (verdict.blocked) throw blocked(meter, check, 'output', request, verdict.message);
    }
  };
  return {
    async chunk(chunk) {
      const piece = chunk.choices?.[0]?.delta?.['content'];
      if (typeof piece !== 'string' || piece === '') return;
      const window = answer.slice(-RULE_WINDOW);
      for (const check of checks) {
        if (check.rule?.find(window + piece).some((span) => span.end > window.length)) throw blocked(meter, check, 'output', request);
      }
      answer += piece;
      unjudged += piece.length;
      if (unjudged >= MODEL_EVERY) {
        unjudged = 0;
        await judge(answer.slice(-MODEL_WINDOW));
      }
    },
    async streamEnd() {
      if (unjudged > 0) await judge(answer.slice(-MODEL_WINDOW));
    },
    async body(body) {
      const choices = Array.isArray(body['choices']) ? (body['choices'] as Array<{ message?: Record<string, unknown> }>) : [];
      for (const choice of choices) {
        const message = choice.message;
        if (!message || typeof message['content'] !== 'string') continue;
        for (const check of checks) {
          if (!check.rule || check.rule.find(message['content'] as string).length === 0) continue;
          if (check.rule.mode === 'block') throw blocked(meter, check, 'output', request);
          message['content'] = check.rule.redact(message['content'] as string);
          decide(meter, check, 'output', 'redact');
        }
        await judge(message['content'] as string);
      }
    },
  };
}
