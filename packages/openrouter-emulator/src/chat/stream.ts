import type { ServerResponse } from 'node:http';
import { bill, chatUsage } from '../billing.js';
import type { EmulatorContext } from '../context.js';
import { now, type GenerationProbe } from '../generations.js';
import { dropConnection, errorTypeFor } from '../http.js';
import { ConnectionWatch, tokenDueAt } from '../pacing.js';
import { errorMessage, type Scenario } from '../scenario.js';
import { fullCounts, sentCounts } from './billing-counts.js';
import { ChunkWriter, KEEP_ALIVE, sseEvent } from './chunks.js';
import type { ChatPlan } from './plan.js';
import { reasoningSealOf } from './reasoning-details.js';

interface StreamStep {
  /** The events' text, or undefined for hidden reasoning that takes time and tokens but is not sent. */
  data: string | undefined;
  tokens: number;
  images?: boolean;
}

/**
 * What a stream writes at each step of a planned answer, as whole SSE events: chat's chunks (`chatStreamEvents`), or
 * the Responses API's typed events. The pace, the faults and the billing are the stream's, the same for both.
 */
export interface StreamEvents {
  /** Before the first token (the Responses API's `response.created`); chat sends nothing. */
  start(): string;
  reasoning(piece: string): string;
  reasoningSeal(details: ReadonlyArray<Record<string, unknown>>): string;
  images(urls: readonly string[]): string;
  content(piece: string, position: number): string;
  annotations(citations: ChatPlan['citations']): string;
  toolCallStart(index: number, callId: string, name: string): string;
  toolCallArguments(index: number, piece: string): string;
  /** After the whole answer: the finish and the usage (OpenRouter's chat usage object, which a format may reshape). */
  end(usage: ReturnType<typeof chatUsage>, scenario: Scenario): string;
  /** The mid-stream error; the stream ends after it. */
  error(code: number | string, message: string, errorType: string, retryAfterSeconds?: number): string;
}

/** Chat's chunks (`ChunkWriter`), each in its `data:` event; the usage chunk in the scenario's form, then `[DONE]`. */
export function chatStreamEvents(id: string, plan: ChatPlan, created: number): StreamEvents {
  const writer = new ChunkWriter(id, plan, created);
  return {
    start: () => '',
    reasoning: (piece) => sseEvent(writer.reasoning(piece)),
    reasoningSeal: (details) => sseEvent(writer.reasoningSeal(details)),
    images: (urls) => sseEvent(writer.images(urls)),
    content: (piece, position) => sseEvent(writer.content(piece, position)),
    annotations: (citations) => sseEvent(writer.annotations(citations)),
    toolCallStart: (index, callId, name) => sseEvent(writer.toolCallStart(index, callId, name)),
    toolCallArguments: (index, piece) => sseEvent(writer.toolCallArguments(index, piece)),
    end: (usage, scenario) => sseEvent(writer.finish()) + sseEvent(writer.usage(usage, scenario.usageForm ?? 'a')) + sseEvent('[DONE]'),
    error: (code, message, errorType, retryAfterSeconds) => sseEvent(writer.error(code, message, errorType, retryAfterSeconds)),
  };
}

function* streamSteps(plan: ChatPlan, writer: StreamEvents): Generator<StreamStep> {
  for (const piece of plan.reasoningPieces) yield { data: plan.reasoningHidden ? undefined : writer.reasoning(piece), tokens: 1 };
  const seal = plan.reasoningHidden || plan.reasoningPieces.length === 0 ? [] : reasoningSealOf(plan.reasoningStyle, plan.reasoningPieces.join(''), plan.provider.name);
  if (seal.length > 0) yield { data: writer.reasoningSeal(seal), tokens: 0 };
  if (plan.images.length > 0) yield { data: writer.images(plan.images), tokens: 0, images: true };
  for (const [position, piece] of plan.contentPieces.entries()) yield { data: writer.content(piece, position), tokens: 1 };
  if (plan.citations.length > 0) yield { data: writer.annotations(plan.citations), tokens: 0 };
  for (const [index, call] of plan.toolCalls.entries()) {
    yield { data: writer.toolCallStart(index, call.id, call.name), tokens: 1 };
    for (const piece of call.argumentPieces) yield { data: writer.toolCallArguments(index, piece), tokens: 1 };
  }
}

/** Bytes gathered before a write: at unlimited pace a whole answer leaves in a few writes, not one per token. */
const FLUSH_BYTES = 16 * 1024;

