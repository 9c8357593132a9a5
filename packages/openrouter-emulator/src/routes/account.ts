import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type EmulatorContext } from '../context.js';
import type { GenerationProbe } from '../generations.js';
import { EmulatorHttpError, sendJson } from '../http.js';

/** `GET /key` and its legacy alias `/auth/key`: the key's label, limit and spend. */
export function handleKey(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): void {
  const account = authenticate(context, req);
  sendJson(res, 200, { data: context.keys.describe(account) });
}

/** `GET /credits`: the account's purchased credits and total spend, for a management key only (403 for any other). */
export function handleCredits(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): void {
  const account = authenticate(context, req);
  if (!account.isManagementKey) throw new EmulatorHttpError(403, 'Only management keys can fetch credits');
  sendJson(res, 200, { data: context.keys.credits() });
}

const API_TYPES = { chat: 'completions', embeddings: 'embeddings', images: 'images' } as const;

/** The `data` of `GET /generation` for a finished generation. */
export function generationRecord(probe: GenerationProbe) {
  const billed = probe.billed;
  const endedAt = probe.endedAt ?? probe.startedAt;
  return {
    id: probe.id,
    upstream_id: `chatcmpl-${probe.id.slice(-20)}`,
    total_cost: billed?.cost ?? 0,
    cache_discount: billed?.cacheDiscount ?? null,
    upstream_inference_cost: billed?.cost ?? 0,
    created_at: new Date(probe.startedAt).toISOString(),
    model: probe.model,
    app_id: null,
    streamed: probe.streamed,
    cancelled: probe.status === 'cancelled',
    provider_name: probe.provider,
    latency: Math.round((probe.firstByteAt ?? endedAt) - probe.startedAt),
    moderation_latency: null,
    generation_time: Math.round(endedAt - probe.startedAt),
    finish_reason: probe.status === 'cancelled' ? null : probe.finishReason,
    native_finish_reason: probe.status === 'cancelled' ? null : probe.nativeFinishReason,
    tokens_prompt: billed?.promptTokens ?? 0,
    tokens_completion: billed?.completionTokens ?? 0,
    native_tokens_prompt: billed?.promptTokens ?? 0,
    native_tokens_completion: billed?.completionTokens ?? 0,
    native_tokens_reasoning: billed?.reasoningTokens ?? 0,
    native_tokens_cached: billed?.cachedTokens ?? 0,
    num_media_prompt: null,
    num_media_completion: billed && billed.imageTokens > 0 ? 1 : null,
    num_search_results: billed?.webSearchResults ?? null,
    origin: '',
    usage: billed?.cost ?? 0,
    is_byok: false,
    api_type: API_TYPES[probe.kind],
    external_user: probe.user,
    data_region: 'global',
    http_referer: probe.headers['http-referer'] ?? null,
    user_agent: probe.headers['user-agent'] ?? null,
    native_tokens_completion_images: billed && billed.imageTokens > 0 ? billed.imageTokens : null,
    num_fetches: null,
    num_input_audio_prompt: null,
    preset_id: null,
    router: null,
    service_tier: null,
    web_search_engine: null,
    workspace_id: null,
    provider_responses: [{ provider_name: probe.provider, status: probe.status === 'failed' ? 502 : 200, latency: Math.round((probe.firstByteAt ?? endedAt) - probe.startedAt) }],
  };
}

/** `GET /generation?id=`: 404 until the generation has ended and its record delay has passed. */
export function handleGeneration(context: EmulatorContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  const account = authenticate(context, req);
  const id = query.get('id');
  if (!id) throw new EmulatorHttpError(400, 'id is required', { param: 'id' });
  const probe = context.generations.get(id);
  if (!probe || probe.keyLabel !== account.label || !context.generations.isAvailable(id)) {
    throw new EmulatorHttpError(404, `Generation ${id} not found`);
  }
  sendJson(res, 200, { data: generationRecord(probe) });
}
