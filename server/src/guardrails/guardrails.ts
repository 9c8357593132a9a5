import { GatewayError } from '../errors.js';
import { MODERATION_CALLS, PII_KINDS, type GuardrailConfig } from '../features/feature-policies.js';
import type { AnswerTap, ForwardStage, MeteredRequest, OutgoingRequest, RouteExchange } from '../gateway/metered-request.js';
import type { UpstreamChunk } from '../gateway/stream-proxy.js';
import type { GatewayLogger } from '../logger.js';
import type { PlainResponse } from '../plain-http.js';
import { isRecord } from '../records.js';
import type { GuardrailDecision } from '../usage/usage-record.js';
import { compileBlocklist } from './blocklist.js';
import { PatternBudgetError, type BlocklistWorker } from './blocklist-worker.js';
import { ModerationAllowance } from './moderation-allowance.js';
import { matchingView, viewLength } from './matching-view.js';
import { argumentsAt, decidePiece, HeldTexts, holdsAt, type DecidedPiece, type Rule } from './held-text.js';
import { findPii, piiHoldFrom, redactPii } from './pii.js';
import { messagesEventTap } from './messages-event-tap.js';
import { responsesEventTap } from './responses-event-tap.js';
import { HeldArguments, jsonStringText, rawSliceOf } from './streamed-arguments.js';
import { answerSlots, jsonStrings, mapJsonStrings, messagesAnswerSlots, responsesAnswerSlots, textSlotsOf, type TextSlot } from './text-slots.js';

type Stage = 'input' | 'output';

/** What a host guardrail is shown: the text to judge (the client's texts, or the answer so far) and who sent it. */
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

/**
 * Asks a moderation model (through OpenRouter) whether a text is unsafe. Before calling, it hands `reserve` the most
 * the call may cost (every attempt of it), which throws the spend cap's refusal when the request's reservation lacks
 * it and the cap has no room; what its calls cost, answered, failed or cancelled, goes to `spent` (then to the
 * request's record and its spend caps): a worst case that stands for a generation whose cost is not known yet comes
 * with its id, so the ledger and the caps settle it at OpenRouter's figure once reconciled.
 */
export type Moderate = (request: { model: string; text: string; apiKey: string; signal: AbortSignal; reserve(worstCaseUsd: number): Promise<void>; spent(costUsd: number, generationId?: string): void }) => Promise<{ flagged: boolean }>;

export const DEFAULT_GUARDRAIL_MESSAGE = 'This request was blocked by the content policy of this app.';

/**
 * Characters of the answer kept before each new chunk, so a phrase split across chunks is still matched: characters
 * as the rules read them (`matchingView`), so invisible code points and accents inside a word do not count.
 */
const RULE_WINDOW = 256;
/**
 * The most code units of the answer as sent a window may take for each of its characters as the rules read them:
 * ordinary text takes 1 to 7 (an accented letter, an emoji with its joiners and selectors, a flag of tag
 * characters). A window that would take more is padding a reader does not see; the stream ends with the guardrail's
 * error there, as what comes next could not be screened with what came before.
 */
const UNITS_PER_CHARACTER = 16;
/** The place of a text of a streamed answer that comes whole (a name, a citation): screened on its own, no window kept. */
const WHOLE = '';
/**
 * How often (in characters of a streamed answer as the rules read them) the model and host checks run, and how many
 * of its last characters they read.
 */
const MODEL_EVERY = MODERATION_CALLS.everyCharacters;
const MODEL_WINDOW = MODERATION_CALLS.windowCharacters;

/** One guardrail of a request, normalized: a rule over text (PII, blocklist), a bound, or an asynchronous check. */
interface Check {
  name: string;
  stages: ReadonlySet<Stage>;
  message: string | undefined;
  rule?: Rule;
  bounds?: { maxInputCharacters?: number | undefined; maxMessages?: number | undefined };
  judge?: (text: string, stage: Stage, meter: MeteredRequest, request: OutgoingRequest) => Promise<{ blocked: boolean; message?: string | undefined }>;
}

/** The request field whose size a bound refers to. */
const PARAM_OF_TEXT: Record<OutgoingRequest['kind'], string> = { chat: 'messages', responses: 'input', messages: 'messages', embeddings: 'input', images: 'prompt' };

