/**
 * The request mix every target receives, and the markers the emulator's rules key on. Targets other than ours get the
 * feature's system prompt in the request body, so the emulator does the same work whoever forwards the request.
 */
export type RequestKind = 'chat' | 'stream' | 'embed' | 'responses-stream' | 'messages-stream';
/** The mix every target gets (Responses and Messages streams are ours alone: `bench:instructions --kind responses-stream`). */
export const REQUEST_KINDS: readonly RequestKind[] = ['chat', 'stream', 'embed'];
export const ALL_REQUEST_KINDS: readonly RequestKind[] = [...REQUEST_KINDS, 'responses-stream', 'messages-stream'];

export const SYSTEM_PROMPT = 'You are the Acme assistant. Answer briefly and plainly.';
export const CHAT_MODEL = 'openai/gpt-4o-mini';
export const EMBEDDING_MODEL = 'openai/text-embedding-3-small';

/** Emulator rules: the last user message carries one of these markers. */
export const STREAM_MARKER = '[bench-stream]';
export const SLOW_STREAM_MARKER = '[bench-slow-stream]';
export const SOAK_STREAM_MARKER = '[bench-soak-stream]';
/** The response cache's section: a model that takes 50 ms to answer, as a fast one would. */
export const CACHE_MARKER = '[bench-cache]';
export const CACHE_MODEL_MS = 50;
export const EMULATOR_RULES = [
  { match: { contains: STREAM_MARKER }, scenario: 'tokens=200' },
  // Memory per concurrent stream: streams that stay open ~20 s.
  { match: { contains: SLOW_STREAM_MARKER }, scenario: 'tps=20;tokens=400' },
  // Soak: streams of about a second, so an abort lands mid-stream.
  { match: { contains: SOAK_STREAM_MARKER }, scenario: 'tps=200;tokens=200' },
  { match: { contains: CACHE_MARKER }, scenario: `ttft=${CACHE_MODEL_MS}` },
];

/** How a target is addressed: base URL of its OpenAI-compatible API, headers, and the model names it takes. */
export interface TargetAddress {
  /** e.g. `http://127.0.0.1:4000/api/v1`; requests go to `${baseUrl}/chat/completions` and `/embeddings`. */
  baseUrl: string;
  headers: Record<string, string>;
  chatModel: string;
  embeddingModel: string;
  /** Whether the target adds the system prompt itself (ours, through the feature). */
  addsSystemPrompt: boolean;
}

export interface RequestSpec {
  kind: RequestKind;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** The earlier turns of a long conversation, as a chat app sends with each new message (16 turns of about 1 KB). */
export const LONG_CONVERSATION_BYTES = 16 * 1024;

/** `spec` (a chat) with earlier turns of about `bytes` in all before its last message. */
export function withConversation(spec: RequestSpec, bytes: number): RequestSpec {
  if (bytes <= 0) return spec;
  const body = JSON.parse(spec.body) as { messages: Array<{ role: string; content: string }> };
  const turn = 'Gateways sit between an app and its models, and every request they meter passes through them. ';
  const turns = Math.max(1, Math.round(bytes / 1024));
  const history = Array.from({ length: turns }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `${index}: ${turn.repeat(Math.ceil(1024 / turn.length))}`.slice(0, 1024) }));
  body.messages.splice(body.messages.length - 1, 0, ...history);
  return { ...spec, body: JSON.stringify(body) };
}

/** Builds one request of a kind; `marker` overrides the stream marker (slow and soak streams). */
export function buildRequest(target: TargetAddress, kind: RequestKind, marker = STREAM_MARKER): RequestSpec {
  const headers = { 'content-type': 'application/json', ...target.headers };
  if (kind === 'embed') {
    const body = JSON.stringify({ model: target.embeddingModel, input: 'The quick brown fox jumps over the lazy dog, for a benchmark.' });
    return { kind, url: new URL(`${target.baseUrl}/embeddings`), headers, body };
  }
  if (kind === 'responses-stream') {
    // The same answer as a chat stream's (the stream marker's 200 tokens), as typed Responses events.
    const body = JSON.stringify({ model: target.chatModel, ...(target.addsSystemPrompt ? {} : { instructions: SYSTEM_PROMPT }), input: `Tell me about gateways ${marker}`, stream: true });
    return { kind, url: new URL(`${target.baseUrl}/responses`), headers, body };
  }
  if (kind === 'messages-stream') {
    // The same answer again, as Messages events (`max_tokens` is required, and above the answer's 200).
    const body = JSON.stringify({ model: target.chatModel, max_tokens: 1024, ...(target.addsSystemPrompt ? {} : { system: SYSTEM_PROMPT }), messages: [{ role: 'user', content: `Tell me about gateways ${marker}` }], stream: true });
    return { kind, url: new URL(`${target.baseUrl}/messages`), headers, body };
  }
  const user = kind === 'stream' ? `Tell me about gateways ${marker}` : 'Tell me about gateways';
  const messages = [...(target.addsSystemPrompt ? [] : [{ role: 'system', content: SYSTEM_PROMPT }]), { role: 'user', content: user }];
  const body = JSON.stringify({
    model: target.chatModel,
    messages,
    ...(kind === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
  return { kind, url: new URL(`${target.baseUrl}/chat/completions`), headers, body };
}
