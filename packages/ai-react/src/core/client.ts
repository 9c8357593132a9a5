import type { EstimateResponse } from '@insforge/ai-protocol';
import type { AdminApi } from './admin-client.js';
import { checkStreamLimits, streamChat, type ChatStreamOptions } from './chat-stream.js';
import type { ChatCompletion, ChatCompletionRequest } from './chat-types.js';
import type { ConversationsApi } from './conversations-client.js';
import { createTransport, requestJson, type AiClientOptions, type RequestOptions } from './http-transport.js';
import type { ImagesApi } from './images-client.js';
import type { JobsApi } from './jobs-client.js';
import { lazyApi, type ApiShape } from './lazy-api.js';
import type { ModelsApi } from './models-client.js';
import type { OperationsApi } from './operations-client.js';

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
  images: ImagesApi;
  models: ModelsApi;
  conversations: ConversationsApi;
  /** Model health and recent errors, for admins. */
  operations: OperationsApi;
  /** Summaries of articles, and batch jobs of any feature's requests. */
  jobs: JobsApi;
}

// The methods of what loads on its first call (`lazyApi`): a method missing here is a type error.
const ADMIN_SHAPE: ApiShape<AdminApi> = {
  features: { list: true, get: true, create: true, update: true, remove: true, history: true, restore: true, reset: true, test: true },
  providerKey: { get: true, set: true, remove: true, test: true },
  clientKeys: { list: true, create: true, revoke: true },
  audit: { list: true },
  usage: { summary: true, csv: true },
  limits: { get: true },
  cache: { purge: true },
};
const CONVERSATIONS_SHAPE: ApiShape<ConversationsApi> = { list: true, get: true, create: true, rename: true, remove: true, append: true, replace: true };
const JOBS_SHAPE: ApiShape<JobsApi> = { summarize: true, create: true, list: true, get: true, cancel: true };

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
  const streamLimits: Pick<ChatStreamOptions, 'idleTimeoutMs' | 'maxEventBytes'> = { idleTimeoutMs: options.streamIdleTimeoutMs, maxEventBytes: options.maxStreamEventBytes };
  checkStreamLimits(streamLimits);
  return {
    chat: {
      complete: (request, { signal } = {}) => requestJson(transport, '/v1/chat/completions', { body: { ...request, stream: false }, signal }),
      stream: (request, streamOptions = {}) =>
        streamChat(transport, request, { ...streamOptions, idleTimeoutMs: streamOptions.idleTimeoutMs ?? streamLimits.idleTimeoutMs, maxEventBytes: streamOptions.maxEventBytes ?? streamLimits.maxEventBytes }),
      estimate: (request, { signal } = {}) => requestJson(transport, '/api/ai/estimate', { body: { ...request, stream: false }, signal }),
    },
    // What a chat never calls loads on its first call, outside the chat's bundle.
    images: lazyApi(async () => (await import('./images-client.js')).createImagesApi(transport), { generate: true }),
    models: lazyApi(async () => (await import('./models-client.js')).createModelsApi(transport), { list: true }),
    ...lazyApi(async () => (await import('./admin-client.js')).createAdminApi(transport), ADMIN_SHAPE),
    conversations: lazyApi(async () => (await import('./conversations-client.js')).createConversationsApi(transport), CONVERSATIONS_SHAPE),
    operations: lazyApi(async () => (await import('./operations-client.js')).createOperationsApi(transport), { modelHealth: true, errors: true }),
    jobs: lazyApi(async () => (await import('./jobs-client.js')).createJobsApi(transport), JOBS_SHAPE),
  };
}