const stagesOf = (stage: 'input' | 'output' | 'both'): ReadonlySet<Stage> => new Set(stage === 'both' ? ['input', 'output'] : [stage]);

/**
 * The guardrails: a stage before forwarding that runs a feature's guardrails (then the host's) in order on the
 * client's texts (`textSlotsOf`) — refusing with a 403 `content_policy_violation` (a 400 for size bounds) before any
 * upstream call, or redacting in place — and a tap on the answer (`outputTap`): a JSON answer is checked whole, a
 * stream on a sliding window, and a blocked stream ends with an error event after the part already sent. Each
 * decision goes to the usage record. Blocklist patterns run in `blocklistWorker`: a text they cannot finish in time is
 * not screened, so the request is refused (503 `service_unavailable` naming the guardrail) and the pattern is logged.
 * @example
 * new RequestLifecycle({ ...ports, beforeForward: [new Guardrails({ hooks, moderate, blocklistWorker, logger }).stage(), cache.stage()] });
 */
export class Guardrails {
  /** The feature and pattern of each budget overrun already logged, so a pattern is named once, not per request. */
  readonly #overrunsLogged = new Set<string>();

  constructor(private readonly options: { hooks?: readonly HostGuardrail[]; moderate: Moderate; blocklistWorker: BlocklistWorker; logger: GatewayLogger }) {}

  stage(): ForwardStage {
    return { name: 'guardrails', run: (meter, plan, res, route) => this.#run(meter, plan, res, route.exchange) };
  }

  async #run(meter: MeteredRequest, plan: unknown, _res: PlainResponse, exchange: RouteExchange<unknown> | undefined): Promise<undefined> {
    if (!exchange) return undefined;
    const request = exchange.outgoing(plan);
    const checks = this.#checksOf(request, meter);
    if (checks.length === 0) return undefined;
    // The client's texts are gathered only when a check reads them.
    if (checks.some((check) => check.stages.has('input'))) await checkInput(checks, request, meter);
    const output = checks.filter((check) => check.stages.has('output'));
    if (output.length === 0 || (request.kind !== 'chat' && request.kind !== 'responses' && request.kind !== 'messages')) return undefined;
    if (meter.streamed) refuseStreamedTokens(output, request, meter);
    // The answer is judged, not the prompt: the tap, which lives as long as the stream, keeps no body.
    const tap = outputTap(output, { ...request, body: {} }, meter);
    // A Responses or Messages stream's events are read by the same tap, each text of the answer as a chat choice of its own.
    meter.answerTaps.push(request.kind === 'responses' ? responsesEventTap(tap) : request.kind === 'messages' ? messagesEventTap(tap) : tap);
    return undefined;
  }

  #checksOf(request: OutgoingRequest, meter: MeteredRequest): Check[] {
    const guardrails = request.feature?.guardrails ?? [];
    // One allowance for all of the request's moderation calls, as its estimate reserved them together.
    const allowance = guardrails.some((config) => config.type === 'moderation') ? new ModerationAllowance(meter) : undefined;
    const configured = guardrails.map((config) => this.#checkOf(config, request.feature?.name, meter, allowance));
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

  #checkOf(config: GuardrailConfig, feature: string | undefined, meter: MeteredRequest, allowance: ModerationAllowance | undefined): Check {
    const name = config.name ?? config.type;
    switch (config.type) {
      case 'pii': {
        const kinds = config.kinds ?? PII_KINDS;
        return { name, stages: stagesOf(config.stage), message: config.message, rule: { find: (text) => findPii(text, kinds), redact: (text) => redactPii(text, kinds).text, holdFrom: (text) => piiHoldFrom(text, kinds), mode: config.mode } };
      }
      case 'blocklist': {
        // The worker takes turns between projects, and drops a text whose request is gone.
        const blocklist = compileBlocklist(config.words, config.patterns, this.options.blocklistWorker, { owner: meter.identity.projectId, signal: meter.signal });
        const logged = async <T>(read: Promise<T>) => read.catch((error: unknown) => {
          if (error instanceof PatternBudgetError) this.#logOverrun(error, feature, name);
          throw error;
        });
        const find = async (text: string) => (blocklist ? logged(blocklist.find(text)) : []);
        const redact = async (text: string) => (blocklist ? logged(blocklist.redact(text)) : text);
        const rule: Rule = { find, redact, mode: config.mode };
        if (blocklist?.holdFrom) rule.holdFrom = blocklist.holdFrom;
        return { name, stages: stagesOf(config.stage), message: config.message, rule };
      }
      case 'size':
        return { name, stages: new Set(['input']), message: config.message, bounds: { maxInputCharacters: config.maxInputCharacters, maxMessages: config.maxMessages } };
      case 'moderation':
        return {
          name,
          stages: stagesOf(config.stage),
          message: config.message,
          judge: async (text, _stage, meter, request) => {
            const spent = (costUsd: number, generationId?: string) => {
              meter.recordFields.guardrailCostUsd = (meter.recordFields.guardrailCostUsd ?? 0) + costUsd;
              if (generationId !== undefined) (meter.recordFields.guardrailGenerations ??= []).push({ generationId, worstCaseUsd: costUsd });
            };
            const reserve = async (worstCaseUsd: number) => allowance?.cover(worstCaseUsd);
            const { flagged } = await this.options.moderate({ model: config.model, text, apiKey: request.apiKey, signal: meter.signal, reserve, spent });
            return { blocked: flagged };
          },
        };
    }
  }

