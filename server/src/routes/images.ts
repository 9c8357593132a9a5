import type { Request, RequestHandler } from 'express';
import type { Identity } from '../auth/identity.js';
import { GatewayError, sendGatewayError } from '../errors.js';
import type { Feature } from '../features/feature.js';
import { canonicalBase64, imageTypeOf } from '../files/data-urls.js';
import type { GatewayContext } from '../gateway/context.js';
import type { MeteredRoute } from '../gateway/metered-request.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import { estimateImages } from '../gateway/quota-estimate.js';
import { postWithFallbacks } from '../gateway/upstream-json.js';
import { sendJson } from '../plain-http.js';
import { headerValue } from '../upstream/openrouter-client.js';
import { UpstreamFailure } from '../upstream/upstream-errors.js';
import { DEFAULT_IMAGE_FEATURE, STYLE_SUFFIX, type GeneratedImage, type GeneratedImages, type GeneratedImageStore, type ImageGenerationRequest, type ImageProtocol, type UpstreamImages } from '../gateway/image-request.js';
import { requestBaseUrl } from './files.js';
import { openAIImageProtocol } from './image-protocols.js';
import { meteredHandler, modelFieldOf } from './metered-handler.js';

/** What an image request sends, once its feature is resolved. */
interface ImagePlan {
  request: ImageGenerationRequest;
  models: string[];
  body: Record<string, unknown>;
  prompt: string;
  apiKey: string;
  feature: Feature | undefined;
  /** Where signed URLs point, when the images are to be stored. */
  storeAt: string | undefined;
}

/**
 * Image generation in the metered lifecycle, for one protocol. With `storage`, `response_format: "url"` keeps the
 * images in the gateway's file store and answers signed URLs (data URLs when they cannot be kept: an image already
 * paid for is never lost).
 */
export function imageRoute(context: GatewayContext, protocol: ImageProtocol, storage?: GeneratedImageStore): MeteredRoute<ImagePlan, Request> {
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
      if (request.background) body['background'] = request.background;
      if (request.outputFormat) body['output_format'] = request.outputFormat;
      if (request.outputCompression !== undefined) body['output_compression'] = request.outputCompression;
      const endUser = meter.identity.userId ?? request.user;
      if (endUser) body['user'] = endUser;
      Object.assign(body, target.feature.params.extra);
      const stored = storage !== undefined && request.responseFormat === 'url';
      // A caller whose files are at their cap learns it before paying for images that could not be kept.
      if (stored) await storage.checkRoom(meter.identity);
      return { request, models: target.models, body, prompt, apiKey: await context.upstreamKey(meter.identity.projectId), feature: target.isFeature ? target.feature : undefined, storeAt: stored ? requestBaseUrl(req) : undefined };
    },
    // What is sent: the prompt with its style suffix, and the count and size a feature's extras may set instead.
    estimate: (plan) => estimateImages(context, plan.models, sentText(plan.body['prompt'], plan.prompt), sentCount(plan.body['n'], plan.request.n), sentText(plan.body['size'], plan.request.size), plan.feature?.guardrails),
    async forward(plan, meter, res) {
      const { result: upstream, model, headers } = await postWithFallbacks<UpstreamImages>(context, {
        path: '/images',
        models: plan.models,
        body: plan.body,
        apiKey: plan.apiKey,
        signal: meter.signal,
        meter,
        observer: meter.observer.attempts,
        // An answer without a single image is worth the next fallback, unless the provider billed it: then it is read
        // below (a 502 that keeps its cost), as a second generation would be billed too and this one's cost lost.
        check: (parsed) => {
          if (!parsed.data?.some((image) => typeof image?.b64_json === 'string') && !billed(parsed.usage)) {
            throw new UpstreamFailure(new GatewayError('upstream_error', 'The model provider returned no image.'), false, true);
          }
        },
      });
      const generationId = headerValue(headers, 'x-generation-id');
      const sent = upstream.data ?? [];
      const images = sent.flatMap((image) => readImage(image) ?? []);
      if (images.length < sent.length) context.logger.warn('the model provider sent images the gateway cannot read', { model, unreadable: sent.length - images.length, of: sent.length, requestId: meter.requestId });
      // Of several images the readable ones are answered: the provider billed them all, both protocols carry any
      // count (InsForge's says it), and an unreadable one was never a picture to give. None readable is a 502, as for
      // any answer the gateway cannot read, with the cost the provider reported kept in the record; it is not sent to
      // the next model, which would bill a second generation and lose this one's cost from the record.
      if (images.length === 0) {
        sendGatewayError(res, new GatewayError('upstream_error', 'The model provider sent an answer the gateway cannot read.'));
        return { status: 'error', errorCode: 'upstream_error', usage: upstream.usage, servedModel: model, generationId };
      }
      const result: GeneratedImages = {
        created: typeof upstream.created === 'number' ? upstream.created : Math.floor(Date.now() / 1000),
        model,
        images,
        revisedPrompt: plan.prompt === plan.request.prompt ? undefined : plan.prompt,
        usage: upstream.usage,
      };
      if (storage && plan.storeAt !== undefined) await keepImages(context, storage, meter.identity, result, plan.storeAt);
      sendJson(res, 200, protocol.toJson(result, plan.request));
      return { status: 'ok', usage: upstream.usage, servedModel: model, generationId, imageCount: result.images.length };
    },
    exchange: {
      outgoing: (plan) => ({ kind: 'images', feature: plan.feature, models: plan.models, body: plan.body, apiKey: plan.apiKey }),
    },
  };
}

