import type { RequestHandler } from 'express';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import type { MeteredRoute } from '../gateway/metered-request.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import { estimateImages } from '../gateway/quota-estimate.js';
import { postWithFallbacks } from '../gateway/upstream-json.js';
import { headerValue } from '../upstream/openrouter-client.js';
import { UpstreamFailure } from '../upstream/upstream-errors.js';
import { usageFigures } from '../upstream/usage-figures.js';
import { meteredHandler, modelFieldOf } from './metered-handler.js';

/** The feature an image request gets when it names none. */
export const DEFAULT_IMAGE_FEATURE = 'image';
/** OpenAI's default size. */
export const DEFAULT_IMAGE_SIZE = '1024x1024';

/** `WIDTHxHEIGHT`, each side 64–4096 pixels (OpenAI's sizes and the larger ones image models take). */
export const imageSizeSchema = z
  .string()
  .regex(/^\d{2,4}x\d{2,4}$/, 'size must look like 1024x1024')
  .refine((size) => size.split('x').every((side) => Number(side) >= 64 && Number(side) <= 4096), 'each side of size must be 64 to 4096 pixels');

/** OpenAI's images request; fields not named here never reach OpenRouter. */
export const imageGenerationSchema = z.object({
  prompt: z.string().trim().min(1, 'prompt is required').max(32_000),
  model: z.string().min(1).nullish(),
  n: z.number().int().min(1).max(4).nullish(),
  size: imageSizeSchema.nullish(),
  quality: z.enum(['standard', 'hd']).nullish(),
  style: z.enum(['vivid', 'natural']).nullish(),
  response_format: z.enum(['b64_json', 'url']).nullish(),
  user: z.string().max(256).nullish(),
});

/** An image request after each protocol's parsing: what the core needs, in one shape. */
export interface ImageGenerationRequest {
  /** A feature name, or a raw model id where the project allows it. */
  model: string;
  prompt: string;
  n: number;
  size: string;
  quality?: 'standard' | 'hd';
  style?: 'vivid' | 'natural';
  /** How the OpenAI route returns each image; InsForge's route always wants data URLs. */
  responseFormat: 'b64_json' | 'url';
  user?: string;
}

export interface GeneratedImage {
  base64: string;
  mediaType: string;
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
const STYLE_SUFFIX: Record<NonNullable<ImageGenerationRequest['style']>, string> = {
  vivid: 'Style: vivid (hyper-real, dramatic colour and lighting).',
  natural: 'Style: natural (realistic, subdued, not hyper-real).',
};

/**
 * A data URL for an image: the gateway stores no files, so `response_format: "url"` gets the picture inline as
 * `data:image/png;base64,…` rather than a link to somewhere.
 */
export function imageDataUrl(image: GeneratedImage): string {
  return `data:${image.mediaType};base64,${image.base64}`;
}

export const openAIImageProtocol: ImageProtocol = {
  toRequest(body) {
    const parsed = parseRequest(imageGenerationSchema, body);
    const request: ImageGenerationRequest = {
      model: parsed.model ?? DEFAULT_IMAGE_FEATURE,
      prompt: parsed.prompt,
      n: parsed.n ?? 1,
      size: parsed.size ?? DEFAULT_IMAGE_SIZE,
      responseFormat: parsed.response_format ?? 'b64_json',
    };
    if (parsed.quality) request.quality = parsed.quality;
    if (parsed.style) request.style = parsed.style;
    if (parsed.user) request.user = parsed.user;
    return request;
  },
  toJson(result, request) {
    const revised = result.revisedPrompt === undefined ? {} : { revised_prompt: result.revisedPrompt };
    const figures = usageFigures(result.usage);
    const usage = {
      input_tokens: figures.promptTokens,
      output_tokens: figures.completionTokens,
      total_tokens: figures.promptTokens + figures.completionTokens,
      input_tokens_details: { text_tokens: figures.promptTokens, image_tokens: 0 },
      ...(figures.costUsd === undefined ? {} : { cost: figures.costUsd }),
    };
    return {
      created: result.created,
      data: result.images.map((image) => (request.responseFormat === 'url' ? { url: imageDataUrl(image), ...revised } : { b64_json: image.base64, ...revised })),
      // Extensions, as on chat completions: the real model, and OpenRouter's cost beside OpenAI's usage fields.
      model: result.model,
      ...(result.usage === undefined ? {} : { usage }),
    };
  },
};

/** OpenRouter's `POST /images` answer. */
interface UpstreamImages {
  created?: number;
  data?: Array<{ b64_json?: string; media_type?: string }>;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown } | undefined;
}

