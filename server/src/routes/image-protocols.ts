import { z } from 'zod';
import { parseRequest } from '../gateway/chat-request.js';
import { DEFAULT_IMAGE_FEATURE, DEFAULT_IMAGE_SIZE, IMAGE_QUALITIES, imageDataUrl, imageSizeSchema, openRouterQuality, type ImageGenerationRequest, type ImageProtocol } from '../gateway/image-request.js';
import { usageFigures } from '../upstream/usage-figures.js';

/**
 * OpenAI's images request. Each field is sent to OpenRouter in its words or refused, never dropped: a field not
 * named here is refused with a 400 naming it (an image generated without it would be billed all the same).
 */
export const imageGenerationSchema = z
  .object({
    prompt: z.string().trim().min(1, 'prompt is required').max(32_000),
    model: z.string().min(1).nullish(),
    n: z.number().int().min(1).max(4).nullish(),
    size: imageSizeSchema.nullish(),
    quality: z.enum(IMAGE_QUALITIES).nullish(),
    style: z.enum(['vivid', 'natural']).nullish(),
    background: z.enum(['auto', 'transparent', 'opaque']).nullish(),
    // The formats the gateway can read back (SVG, which some OpenRouter models draw, is not a picture it gives).
    output_format: z.enum(['png', 'jpeg', 'webp']).nullish(),
    output_compression: z.number().int().min(0).max(100).nullish(),
    // OpenRouter's images API has no moderation setting: only the default can be honoured.
    moderation: z.literal('auto', { error: 'OpenRouter takes no moderation setting for images; leave moderation out or send "auto"' }).nullish(),
    response_format: z.enum(['b64_json', 'url']).nullish(),
    user: z.string().max(256).nullish(),
    // Refused, not dropped: the openai SDK reads an answer to `stream: true` as events, and a JSON body as none at all
    // (an image billed, and nothing to show for it).
    stream: z.literal(false, { error: 'the gateway answers images as one JSON body; leave stream out or send false' }).nullish(),
    partial_images: z.literal(0, { error: 'partial images come only in a stream, which the gateway does not send; leave partial_images out' }).nullish(),
  })
  .strict();

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
    if (parsed.quality) request.quality = openRouterQuality(parsed.quality);
    if (parsed.style) request.style = parsed.style;
    if (parsed.background) request.background = parsed.background;
    if (parsed.output_format) request.outputFormat = parsed.output_format;
    if (typeof parsed.output_compression === 'number') request.outputCompression = parsed.output_compression;
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
      data: result.images.map((image) => (request.responseFormat === 'url' ? { url: image.url ?? imageDataUrl(image), ...revised } : { b64_json: image.base64, ...revised })),
      // Extensions, as on chat completions: the real model, and OpenRouter's cost beside OpenAI's usage fields.
      model: result.model,
      ...(result.usage === undefined ? {} : { usage }),
    };
  },
};

/**
 * `POST /api/ai/image/generation`. A field not named here (the reference `images` InsForge's SDK can send) is refused
 * with a 400 naming it: an image made without it would be billed all the same.
 */
export const insforgeImageSchema = z.strictObject({
  model: z.string().min(1).optional(),
  prompt: z.string().trim().min(1, 'prompt is required').max(32_000),
  size: imageSizeSchema.optional(),
  quality: z.enum(['standard', 'hd']).optional(),
  numImages: z.number().int().min(1).max(4).optional(),
  style: z.enum(['vivid', 'natural']).optional(),
});

/** InsForge's images: `numImages` in, `{model, images:[{type:'imageUrl', imageUrl}], count, usage}` out. */
export const insforgeImageProtocol: ImageProtocol = {
  toRequest(body) {
    const parsed = parseRequest(insforgeImageSchema, body);
    const request: ImageGenerationRequest = {
      model: parsed.model ?? DEFAULT_IMAGE_FEATURE,
      prompt: parsed.prompt,
      n: parsed.numImages ?? 1,
      size: parsed.size ?? DEFAULT_IMAGE_SIZE,
      responseFormat: 'url',
    };
    if (parsed.quality) request.quality = openRouterQuality(parsed.quality);
    if (parsed.style) request.style = parsed.style;
    return request;
  },
  toJson(result) {
    const figures = usageFigures(result.usage);
    return {
      model: result.model,
      // Data URLs: only the OpenAI route's `response_format: "url"` keeps images in the file store.
      images: result.images.map((image) => ({ type: 'imageUrl', imageUrl: imageDataUrl(image) })),
      count: result.images.length,
      usage: {
        promptTokens: figures.promptTokens,
        completionTokens: figures.completionTokens,
        totalTokens: figures.promptTokens + figures.completionTokens,
        imageCount: result.images.length,
        ...(figures.costUsd === undefined ? {} : { cost: figures.costUsd }),
      },
    };
  },
};