  #logOverrun(error: PatternBudgetError, feature: string | undefined, guardrail: string): void {
    const key = `${feature ?? ''}\u0000${error.pattern}`;
    if (this.#overrunsLogged.has(key)) return;
    if (this.#overrunsLogged.size >= 1_000) this.#overrunsLogged.clear();
    this.#overrunsLogged.add(key);
    this.options.logger.warn(
      `the blocklist pattern ${JSON.stringify(error.pattern)} of feature "${feature ?? ''}" (guardrail "${guardrail}") did not finish within ${error.budgetMs} ms on a text of ${error.characters} characters: texts it cannot screen in time are refused with a 503. Rewrite the pattern so it cannot backtrack (saving the feature checks it), or raise blocklistPatternBudgetMs.`,
      { feature, guardrail, pattern: error.pattern },
    );
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

/**
 * Reads texts with a rule; a text whose blocklist patterns ran past their budget was not screened, so the request is
 * refused (fail closed) with a 503 naming the guardrail, and recorded as blocked.
 */
async function screened<T>(read: () => Promise<T>, meter: MeteredRequest, check: Check, stage: Stage): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof PatternBudgetError)) throw error;
    decide(meter, check, stage, 'block');
    throw new GatewayError('service_unavailable', `The guardrail "${check.name}" could not screen this text in time, so the request was refused.`, { cause: error, metadata: { source: 'guardrail', guardrail: check.name } });
  }
}

async function checkInput(checks: readonly Check[], request: OutgoingRequest, meter: MeteredRequest): Promise<void> {
  const { slots, messageCount, unreadable } = textSlotsOf(request);
  for (const check of checks) {
    if (!check.stages.has('input')) continue;
    // What a rule or a judge cannot read would reach the model unscreened: it is refused, as the client can send text.
    if (unreadable !== undefined && (check.rule || check.judge)) {
      decide(meter, check, 'input', 'block');
      throw new GatewayError('invalid_parameter', `The guardrail "${check.name}" of this feature reads text, so ${unreadable} must be text, not token ids.`, { param: unreadable, metadata: { source: 'guardrail', guardrail: check.name } });
    }
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
    if (check.rule) await applyRule(check, check.rule, slots, 'input', meter, request);
    if (check.judge) {
      const verdict = await check.judge(slots.map((slot) => slot.text).join('\n\n'), 'input', meter, request);
      if (verdict.blocked) throw blocked(meter, check, 'input', request, verdict.message);
    }
  }
}

/**
 * A stream that would carry `logprobs` past a rule of the answer is refused before anything is sent: each chunk's
 * tokens spell its text again, and a stream cannot hold them back with the text that could still grow into a match
 * (a JSON answer is read whole, tokens included, and refused when they match).
 */
