// `POST /v1/chat/completions` of the mock gateway: a feature (or raw model) resolved to a real catalog model, a
// deterministic reply, and the gateway's OpenAI chunk stream with the real model, provider, usage and cost.
import { errorBody } from '@insforge/ai-protocol';
import { providerProfile, providersForModel } from '@insforge/openrouter-emulator/catalog';
import { contentText, countPromptTokens, countTokens, splitTokens } from '@insforge/openrouter-emulator/content';
import type { FeatureConfig } from '../core/admin-types.js';
import { costOf, type MockCatalog } from './mock-catalog.js';
import { composeMockReply } from './mock-replies.js';
import { pacedEventStream, type Pacing, type StreamStep } from './mock-pacing.js';
import { scenarioOfText, withoutMarkers, type ErrorAnswer, type MockScenario } from './mock-scenarios.js';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** Everything about one answer, decided before the first byte is sent. */
export interface ChatAnswer {
  id: string;
  created: number;
  feature: string | null;
  model: string;
  provider: string;
  content: string;
  finishReason: 'stop' | 'length';
  nativeFinishReason: string;
  usage: ChatUsage;
  scenario: MockScenario;
}

export interface ChatPlanInput {
  body: Record<string, unknown>;
  catalog: MockCatalog;
  features: readonly FeatureConfig[];
  allowRawModels: boolean;
  /** The instance's scenario; a `[mock:…]` marker in the last user message wins. */
  scenario: MockScenario;
  replyTokens: number;
  /** How many answers this instance gave to the same text before (a regenerated answer reads differently). */
  attempt: number;
  sequence: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text of the last user message of a request body, markers included. */
export function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const last = [...messages].reverse().find((message) => isRecord(message) && message['role'] === 'user');
  return isRecord(last) ? contentText(last['content']) : '';
}

/** Resolves the request to a model and a reply, or to the error the gateway would answer (unknown model). */
export function planChatAnswer(input: ChatPlanInput): ChatAnswer | ErrorAnswer {
  const { body, catalog, features } = input;
  const requested = typeof body['model'] === 'string' ? body['model'] : '';
  const feature = features.find((candidate) => candidate.name === requested || candidate.id === requested);
  if (feature && feature.modality !== 'text') {
    return { code: 'invalid_parameter', message: `The feature "${feature.name}" is an ${feature.modality} feature: call it on its own route.`, param: 'model' };
  }
  if (!feature && !(input.allowRawModels && catalog.byId.has(requested))) {
    return { code: 'model_not_found', message: `The model "${requested}" does not exist or is not available to you.`, param: 'model' };
  }
  const modelId = feature?.model ?? requested;
  const model = catalog.byId.get(modelId);
  const provider = providerProfile(providersForModel(modelId)[0] ?? 'OpenAI');
  const rawText = lastUserText(body);
  const scenario = scenarioOfText(rawText) ?? input.scenario;
  const userText = withoutMarkers(rawText);
  const kind = scenario === 'hostile' ? 'hostile' : scenario === 'markdown' || /\b(markdown|table)\b/i.test(userText) ? 'markdown' : 'prose';
  const systemPrompt = feature?.systemPrompt || undefined;
  const full = composeMockReply({ userText, systemPrompt, kind, seed: `${modelId}#${input.attempt}`, tokens: input.replyTokens });
  const maxTokens = Math.min(...[body['max_tokens'], feature?.params.max_tokens].filter((value): value is number => typeof value === 'number' && value > 0));
  const pieces = splitTokens(full);
  const content = pieces.length > maxTokens ? pieces.slice(0, maxTokens).join('') : full;
  const finishReason = content === full ? 'stop' : 'length';
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  const promptTokens = countPromptTokens(systemPrompt ? [{ role: 'system', content: systemPrompt }, ...messages] : messages, body['tools']);
  const completionTokens = countTokens(content);
  return {
    id: `gen-mock-${String(input.sequence).padStart(6, '0')}`,
    created: Math.floor(Date.now() / 1000),
    feature: feature?.name ?? null,
    model: modelId,
    provider: provider.name,
    content,
    finishReason,
    nativeFinishReason: provider.nativeFinish[finishReason],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      cost: costOf(model, promptTokens, completionTokens),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    scenario,
  };
}

/** The gateway's SSE answer: a chunk per token, the finish chunk, the usage chunk when asked for, `[DONE]`. */
export function chatStreamResponse(answer: ChatAnswer, options: { includeUsage: boolean; pacing: Required<Pacing>; signal?: AbortSignal | null | undefined }): Response {
  const base = { id: answer.id, object: 'chat.completion.chunk', created: answer.created, model: answer.model, provider: answer.provider };
  const pieces = splitTokens(answer.content);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish === null ? null : answer.nativeFinishReason, logprobs: null }] });
  const steps: StreamStep[] = pieces.map((piece, index) => ({ type: 'token', data: chunk(index === 0 ? { role: 'assistant', content: piece } : { content: piece }) }));
  if (answer.scenario === 'mid-stream-error') {
    steps.splice(Math.max(1, Math.floor(steps.length / 2)));
    steps.push({ data: JSON.stringify(errorBody('upstream_stream_truncated', 'The connection to the model provider dropped mid-answer.')) });
  } else if (answer.scenario === 'stall') {
    steps.splice(Math.max(1, Math.min(12, Math.floor(steps.length / 3))));
    steps.push({ type: 'hang' });
  } else {
    steps.push({ data: chunk({}, answer.finishReason) });
    if (options.includeUsage) steps.push({ data: JSON.stringify({ ...base, choices: [], usage: answer.usage }) });
    steps.push({ data: '[DONE]' });
  }
  return new Response(pacedEventStream(steps, options.pacing, options.signal), {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-generation-id': answer.id },
  });
}

/** The non-streamed answer (`stream: false`). */
export function chatCompletionBody(answer: ChatAnswer) {
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    provider: answer.provider,
    choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: answer.finishReason, native_finish_reason: answer.nativeFinishReason, logprobs: null }],
    usage: answer.usage,
  };
}
