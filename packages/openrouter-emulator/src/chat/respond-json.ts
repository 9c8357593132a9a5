import type { ServerResponse } from 'node:http';
import { bill, chatUsage } from '../billing.js';
import type { EmulatorContext } from '../context.js';
import { now, type GenerationProbe } from '../generations.js';
import { dropConnection, errorEnvelope, errorTypeFor, sendJson } from '../http.js';
import { ConnectionWatch, tokenDueAt } from '../pacing.js';
import { errorMessage, type Scenario } from '../scenario.js';
import { fullCounts, sentCounts } from './billing-counts.js';
import { tokenLogprob } from './logprobs.js';
import { IMAGE_OUTPUT_TOKENS, type ChatPlan } from './plan.js';
import { reasoningDetailsOf } from './reasoning-details.js';

/** The `chat.completion` body, fields in the order of real captures. */
export function completionBody(id: string, plan: ChatPlan, usage: unknown) {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: plan.toolCalls.length > 0 ? null : plan.contentPieces.join(''),
    refusal: null,
    reasoning: plan.reasoningPieces.length > 0 && !plan.reasoningHidden ? plan.reasoningPieces.join('') : null,
  };
  if (message['reasoning'] !== null) {
    message['reasoning_details'] = reasoningDetailsOf(plan.reasoningStyle, plan.reasoningPieces.join(''), plan.provider.name);
  }
  if (plan.toolCalls.length > 0) {
    message['tool_calls'] = plan.toolCalls.map((call, index) => ({
      index,
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.argumentPieces.join('') },
    }));
  }
  if (plan.citations.length > 0) message['annotations'] = plan.citations.map(({ url, title, content, start_index, end_index }) => ({ type: 'url_citation', url_citation: { url, title, content, start_index, end_index } }));
  const logprobs = plan.logprobs === undefined ? null : { content: plan.contentPieces.map((piece, position) => tokenLogprob(piece, position, plan.logprobs ?? 0)), refusal: null };
  if (plan.images.length > 0) message['images'] = plan.images.map((url, index) => ({ type: 'image_url', image_url: { url }, index }));
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: plan.model.id,
    provider: plan.provider.name,
    system_fingerprint: `fp_${id.slice(-10).toLowerCase()}`,
    choices: [{ index: 0, logprobs, finish_reason: plan.finishReason, native_finish_reason: plan.nativeFinishReason, message }],
    usage,
  };
}

/** The bodies of a JSON answer: a whole one (given its usage) and one that failed inside a 200. */
export interface JsonAnswerBodies {
  answer(id: string, plan: ChatPlan, usage: ReturnType<typeof chatUsage>): unknown;
  failed(id: string, plan: ChatPlan, code: number, message: string, scenario: Scenario): unknown;
}

/** Chat's: the `chat.completion`, or OpenRouter's error envelope. */
export const CHAT_JSON_BODIES: JsonAnswerBodies = {
  answer: completionBody,
  failed: (_id, plan, code, message, scenario) => errorEnvelope(code, message, { error_type: errorTypeFor(code), provider_name: plan.provider.name }, scenario.stringErrorCode),
};

/**
 * Answers a non-streaming request after the time the whole answer takes at the scenario's pace. A client that
 * hangs up meanwhile is billed for the full answer, as OpenRouter's providers do for non-streaming requests,
 * unless the scenario says `cancel-billing=sent`.
 */
export async function respondJson(
  context: EmulatorContext,
  res: ServerResponse,
  plan: ChatPlan,
  probe: GenerationProbe,
  scenario: Scenario,
  bodies: JsonAnswerBodies = CHAT_JSON_BODIES,
): Promise<void> {
  const watch = new ConnectionWatch(res, probe, context.generations);
  const delay = scenario.generationDelayMs ?? 0;
  const tokens = plan.completionTokens - plan.images.length * IMAGE_OUTPUT_TOKENS;
  const tps = scenario.tokensPerSecond ?? 0;
  const start = now();
  const done = tokenDueAt(start, scenario.ttftMs ?? 0, tps, Math.max(0, tokens - 1));
  const faultAt = scenario.errorAfter ?? scenario.dropAfter;
  const stopAt = faultAt === undefined ? done : tokenDueAt(start, scenario.ttftMs ?? 0, tps, faultAt);
  if (!(await watch.pause(stopAt - now()))) {
    const elapsedTokens = tps > 0 ? Math.floor(((now() - start - (scenario.ttftMs ?? 0)) * tps) / 1000) + 1 : tokens;
    probe.tokensSent = Math.max(0, Math.min(tokens, elapsedTokens));
    const full = (scenario.cancelBilling ?? 'full') === 'full';
    context.generations.finish(probe, 'cancelled', bill(plan.prices, full ? fullCounts(plan) : sentCounts(plan, probe.tokensSent, false)), delay);
    return;
  }
  if (scenario.dropAfter !== undefined) {
    probe.tokensSent = Math.min(tokens, scenario.dropAfter);
    dropConnection(res);
    context.generations.finish(probe, 'dropped', bill(plan.prices, sentCounts(plan, probe.tokensSent, false)), delay);
    return;
  }
  if (scenario.errorBody || scenario.errorAfter !== undefined) {
    const code = scenario.errorCode ?? 502;
    probe.tokensSent = Math.min(tokens, scenario.errorAfter ?? 0);
    probe.finishReason = 'error';
    const body = bodies.failed(probe.id, plan, code, errorMessage('Provider returned error', scenario), scenario);
    sendJson(res, 200, body, { 'x-generation-id': probe.id });
    context.generations.finish(probe, 'failed', bill(plan.prices, sentCounts(plan, probe.tokensSent, false)), delay);
    return;
  }
  const billed = bill(plan.prices, fullCounts(plan));
  probe.tokensSent = tokens;
  probe.firstByteAt = now();
  probe.finishReason = plan.finishReason;
  probe.nativeFinishReason = plan.nativeFinishReason;
  sendJson(res, 200, bodies.answer(probe.id, plan, chatUsage(plan.prices, billed)), { 'x-generation-id': probe.id });
  context.generations.finish(probe, 'completed', billed, delay);
}
