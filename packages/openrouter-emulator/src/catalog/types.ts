/** A model as OpenRouter's `GET /models` lists it. Prices are strings, in USD per token. */
export interface CatalogModel {
  id: string;
  canonical_slug: string;
  hugging_face_id: string | null;
  name: string;
  created: number;
  description: string;
  context_length: number | null;
  architecture: {
    modality: string;
    input_modalities: string[];
    output_modalities: string[];
    tokenizer: string;
    instruct_type: string | null;
  };
  pricing: ModelPricing;
  top_provider: {
    context_length: number | null;
    max_completion_tokens: number | null;
    is_moderated: boolean;
  };
  per_request_limits: Record<string, unknown> | null;
  supported_parameters: string[];
  default_parameters: Record<string, unknown> | null;
  reasoning?: { mandatory?: boolean; default_enabled?: boolean } | null;
  [field: string]: unknown;
}

export interface ModelPricing {
  prompt: string;
  completion: string;
  /** USD per request answered, whatever its tokens. */
  request?: string;
  /** USD per input image, on top of its tokens. */
  image?: string;
  image_output?: string;
  internal_reasoning?: string;
  /** USD per input audio token. */
  audio?: string;
  /** USD per search on the model's own engine (a native web search). */
  web_search?: string;
  input_cache_read?: string;
  input_cache_write?: string;
  /** Tiers that replace the base prices once a prompt reaches `min_prompt_tokens`. */
  overrides?: Array<{ min_prompt_tokens?: number } & Partial<Record<'prompt' | 'completion' | 'image_output', string>>>;
  [field: string]: unknown;
}

/** Which listing a model belongs to: OpenRouter keeps embedding and image-only models out of `/models`. */
export type ModelKind = 'chat' | 'embedding' | 'image';