/** What an image request sends, once its feature is resolved. */
interface ImagePlan {
  request: ImageGenerationRequest;
  models: string[];
  body: Record<string, unknown>;
  prompt: string;
  apiKey: string;
}

/** Image generation in the metered lifecycle, for one protocol. */
export function imageRoute(context: GatewayContext, protocol: ImageProtocol): MeteredRoute<ImagePlan> {
  return {
    endpoint: 'images',
    async plan(req, meter) {
      meter.requestedModel = modelFieldOf(req.body, DEFAULT_IMAGE_FEATURE);
      const request = protocol.toRequest(req.body);
      meter.requestedModel = request.model;
      meter.imageResolution = request.size;
      const target = await resolveTarget(context, meter.identity, request.model, 'image');
      meter.feature = target.isFeature ? target.feature.name : undefined;
      const prompt = request.style ? `${request.prompt}\n\n${STYLE_SUFFIX[request.style]}` : request.prompt;
      const body: Record<string, unknown> = { prompt, n: request.n, size: request.size };
      if (request.quality) body['quality'] = request.quality;
      const endUser = meter.identity.userId ?? request.user;
      if (endUser) body['user'] = endUser;
      Object.assign(body, target.feature.params.extra);
      return { request, models: target.models, body, prompt, apiKey: await context.upstreamKey(meter.identity.projectId) };
    },
    estimate: (plan) => estimateImages(context, plan.models, plan.request.prompt, plan.request.n, plan.request.size),
    async forward(plan, meter, res) {
      const { result: upstream, model, headers } = await postWithFallbacks<UpstreamImages>(context, {
        path: '/images',
        models: plan.models,
        body: plan.body,
        apiKey: plan.apiKey,
        signal: meter.signal,
        onAttempt: () => meter.attempt(),
        check: (parsed) => {
          if (!parsed.data?.length || parsed.data.some((image) => typeof image?.b64_json !== 'string')) {
            throw new UpstreamFailure(new GatewayError('upstream_error', 'The model provider returned no image.'), false, true);
          }
        },
      });
      const result: GeneratedImages = {
        created: typeof upstream.created === 'number' ? upstream.created : Math.floor(Date.now() / 1000),
        model,
        images: (upstream.data ?? []).map((image) => ({ base64: image.b64_json ?? '', mediaType: typeof image.media_type === 'string' ? image.media_type : 'image/png' })),
        revisedPrompt: plan.prompt === plan.request.prompt ? undefined : plan.prompt,
        usage: upstream.usage,
      };
      res.json(protocol.toJson(result, plan.request));
      return { status: 'ok', usage: upstream.usage, servedModel: model, generationId: headerValue(headers, 'x-generation-id'), imageCount: result.images.length };
    },
  };
}

/**
 * `POST /v1/images/generations` (and, with InsForge's protocol, `POST /api/ai/image/generation`): resolves the image
 * feature, sends OpenRouter's `POST /images` through retries and fallbacks, and records the images made. A client
 * that hangs up aborts the upstream call (OpenRouter bills nothing for an image it did not finish).
 */
export function imageGenerationHandler(context: GatewayContext, protocol: ImageProtocol = openAIImageProtocol): RequestHandler {
  return meteredHandler(context.lifecycle, imageRoute(context, protocol));
}
