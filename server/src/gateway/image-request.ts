import { z } from 'zod';
import type { Identity } from '../auth/identity.js';

/** The feature an image request gets when it names none. */
export const DEFAULT_IMAGE_FEATURE = 'image';
/** OpenAI's default size. */
export const DEFAULT_IMAGE_SIZE = '1024x1024';

/** `WIDTHxHEIGHT`, each side 64–4096 pixels (OpenAI's sizes and the larger ones image models take). */
export const imageSizeSchema = z
  .string()
  .regex(/^\d{2,4}x\d{2,4}$/, 'size must look like 1024x1024')
  .refine((size) => size.split('x').every((side) => Number(side) >= 64 && Number(side) <= 4096), 'each side of size must be 64 to 4096 pixels');

/** The qualities OpenAI's clients send: the gpt-image models' four, and DALL·E 3's `standard` and `hd`. */
export const IMAGE_QUALITIES = ['auto', 'low', 'medium', 'high', 'standard', 'hd'] as const;
export type ImageQuality = (typeof IMAGE_QUALITIES)[number];

/** The qualities OpenRouter's images API knows. */
export type OpenRouterImageQuality = 'auto' | 'low' | 'medium' | 'high';

/**
 * A quality in OpenRouter's words: DALL·E 3's `standard` and `hd` are its `medium` and `high`, as OpenRouter would not
 * know them.
 */
export function openRouterQuality(quality: ImageQuality): OpenRouterImageQuality {
  return quality === 'standard' ? 'medium' : quality === 'hd' ? 'high' : quality;
}

/** An image request after each protocol's parsing: what the core needs, in one shape. */
export interface ImageGenerationRequest {
  /** A feature name, or a raw model id where the project allows it. */
  model: string;
  prompt: string;
  n: number;
  size: string;
  /** In OpenRouter's words (`openRouterQuality`). */
  quality?: OpenRouterImageQuality;
  style?: 'vivid' | 'natural';
  /** The gpt-image models' options, sent as OpenRouter names them (its providers without the knob ignore them). */
  background?: 'auto' | 'transparent' | 'opaque';
  outputFormat?: 'png' | 'jpeg' | 'webp';
  outputCompression?: number;
  /** How the OpenAI route returns each image; InsForge's route always wants data URLs. */
  responseFormat: 'b64_json' | 'url';
  user?: string;
}

export interface GeneratedImage {
  base64: string;
  mediaType: string;
  /** Where the image is kept (a signed URL of the gateway's file store), when it was stored. */
  url?: string;
}

/**
 * Where `response_format: "url"` keeps generated images: the gateway's file store, which answers signed URLs. The
 * gateway wires it; without it, `url` gets data URLs.
 */
export interface GeneratedImageStore {
  /** Refuses (413) before anything is generated when the caller's stored files are at their cap already. */
  checkRoom(identity: Identity): Promise<void>;
  /** Keeps each image for the caller and answers its signed URL, in order. */
  save(identity: Identity, images: readonly GeneratedImage[], requestBase: string): Promise<string[]>;
}

/** What the upstream made, for a protocol to write. */
export interface GeneratedImages {
  created: number;
  /** The model that answered (a fallback when the first failed). */
  model: string;
  images: GeneratedImage[];
  /** The prompt sent upstream when the gateway changed it (a style suffix), else undefined. */
  revisedPrompt: string | undefined;
  /** OpenRouter's usage (`prompt_tokens`, `completion_tokens`, `cost`…). */
  usage: unknown;
}

/** What differs between the OpenAI route and InsForge's: how the body is read and the answer written. */
export interface ImageProtocol {
  toRequest(body: unknown): ImageGenerationRequest;
  toJson(result: GeneratedImages, request: ImageGenerationRequest): unknown;
}

// OpenRouter's images API has no `style`: a short suffix asks for it in words, as DALL·E 3 does internally.
export const STYLE_SUFFIX: Record<NonNullable<ImageGenerationRequest['style']>, string> = {
  vivid: 'Style: vivid (hyper-real, dramatic colour and lighting).',
  natural: 'Style: natural (realistic, subdued, not hyper-real).',
};

/** A data URL for an image: `data:image/png;base64,…`, what `url` holds when the image was not stored. */
export function imageDataUrl(image: GeneratedImage): string {
  return `data:${image.mediaType};base64,${image.base64}`;
}

/** OpenRouter's `POST /images` answer. */
export interface UpstreamImages {
  created?: number;
  data?: Array<{ b64_json?: string; media_type?: string }>;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown } | undefined;
}