/**
 * Streams a planned answer as OpenRouter's SSE: a keep-alive comment first, one chunk per token at the
 * scenario's pace, the finish chunk, the usage chunk (form A or B), `[DONE]`; or the fault the scenario asks for.
 * `format` writes the events (chat's chunks by default, or the Responses API's).
 */
export async function streamChat(
  context: EmulatorContext,
  res: ServerResponse,
  plan: ChatPlan,
  probe: GenerationProbe,
  scenario: Scenario,
  format: (id: string, plan: ChatPlan, created: number) => StreamEvents = chatStreamEvents,
): Promise<void> {
  const watch = new ConnectionWatch(res, probe, context.generations);
  const writer = format(probe.id, plan, Math.floor(Date.now() / 1000));
  const delay = scenario.generationDelayMs ?? 0;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-generation-id': probe.id,
  });
  let pending = KEEP_ALIVE + writer.start();
  let events = 0;
  let tokenIndex = 0;
  let imagesSent = false;
  let start = now();
  const ttft = scenario.ttftMs ?? 0;
  const tps = scenario.tokensPerSecond ?? 0;
  const keepAlive = scenario.keepAliveMs ?? 1000;

  const flush = async () => {
    if (!pending) return;
    const ok = res.write(pending);
    pending = '';
    if (!ok && !watch.closed) await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
  const waitUntil = async (due: number) => {
    for (let remaining = due - now(); remaining > 0.5; remaining = due - now()) {
      await flush();
      const step = Math.min(remaining, keepAlive);
      if (!(await watch.pause(step))) return false;
      if (due - now() > 0.5) pending += KEEP_ALIVE;
    }
    return !watch.closed;
  };
  const settle = (status: 'completed' | 'cancelled' | 'failed' | 'dropped', full: boolean) => {
    const counts = full ? fullCounts(plan) : sentCounts(plan, probe.tokensSent, imagesSent);
    context.generations.finish(probe, status, bill(plan.prices, counts), delay);
  };
  const cancelledBilling = () => (scenario.cancelBilling ?? (plan.provider.stopsOnCancel ? 'sent' : 'full')) === 'full';

  /** Ends the stream with OpenRouter's error event (and `[DONE]` when the scenario asks), billing what was sent. */
  const fail = async () => {
    const code = scenario.errorCode ?? 502;
    pending += writer.error(scenario.stringErrorCode ? 'server_error' : code, errorMessage(code === 429 ? 'Rate limit exceeded' : 'Provider returned error', scenario), errorTypeFor(code), code === 429 ? (scenario.retryAfterSeconds ?? 1) : undefined);
    if (scenario.doneAfterError) pending += sseEvent('[DONE]');
    await flush();
    res.end();
    probe.finishReason = 'error';
    settle('failed', false);
  };

  if (scenario.errorBody) {
    await fail();
    return;
  }

  for (const step of streamSteps(plan, writer)) {
    if (step.tokens > 0) {
      if (probe.tokensSent === scenario.errorAfter) {
        await fail();
        return;
      }
      if (probe.tokensSent === scenario.dropAfter) {
        await flush();
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        dropConnection(res);
        settle('dropped', false);
        return;
      }
      if (probe.tokensSent === scenario.stallAfter && scenario.stallMs) {
        await flush();
        if (!(await watch.pause(scenario.stallMs))) break;
        start += scenario.stallMs;
      }
      if (!(await waitUntil(tokenDueAt(start, ttft, tps, tokenIndex)))) break;
      tokenIndex += step.tokens;
    }
    if (watch.closed) break;
    if (step.data !== undefined) {
      pending += step.data;
      events += 1;
      if (scenario.commentEvery && events % scenario.commentEvery === 0) pending += KEEP_ALIVE;
    }
    if (step.images) imagesSent = true;
    probe.tokensSent += step.tokens;
    if (probe.firstByteAt === null && step.data !== undefined) probe.firstByteAt = now();
    if (pending.length >= FLUSH_BYTES) await flush();
  }

  if (watch.closed) {
    settle('cancelled', cancelledBilling());
    context.generations.notify(probe);
    return;
  }
  probe.finishReason = plan.finishReason;
  probe.nativeFinishReason = plan.nativeFinishReason;
  const billed = bill(plan.prices, fullCounts(plan));
  pending += writer.end(chatUsage(plan.prices, billed), scenario);
  await flush();
  res.end();
  settle('completed', true);
}