function refuseStreamedTokens(output: readonly Check[], request: OutgoingRequest, meter: MeteredRequest): void {
  const { logprobs, top_logprobs: top, include } = request.body;
  // A Responses request asks for them with `include` (`message.output_text.logprobs`).
  const included = Array.isArray(include) && include.includes('message.output_text.logprobs');
  const param = logprobs === true ? 'logprobs' : typeof top === 'number' && top > 0 ? 'top_logprobs' : included ? 'include' : undefined;
  const check = output.find((candidate) => candidate.rule);
  if (param === undefined || check === undefined) return;
  decide(meter, check, 'output', 'block');
  throw new GatewayError('invalid_parameter', `The guardrail "${check.name}" of this feature reads the answer, so a stream cannot carry ${param}: its tokens would show text the guardrail holds back. Ask without streaming, or without ${param}.`, { param, metadata: { source: 'guardrail', guardrail: check.name } });
}

/** True when a rule matches a slot: its text, and for tool-call arguments the strings their JSON decodes to. */
async function slotMatches(rule: Rule, slot: TextSlot): Promise<boolean> {
  if ((await rule.find(slot.text)).length > 0) return true;
  // Without an escape, each decoded string is a piece of the text already searched.
  if (slot.rewrite !== 'json' || !slot.text.includes('\\')) return false;
  for (const text of jsonStrings(slot.text) ?? []) if ((await rule.find(text)).length > 0) return true;
  return false;
}

/**
 * The slot's text with the rule's matches redacted, or undefined where that cannot be done, and the rule blocks:
 * signed reasoning, and tool-call arguments whose JSON is broken or still matches once its strings are redacted (a
 * match in a key, a number or across the JSON's syntax), as redacting the raw text could leave it no longer JSON.
 */
async function redactSlot(rule: Rule, slot: TextSlot): Promise<string | undefined> {
  if (slot.rewrite === 'text') return rule.redact(slot.text);
  if (slot.rewrite === 'none') return undefined;
  // The strings are redacted first (the rule may answer asynchronously), then put back in the JSON.
  const redactedStrings = new Map<string, string>();
  for (const text of new Set(jsonStrings(slot.text) ?? [])) redactedStrings.set(text, await rule.redact(text));
  const redacted = mapJsonStrings(slot.text, (text) => redactedStrings.get(text) ?? text);
  return redacted !== undefined && !(await slotMatches(rule, { ...slot, text: redacted })) ? redacted : undefined;
}

/**
 * Runs a rule over texts: a match is refused in `block` mode, or where it cannot be redacted (then nothing is
 * rewritten), else redacted in place.
 */
async function applyRule(check: Check, rule: Rule, slots: readonly TextSlot[], stage: Stage, meter: MeteredRequest, request: OutgoingRequest): Promise<void> {
  const redactions: Array<[TextSlot, string]> = [];
  for (const slot of slots) {
    if (!(await screened(() => slotMatches(rule, slot), meter, check, stage))) continue;
    const redacted = rule.mode === 'redact' ? await screened(() => redactSlot(rule, slot), meter, check, stage) : undefined;
    if (redacted === undefined) throw blocked(meter, check, stage, request);
    redactions.push([slot, redacted]);
  }
  for (const [slot, redacted] of redactions) {
    slot.text = redacted;
    slot.replace(redacted);
  }
  if (redactions.length > 0) decide(meter, check, stage, 'redact');
}

/**
 * The end of a text of a stream that holds its last `characters` characters as the rules read them (invisible code
 * points before them left out), or undefined when that is more than `UNITS_PER_CHARACTER` code units as sent for
 * each: the window its next piece is screened after (`RULE_WINDOW`), and what the model and host checks read
 * (`MODEL_WINDOW`).
 * @example
 * lastCharacters(`Say night${'\u200b'.repeat(300)}`, 256); // all of it: the padding reads as nothing
 */
function lastCharacters(text: string, characters: number): string | undefined {
  if (text.length <= characters) return text;
  const view = matchingView(text);
  const { length } = view.text;
  const { start } = view.original({ start: Math.max(0, length - characters), end: length });
  return text.length - start <= UNITS_PER_CHARACTER * characters ? text.slice(start) : undefined;
}

