import type { FeatureAccepts } from '@insforge/ai-protocol';
import type { ReasoningDetail } from './message-parts.js';

// OpenAI's chat, images and models wire shapes as the gateway sends them (OpenRouter's extensions included),
// written by hand: the client validates nothing at run time and reads every field defensively.

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImageUrlPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

/** A PDF (or another document) as OpenRouter takes it: a data URL in `file_data`. */
export interface FileContentPart {
  type: 'file';
  file: { filename?: string; file_data: string };
}

/** Audio as OpenAI and OpenRouter take it: base64 without the data-URL prefix, and its format. */
export interface InputAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: string };
}

export type ContentPart = TextPart | ImageUrlPart | FileContentPart | InputAudioPart;

/** A web source cited by an answer (OpenRouter's web search). */
export interface UrlCitationAnnotation {
  type: 'url_citation';
  url_citation: { url: string; title?: string; content?: string; start_index?: number; end_index?: number };
}

export interface ToolCallParam {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message of a chat request. */
export interface ChatMessageParam {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCallParam[];
  tool_call_id?: string;
  /** An assistant turn's reasoning, sent back exactly as it came: reasoning models refuse a continuation without it. */
  reasoning_details?: ReasoningDetail[];
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** One of OpenRouter's server tools (`openrouter:web_search`…): OpenRouter runs it, where the feature allows it. */
export interface ServerToolDefinition {
  type: `openrouter:${string}`;
  parameters?: Record<string, unknown>;
}

/** `POST /v1/chat/completions`: `model` names a feature (e.g. "chat") or, where allowed, a model id. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessageParam[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  stop?: string | string[];
  seed?: number;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; [field: string]: unknown };
  tools?: Array<ToolDefinition | ServerToolDefinition>;
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };
  /** OpenRouter's reasoning: an effort (which ones a model takes is in its `reasoning.supported_efforts`) or a token budget. */
  reasoning?: { effort?: 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'; max_tokens?: number; exclude?: boolean; enabled?: boolean };
  modalities?: Array<'text' | 'image'>;
  user?: string;
  /** Any other OpenAI or OpenRouter parameter, sent as given. */
  [parameter: string]: unknown;
}

/** OpenAI's usage, with OpenRouter's `cost` (USD) and token details. */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; image_tokens?: number };
  /** OpenRouter's server tools that ran upstream (web search); some responses name it `server_tool_use`. */
  server_tool_use_details?: ServerToolUse;
  server_tool_use?: ServerToolUse;
}

/** What OpenRouter's server tools did for one answer; the stream reports nothing else about them. */
export interface ServerToolUse {
  web_search_requests?: number;
  tool_calls_requested?: number;
  tool_calls_executed?: number;
}

export interface GeneratedImagePart {
  type: 'image_url';
  image_url: { url: string };
  index?: number;
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCallParam[];
  images?: GeneratedImagePart[];
  reasoning_details?: ReasoningDetail[];
  annotations?: UrlCitationAnnotation[];
}

/** A non-streamed answer: the real model and provider, and the usage with its cost. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  provider?: string;
  choices: Array<{ index: number; message: ChatCompletionMessage; finish_reason: string | null; native_finish_reason?: string | null }>;
  usage?: CompletionUsage;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionDelta {
  role?: 'assistant';
  content?: string | null;
  /** OpenRouter's reasoning text; some servers call it `reasoning_content`. */
  reasoning?: string | null;
  reasoning_content?: string | null;
  tool_calls?: ToolCallDelta[];
  images?: GeneratedImagePart[];
  /** Pieces of OpenRouter's `reasoning_details`, merged by `index`. */
  reasoning_details?: ReasoningDetail[];
  annotations?: UrlCitationAnnotation[];
}

/**
 * One streamed chunk. Usage arrives in one of two forms: a chunk with one empty choice plus `usage` (OpenRouter),
 * or `choices: []` plus `usage` (OpenAI, and the gateway).
 */
export interface ChatCompletionChunk {
  id?: string;
  object?: 'chat.completion.chunk';
  created?: number;
  model?: string;
  provider?: string;
  choices: Array<{
    index: number;
    delta: ChatCompletionDelta;
    finish_reason: string | null;
    native_finish_reason?: string | null;
    /** Some OpenAI-compatible servers repeat the final message's `annotations` on the last chunk. */
    message?: { annotations?: UrlCitationAnnotation[] };
  }>;
  usage?: CompletionUsage | null;
  /** OpenRouter's in-chunk error (`finish_reason: "error"`). */
  error?: { code?: number | string; message?: string };
}

/** What `images.generate` takes: the feature (default "image") and OpenAI's image parameters. */
export interface ImageGenerationParams {
  feature?: string;
  prompt: string;
  /** `WIDTHxHEIGHT`, e.g. "1024x1024". */
  size?: string;
  quality?: 'standard' | 'hd';
  /** 1 to 4 images. */
  n?: number;
  style?: 'vivid' | 'natural';
}

export interface GeneratedImage {
  /** A `data:` URL (or the server's URL), ready for `<img src>`. */
  url: string;
  revisedPrompt?: string;
}

export interface ImageGenerationResult {
  created: number;
  /** The model that drew the images (a fallback when the first failed). */
  model?: string;
  images: GeneratedImage[];
  usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
}

/** Prices in USD per million tokens (or per image / request), from the catalog's per-token strings. */
export interface ModelPricing {
  promptPerMillion?: number;
  completionPerMillion?: number;
  perImage?: number;
  perRequest?: number;
}

/** A model or feature as a picker shows it, whichever route it came from. */
export interface ModelEntry {
  /** The name to send as `model`: a feature name, or an OpenRouter model id. */
  id: string;
  /** `feature` from `/v1/models`, `model` from the admin catalog (`/api/ai/models`). */
  kind: 'feature' | 'model';
  name: string;
  /** The company behind the model (`openai` in `openai/gpt-4o-mini`). */
  provider: string;
  /** The OpenRouter model that answers (a feature's first choice). */
  model: string;
  modalities: Array<'text' | 'image' | 'embedding'>;
  inputModalities: string[];
  outputModalities: string[];
  contextLength?: number;
  maxOutputTokens?: number;
  pricing: ModelPricing;
  supportedParameters: string[];
  fallbackModels?: string[];
  /** What a feature takes beyond parameters (attachments by kind, server tools), so a UI can check before sending. */
  accepts?: FeatureAccepts;
}

export interface ModelListQuery {
  modality?: 'text' | 'image' | 'embedding';
  /** `auto` (default): the admin catalog, else the caller's features when that is refused or missing. */
  source?: 'auto' | 'catalog' | 'features';
}