/** A text field as sent: the body's (a feature's extras may set it), else what the request asked for. */
const sentText = (sent: unknown, asked: string) => (typeof sent === 'string' ? sent : asked);
/** The image count as sent: the body's when a whole number (a feature's extras may set it), else the request's. */
const sentCount = (sent: unknown, asked: number) => (typeof sent === 'number' && Number.isInteger(sent) && sent > 0 ? sent : asked);

/** Whether an answer's usage says the provider charged for it. */
function billed(usage: UpstreamImages['usage']): boolean {
  const cost = (usage as { cost?: unknown } | undefined)?.cost;
  return typeof cost === 'number' && cost > 0;
}

/**
 * One image of OpenRouter's answer as the gateway gives it on, or undefined when it cannot be read: its `b64_json` must
 * be canonical base64 (Node would decode junk to a few bytes or none) of bytes that are a picture the gateway
 * recognises. Its type is what the bytes are: the provider's `media_type` is only a claim, and its text (a CRLF, a
 * wrong type) would otherwise land in a data URL and in a stored file's Content-Type.
 */
function readImage(image: NonNullable<UpstreamImages['data']>[number] | null): GeneratedImage | undefined {
  if (typeof image?.b64_json !== 'string') return undefined;
  const bytes = canonicalBase64(image.b64_json);
  const mediaType = bytes && imageTypeOf(bytes);
  return mediaType ? { base64: image.b64_json, mediaType } : undefined;
}

/** Stores generated images and gives each its signed URL; on any failure they stay data URLs (and the log says why). */
async function keepImages(context: GatewayContext, storage: GeneratedImageStore, identity: Identity, result: GeneratedImages, base: string): Promise<void> {
  try {
    const urls = await storage.save(identity, result.images, base);
    result.images = result.images.map((image, index) => {
      const url = urls[index];
      return url === undefined ? image : { ...image, url };
    });
  } catch (error) {
    context.logger.warn('generated images could not be kept in the file store; answering data URLs', { error, projectId: identity.projectId });
  }
}

/**
 * `POST /v1/images/generations` (and, with InsForge's protocol, `POST /api/ai/image/generation`): resolves the image
 * feature, sends OpenRouter's `POST /images` through retries and fallbacks, and records the images made. A client
 * that hangs up aborts the upstream call (OpenRouter bills nothing for an image it did not finish).
 */
export function imageGenerationHandler(context: GatewayContext, protocol: ImageProtocol = openAIImageProtocol, storage?: GeneratedImageStore): RequestHandler {
  return meteredHandler(context.lifecycle, imageRoute(context, protocol, storage));
}