/**
 * The answer's checks, on every text of it the client reads (`answerSlots`, the same for a JSON answer's message and a
 * stream's delta): the content, refusal, reasoning (`reasoning` and the text of `reasoning_details`), citations,
 * audio transcript, tool calls' names and arguments, and the tokens of `logprobs` (which a stream under a rule never
 * carries: `refuseStreamedTokens`). A JSON answer is checked whole (a rule in `redact` mode rewrites it, as
 * `redactSlot` can). A stream is checked chunk by chunk, each text on its own:
 * rules see each new piece after the last `RULE_WINDOW` characters, as they read them, of the same text (a text that
 * comes whole, such as a name or a citation, on its own). In the content, refusal, reasoning (its text and details)
 * and tool-call arguments, the end of what came that could still grow into a match (`Rule.holdFrom`: digits that
 * could become a card, the start of a blocked word or of a pattern's match) is held back until the next piece decides
 * it, the choice finishes (its finish chunk carries it) or the stream ends (`streamEnd` answers chunks that carry it); a match there
 * is refused or, in `redact` mode, redacted whole, and the chunk is sent rewritten (a copy). Elsewhere (tokens, whole
 * texts), a match is stopped before its last piece is sent (a stream cannot take back what it sent, so `redact`
 * blocks there). A window that would take more than `UNITS_PER_CHARACTER` code units as sent for each of its
 * characters ends the stream with the first rule's error.
 * Tool-call arguments are read as `slotMatches` and `redactSlot` read a JSON answer's: first decoded, each string they
 * hold on its own window, so an escape (`\\`, `\u0040`) hides nothing, and a match in a value redacted inside its
 * string (`decideArguments`); then raw, where a match left (across the JSON's syntax, in a key or a number) refuses
 * the stream. The arguments the client joins are JSON still. Model and host checks run every `MODEL_EVERY` characters on
 * the latest `MODEL_WINDOW` of all of them but the tokens (which spell the rest again), and once more at the end:
 * characters as the rules read them, so padding a reader does not see neither pushes text out of what they read nor
 * makes them run; a window that would take more than its bound of code units as sent ends the stream with the first
 * such check's error.
 */
