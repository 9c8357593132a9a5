import type { GeneratedImage, ImageGenerationParams, ImageGenerationResult } from './chat-types.js';
import { requestJson, type RequestOptions, type Transport } from './http-transport.js';
import { isRecord } from './json-records.js';

/** Image generation (`POST /v1/images/generations`). */
export interface ImagesApi {
  generate(params: ImageGenerationParams, options?: RequestOptions): Promise<ImageGenerationResult>;
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

/** The answer read as untrusted: an item without a string URL or base64 is left out, a field of the wrong type ignored. */
function toImages(answer: ImagesResponse | null | undefined): ImageGenerationResult {
  // An empty body, or JSON that is no object: no images.
  const response: ImagesResponse = isRecord(answer) ? answer : {};
  const images = (Array.isArray(response.data) ? response.data : []).flatMap((item): GeneratedImage[] => {
    if (!isRecord(item)) return [];
    const url = typeof item.url === 'string' && item.url ? item.url : typeof item.b64_json === 'string' && item.b64_json ? `data:${mediaTypeOf(item.b64_json)};base64,${item.b64_json}` : undefined;
    if (!url) return [];
    return [typeof item.revised_prompt === 'string' && item.revised_prompt ? { url, revisedPrompt: item.revised_prompt } : { url }];
  });
  const result: ImageGenerationResult = { created: typeof response.created === 'number' ? response.created : Math.floor(Date.now() / 1000), images };
  if (typeof response.model === 'string' && response.model) result.model = response.model;
  if (isRecord(response.usage)) {
    const tokens = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
    result.usage = { inputTokens: tokens(response.usage.input_tokens), outputTokens: tokens(response.usage.output_tokens) };
    if (typeof response.usage.cost === 'number') result.usage.costUsd = response.usage.cost;
  }
  return result;
}

/**
 * The image routes, each a typed call.
 * @example
 * const { images } = await createImagesApi(transport).generate({ prompt: 'A lighthouse at dusk' });
 */
export function createImagesApi(transport: Transport): ImagesApi {
  return {
    async generate({ feature, prompt, size, quality, n, style }, { signal } = {}) {
      // b64_json rather than a URL: OpenAI's URLs expire within the hour, and a stored conversation keeps images.
      const body = { model: feature ?? 'image', prompt, size, quality, n, style, response_format: 'b64_json' };
      return toImages(await requestJson<ImagesResponse>(transport, '/v1/images/generations', { body, signal }));
    },
  };
}
