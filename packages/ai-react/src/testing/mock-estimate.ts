// `POST /api/ai/estimate` in memory: the gateway's worst case, roughly (text by its length, each attachment at the
// most its kind costs, the feature's `max_tokens` as the answer), against the mock project's limits.
import type { EstimateResponse, LimitStatus } from '@insforge/ai-protocol';
import type { FeatureConfig } from '../core/admin-types.js';
import { costOf, type MockCatalog } from './mock-catalog.js';
import type { ErrorAnswer } from './mock-scenarios.js';

/** Tokens an attachment may cost at most: an image (the most one is billed), a PDF taken as five pages. */
const ATTACHMENT_TOKENS: Record<string, number> = { image_url: 1_600, file: 7_500, input_audio: 2_000 };
const DATA_URL = /data:[^,"]*,[A-Za-z0-9+/=]*/g;

const needOf = (limit: LimitStatus, tokens: number, costUsd: number) => (limit.kind.startsWith('tokens') ? tokens : limit.kind.startsWith('spend') ? costUsd : 1);

/**
 * What the mock gateway answers for a chat request: the estimate, the limits that apply (the feature's own when it
 * names one), and whether they all have room.
 *
 * @example
 * mockEstimate({ body, catalog, features: features.list(), limits, stopped: false, stopReason: null });
 */
export function mockEstimate(input: { body: Record<string, unknown>; catalog: MockCatalog; features: readonly FeatureConfig[]; limits: readonly LimitStatus[]; stopped: boolean; stopReason: string | null }): EstimateResponse | ErrorAnswer {
  const { body, catalog } = input;
  const requested = typeof body['model'] === 'string' ? body['model'] : '';
  const messages = body['messages'];
  if (!requested) return { code: 'invalid_parameter', message: 'model: model names a feature (e.g. "chat") or a model id', param: 'model' };
  if (!Array.isArray(messages) || messages.length === 0) return { code: 'invalid_parameter', message: 'messages: messages must hold at least one message', param: 'messages' };
  const feature = input.features.find((candidate) => candidate.name === requested);
  const model = catalog.byId.get(feature?.model ?? requested);
  if (!model || (feature && feature.modality !== 'text')) return { code: 'model_not_found', message: `The model "${requested}" does not exist or is not available to you.`, param: 'model' };
  const text = JSON.stringify(messages);
  const parts = text.match(/"type":"(image_url|file|input_audio)"/g) ?? [];
  const attachments = parts.reduce((sum, part) => sum + (ATTACHMENT_TOKENS[part.slice(8, -1)] ?? 0), 0);
  const promptTokens = Math.ceil((text.replace(DATA_URL, '').length + (feature?.systemPrompt.length ?? 0)) / 4) + attachments;
  const asked = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : undefined;
  const completionTokens = asked ?? feature?.params.max_tokens ?? model.top_provider?.max_completion_tokens ?? 4_096;
  const estimate = { tokens: promptTokens + completionTokens, costUsd: costOf(model, promptTokens, completionTokens) };
  const limits = input.limits.filter((limit) => limit.scope !== 'feature' || limit.target === feature?.name);
  const blockedBy = limits.find((limit) => limit.remaining < needOf(limit, estimate.tokens, estimate.costUsd)) ?? null;
  return { ...(feature ? { feature: feature.name } : {}), estimate, limits, admitted: blockedBy === null && !input.stopped, blockedBy, stopped: input.stopped, stopReason: input.stopReason };
}
