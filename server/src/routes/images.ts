import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { GatewayError, toGatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import { estimateImages } from '../gateway/quota-estimate.js';
import { abortOnDisconnect, postWithFallbacks } from '../gateway/upstream-json.js';
import type { Admission } from '../limits/quota-guard.js';
import { headerValue } from '../upstream/openrouter-client.js';
import { UpstreamFailure } from '../upstream/upstream-errors.js';
import { recordFailedCall, recordRequest, type RequestOutcome } from '../usage/record-request.js';
import { usageFigures } from '../upstream/usage-figures.js';
import { identityOf } from './identity-middleware.js';

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

/**
 * `POST /v1/images/generations` (and, with InsForge's protocol, `POST /api/ai/image/generation`): resolves the image
 * feature, sends OpenRouter's `POST /images` through retries and fallbacks, and records the images made. A client
 * that hangs up aborts the upstream call (OpenRouter bills nothing for an image it did not finish).
 */
export function imageGenerationHandler(context: GatewayContext, protocol: ImageProtocol = openAIImageProtocol): RequestHandler {
  return async (req: Request, res: Response) => {
    const identity = identityOf(res);
    const startedAt = performance.now();
    let attempts = 0;
    let feature: string | undefined;
    let requestedModel = typeof (req.body as { model?: unknown } | undefined)?.model === 'string' ? (req.body as { model: string }).model : DEFAULT_IMAGE_FEATURE;
    let request: ImageGenerationRequest | undefined;
    let admission: Admission | undefined;
    const record = (fields: Pick<RequestOutcome, 'status'> & Partial<RequestOutcome>) =>
      recordRequest(context, {
        admission,
        endpoint: 'images',
        identity,
        requestedModel,
        feature,
        streamed: false,
        startedAt,
        attempts,
        ...(request ? { imageResolution: request.size } : {}),
        ...fields,
      });

    let models: string[];
    let extra: Record<string, unknown> | undefined;
    let apiKey: string;
    try {
      request = protocol.toRequest(req.body);
      requestedModel = request.model;
      const target = await resolveTarget(context, identity, request.model, 'image');
      feature = target.isFeature ? target.feature.name : undefined;
      models = target.models;
      extra = target.feature.params.extra;
      apiKey = await context.upstreamKey(identity.projectId);
      admission = await context.quota.admit({ identity, feature }, await estimateImages(context, models, request.prompt, request.n, request.size));
      res.set(admission.headers);
    } catch (error) {
      record({ status: 'rejected', errorCode: toGatewayError(error).code });
      throw error;
    }

    const prompt = request.style ? `${request.prompt}\n\n${STYLE_SUFFIX[request.style]}` : request.prompt;
    const body: Record<string, unknown> = { prompt, n: request.n, size: request.size };
    if (request.quality) body['quality'] = request.quality;
    const endUser = identity.userId ?? request.user;
    if (endUser) body['user'] = endUser;
    Object.assign(body, extra);

    const connection = abortOnDisconnect(res);
    try {
      const { result: upstream, model, headers } = await postWithFallbacks<UpstreamImages>(context, {
        path: '/images',
        models,
        body,
        apiKey,
        signal: connection.signal,
        onAttempt: () => (attempts += 1),
        check: (parsed) => {
          if (!parsed.data?.length || parsed.data.some((image) => typeof image.b64_json !== 'string')) {
            throw new UpstreamFailure(new GatewayError('upstream_error', 'The model provider returned no image.'), false, true);
          }
        },
      });
      const generationId = headerValue(headers, 'x-generation-id');
      const result: GeneratedImages = {
        created: upstream.created ?? Math.floor(Date.now() / 1000),
        model,
        images: (upstream.data ?? []).map((image) => ({ base64: image.b64_json ?? '', mediaType: image.media_type ?? 'image/png' })),
        revisedPrompt: prompt === request.prompt ? undefined : prompt,
        usage: upstream.usage,
      };
      res.json(protocol.toJson(result, request));
      record({ status: 'ok', usage: upstream.usage, servedModel: model, generationId, imageCount: result.images.length });
    } catch (error) {
      recordFailedCall(connection.signal, record, error);
    } finally {
      connection.release();
    }
  };
}
