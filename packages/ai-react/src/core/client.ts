import type { EstimateResponse } from '@insforge/ai-protocol';
import { createAdminApi, type AdminApi } from './admin-client.js';
import { streamChat, type ChatStreamOptions } from './chat-stream.js';
import type { ChatCompletion, ChatCompletionRequest, GeneratedImage, ImageGenerationParams, ImageGenerationResult, ModelEntry, ModelListQuery } from './chat-types.js';
import { createConversationsApi, type ConversationsApi } from './conversations-client.js';
import { isAiError } from './errors.js';
import { createTransport, requestJson, type AiClientOptions, type RequestOptions } from './http-transport.js';
import { fromCatalogModel, fromListedModel, type CatalogModel, type ListedModel } from './model-entries.js';
import { createOperationsApi, type OperationsApi } from './operations-client.js';
import { createJobsApi, type JobsApi } from './jobs-client.js';

/** A typed client of the gateway: chat, images and models for everyone; admin routes and conversations too. */
export interface AiClient extends AdminApi {
  chat: {
    /** One answer, not streamed. */
    complete(request: ChatCompletionRequest, options?: RequestOptions): Promise<ChatCompletion>;
    /** Streams an answer as events; resolves after `done`, rejects with the AiError of a final `error`. */
    stream(request: ChatCompletionRequest, options?: ChatStreamOptions): Promise<void>;
    /**
     * What the gateway would reserve for this request at most, and whether the caller's limits have room for it
     * (`POST /api/ai/estimate`): nothing is sent to the model. A server without the route answers `not_found`.
     */
    estimate(request: ChatCompletionRequest, options?: RequestOptions): Promise<EstimateResponse>;
  };
  images: {
    generate(params: ImageGenerationParams, options?: RequestOptions): Promise<ImageGenerationResult>;
  };
  models: {
    /** The admin catalog (`/api/ai/models`) when allowed, else the caller's features (`/v1/models`). */
    list(query?: ModelListQuery, options?: RequestOptions): Promise<ModelEntry[]>;
  };
  conversations: ConversationsApi;
  /** Model health and recent errors, for admins. */
  operations: OperationsApi;
  /** Summaries of articles, and batch jobs of any feature's requests. */
  jobs: JobsApi;
}

interface ImagesResponse {
  created?: number;
  model?: string;
  data?: Array<{ b64_json?: string; url?: string; revised_prompt?: string }>;
  usage?: { input_tokens?: number; output_tokens?: number; cost?: number };
}

// OpenAI's b64_json has no media type: the first bytes tell PNG, JPEG, WebP and GIF apart.
const SIGNATURES: Array<[string, string]> = [['iVBOR', 'image/png'], ['/9j/', 'image/jpeg'], ['UklGR', 'image/webp'], ['R0lGOD', 'image/gif']];
const mediaTypeOf = (base64: string) => SIGNATURES.find(([prefix]) => base64.startsWith(prefix))?.[1] ?? 'image/png';

function toImages(response: ImagesResponse): ImageGenerationResult {
  const images = (response.data ?? []).flatMap((item): GeneratedImage[] => {
    const url = item.url ?? (item.b64_json ? `data:${mediaTypeOf(item.b64_json)};base64,${item.b64_json}` : undefined);
    if (!url) return [];
    return [item.revised_prompt ? { url, revisedPrompt: item.revised_prompt } : { url }];
  });
  const result: ImageGenerationResult = { created: response.created ?? Math.floor(Date.now() / 1000), images };
  if (response.model) result.model = response.model;
  if (response.usage) {
    result.usage = { inputTokens: response.usage.input_tokens ?? 0, outputTokens: response.usage.output_tokens ?? 0 };
    if (typeof response.usage.cost === 'number') result.usage.costUsd = response.usage.cost;
  }
  return result;
}

/**
 * Creates a client of an InsForge AI gateway (or, for chat, images and models, any OpenAI-compatible server).
 * One per provider instance: it holds no state besides its options.
 *
 * @example
 * const client = createAiClient({ baseUrl: '/ai', getHeaders: async () => ({ authorization: `Bearer ${await session.token()}` }) });
 * const answer = await client.chat.complete({ model: 'chat', messages: [{ role: 'user', content: 'Hello' }] });
 */
export function createAiClient(options: AiClientOptions): AiClient {
  const transport = createTransport(options);
  return {
    chat: {
      complete: (request, { signal } = {}) => requestJson(transport, '/v1/chat/completions', { body: { ...request, stream: false }, signal }),
      stream: (request, streamOptions) => streamChat(transport, request, streamOptions),
      estimate: (request, { signal } = {}) => requestJson(transport, '/api/ai/estimate', { body: { ...request, stream: false }, signal }),
    },
    images: {
      async generate({ feature, prompt, size, quality, n, style }, { signal } = {}) {
        // b64_json rather than a URL: OpenAI's URLs expire within the hour, and a stored conversation keeps images.
        const body = { model: feature ?? 'image', prompt, size, quality, n, style, response_format: 'b64_json' };
        return toImages(await requestJson<ImagesResponse>(transport, '/v1/images/generations', { body, signal }));
      },
    },
    models: {
      async list({ modality, source = 'auto' } = {}, { signal } = {}) {
        if (source !== 'features') {
          try {
            const catalog = await requestJson<{ data: CatalogModel[] }>(transport, '/api/ai/models', { query: { modality }, signal, admin: true });
            return catalog.data.map(fromCatalogModel);
          } catch (error) {
            // A user (403) or a server without admin routes (404) gets what it may call instead.
            if (source === 'catalog' || !isAiError(error) || !['forbidden', 'admin_unavailable', 'not_found'].includes(error.code)) throw error;
          }
        }
        const list = await requestJson<{ data: ListedModel[] }>(transport, '/v1/models', { signal });
        const entries = list.data.map(fromListedModel);
        return modality ? entries.filter((entry) => entry.modalities.includes(modality)) : entries;
      },
    },
    ...createAdminApi(transport),
    conversations: createConversationsApi(transport),
    operations: createOperationsApi(transport),
    jobs: createJobsApi(transport),
  };
}