function outputTap(checks: readonly Check[], request: OutgoingRequest, meter: MeteredRequest): AnswerTap {
  const judged = checks.some((check) => check.judge);
  const ruled = checks.find((check) => check.rule);
  /** The window of each text of the stream (`lastCharacters`), by choice and place (content, reasoning, a tool call). */
  const tails = new Map<string, string>();
  /** The stream's texts in the order they came, for the model and host checks (a blank line where the text changes). */
  let transcript = '';
  let transcriptKey: string | undefined;
  /** The transcript's length past which it is cut to what the checks read: twice that, so each cut reads it once. */
  let trimAt = 2 * MODEL_WINDOW;
  let unjudged = 0;
  /** The transcript's last `MODEL_WINDOW` characters as the rules read them; past their bound, the first check refuses. */
  const judgedWindow = () => {
    const window = lastCharacters(transcript, MODEL_WINDOW);
    const judging = checks.find((check) => check.judge);
    if (window === undefined && judging) throw blocked(meter, judging, 'output', request);
    return window ?? '';
  };
  const judge = async (text: string) => {
    for (const check of checks) {
      if (!check.judge) continue;
      const verdict = await check.judge(text, 'output', meter, request);
      if (verdict.blocked) throw blocked(meter, check, 'output', request, verdict.message);
    }
  };
  const keep = (key: string, text: string) => {
    if (key === WHOLE || !ruled) return;
    const window = lastCharacters(text, RULE_WINDOW);
    if (window === undefined) throw blocked(meter, ruled, 'output', request);
    tails.set(key, window);
  };
  const rules = checks.filter((check): check is Check & { rule: Rule } => check.rule !== undefined);
  const find = async (check: Check & { rule: Rule }, text: string) => screened(async () => check.rule.find(text), meter, check, 'output');
  /** What is held back of each text that could still grow into a match, and how to send it later. */
  const held = new HeldTexts();
  /**
   * What may be sent of a decided piece: its decided text with each match redacted, where its rule redacts and the
   * text can be rewritten (`rewritable`); any other match refuses the stream, as does one that starts in text sent.
   * `written` writes it as it is sent where that differs from the text the rules read (a JSON string's escapes): the
   * text between matches as it came, and each redaction encoded.
   */
  const settle = async ({ text, decided, matches }: DecidedPiece<Check & { rule: Rule }>, sent: number, rewritable: boolean, written = { slice: (from: number, to: number) => text.slice(from, to), encode: (redacted: string) => redacted }) => {
    let sendable = '';
    let at = sent;
    for (const { by: check, span } of matches) {
      const matched = text.slice(span.start, span.end);
      const redacted = span.start >= at && rewritable && check.rule.mode === 'redact' ? await screened(async () => check.rule.redact(matched), meter, check, 'output') : matched;
      if (redacted === matched) throw blocked(meter, check, 'output', request);
      decide(meter, check, 'output', 'redact');
      sendable += written.slice(at, span.start) + written.encode(redacted);
      at = span.end;
    }
    return sendable + written.slice(at, decided);
  };
  /**
   * Runs the rules on a new piece of a text after the window kept of it and what was held back of it, so only a match
   * that ends after the window counts; the text to send now in its place (`settle`). With `holds`, the end that could
   * still grow into a match is held back (`decidePiece`) until a later piece, or the end of the text (`final`).
   */
  const screen = async (key: string, piece: string, options: { holds: boolean; final: boolean; rewritable: boolean }) => {
    const window = tails.get(key) ?? '';
    const decided = await decidePiece(rules, window, held.get(key) + piece, options, find);
    const sendable = await settle(decided, window.length, options.rewritable);
    held.set(key, decided.text.slice(decided.decided));
    keep(key, decided.text.slice(0, decided.decided));
    return sendable;
  };
  /** What is held back of each tool call's arguments on the strings they decode to, by choice and call. */
  const heldArguments = new Map<string, HeldArguments>();
  /**
   * Decides a new piece of a tool call's arguments on the strings their JSON decodes to, as a client reads them once
   * it joins and parses it (so an escape hides nothing): each string on its own window, as `screen` decides a text, the
   * end of one that could still grow into a match held back until a later piece, or the end of the arguments
   * (`final`), decides it. What is decided is returned to be sent, as raw JSON: as it came, but for each match in a
   * value, redacted inside its string (JSON-escaped, so the arguments stay JSON) where its rule redacts; a match in a
   * key refuses the stream, as `redactSlot` refuses a JSON answer's.
   */
  const decideArguments = async (key: string, piece: string, final: boolean) => {
    let pending = heldArguments.get(key);
    if (!pending) heldArguments.set(key, (pending = new HeldArguments()));
    const stringKey = `${key}:decoded`;
    const runs = pending.take(piece, final);
    let sendable = '';
    for (const [position, run] of runs.entries()) {
      if ('syntax' in run) {
        sendable += run.syntax;
        continue;
      }
      if (run.opens) tails.delete(stringKey);
      const window = tails.get(stringKey) ?? '';
      const decided = await decidePiece(rules, window, run.text, { holds: true, final: final || run.closes }, find);
      const written = { slice: (from: number, to: number) => rawSliceOf(run, from - window.length, to - window.length), encode: jsonStringText };
      sendable += await settle(decided, window.length, !run.key, written);
      keep(stringKey, decided.text.slice(0, decided.decided));
      if (decided.decided < decided.text.length) {
        pending.hold(run, decided.decided - window.length, runs.slice(position + 1));
        break;
      }
    }
    if (final) heldArguments.delete(key);
    return sendable;
  };
  /**
   * Decides the tool calls' arguments of a choice that no more comes of (all with `at` undefined: the stream ended),
   * as `screen` will then decide what is held of them as raw JSON.
   */
  const finishArguments = async (at?: number) => {
    for (const key of [...heldArguments.keys()]) {
      if (at === undefined || key.startsWith(`${at}:`)) held.set(key, held.get(key) + (await decideArguments(key, '', true)));
    }
  };
  /**
   * Adds a new piece of a text of the answer to the transcript the model and host checks read, unless it is tokens
   * that spell the rest.
   */
  const transcribe = (place: string, piece: string, tokens: boolean) => {
    if (!judged || tokens) return;
    transcript += transcriptKey === undefined || (place !== WHOLE && transcriptKey === place) ? piece : `\n\n${piece}`;
    transcriptKey = place;
    if (transcript.length > trimAt) {
      transcript = judgedWindow();
      trimAt = Math.max(2 * MODEL_WINDOW, 2 * transcript.length);
    }
    unjudged += viewLength(piece);
  };
  /**
   * Screens one choice of a chunk: the text to send in place of each of its slots that changed (held back, joined to
   * what was held, redacted), by slot, and the held texts of places it does not carry that its finish sends.
   */
  const screenChoice = async (choice: Record<string, unknown>, at: number) => {
    const final = typeof choice['finish_reason'] === 'string' && choice['finish_reason'] !== '';
    const rewrites = new Map<number, string>();
    const carried: Array<[place: string, text: string]> = [];
    const seen = new Set<string>();
    for (const [index, slot] of answerSlots(choice).entries()) {
      const place = slot.place === undefined ? WHOLE : `${at}:${slot.place}`;
      // Tool-call arguments are held back on the strings they decode to (`decideArguments`), then as raw JSON.
      const json = slot.rewrite === 'json' && place !== WHOLE;
      const holds = ruled !== undefined && ((slot.rewrite === 'text' && holdsAt(slot.place)) || json);
      // What was held of a place whose next piece cannot carry it (a signed reasoning detail) goes before it.
      const before = !holds && place !== WHOLE ? held.get(place) : '';
      if (before !== '') {
        held.set(place, '');
        carried.push([slot.place ?? '', await screen(place, before, { holds: false, final: true, rewritable: true })]);
      }
      if (ruled) {
        // A match left in the raw JSON (across its syntax, in a number) cannot be redacted there: it refuses the stream.
        const piece = json ? await decideArguments(place, slot.text, final) : slot.text;
        const sendable = await screen(place, piece, { holds, final, rewritable: holds && !json });
        if (sendable !== slot.text) rewrites.set(index, sendable);
      }
      transcribe(place, slot.text, slot.tokens === true);
      seen.add(place);
    }
    if (final) {
      await finishArguments(at);
      for (const key of held.keysOf(at)) {
        const place = key.slice(`${at}:`.length);
        if (!seen.has(key)) carried.push([place, await screen(key, '', { holds: false, final: true, rewritable: !argumentsAt(place) })]);
      }
    }
    return rewrites.size > 0 || carried.length > 0 ? { rewrites, carried } : undefined;
  };
  return {
    async chunk(chunk) {
      if (ruled) held.remember(chunk);
      const choices = chunk.choices ?? [];
      let rewritten: UpstreamChunk | undefined;
      for (const [position, choice] of choices.entries()) {
        const at = choice.index ?? 0;
        const changes = await screenChoice(choice, at);
        if (!changes) continue;
        // The chunk may be shared (a cached or coalesced answer): the text sent in its place is written in a copy.
        rewritten ??= structuredClone(chunk);
        const own = rewritten.choices?.[position];
        if (!own) continue;
        const slots = answerSlots(own);
        for (const [index, text] of changes.rewrites) slots[index]?.replace(text);
        own.delta ??= {};
        for (const [place, text] of changes.carried) if (text !== '') held.carry(own.delta, at, place, text);
      }
      if (unjudged >= MODEL_EVERY) {
        unjudged = 0;
        await judge(judgedWindow());
      }
      return rewritten;
    },
    async streamEnd() {
      // What is still held is decided now that no more text comes, and sent before the stream's closing events.
      await finishArguments();
      const last = new Map<number, Array<[string, string]>>();
      for (const [choice, places] of held.takeAll()) {
        const sendable: Array<[string, string]> = [];
        for (const [place, text] of places) sendable.push([place, await screen(`${choice}:${place}`, text, { holds: false, final: true, rewritable: !argumentsAt(place) })]);
        last.set(choice, sendable);
      }
      if (unjudged > 0) await judge(judgedWindow());
      return last.size > 0 ? (held.chunksOf(last) as UpstreamChunk[]) : undefined;
    },
    async body(body) {
      // A chat completion's choices, each on its own; a Responses answer's output items, a Messages answer's content
      // blocks, together.
      const answers = request.kind === 'responses' ? [responsesAnswerSlots(body)] : request.kind === 'messages' ? [messagesAnswerSlots(body)] : (Array.isArray(body['choices']) ? (body['choices'] as unknown[]) : []).filter(isRecord).map(answerSlots);
      for (const slots of answers) {
        for (const check of checks) if (check.rule) await applyRule(check, check.rule, slots, 'output', meter, request);
        // Reasoning comes as `reasoning` and again as the text of its details: a model or host check reads it once.
        const texts = [...new Set(slots.filter((slot) => !slot.tokens).map((slot) => slot.text))];
        if (texts.length > 0) await judge(texts.join('\n\n'));
      }
    },
  };
}
