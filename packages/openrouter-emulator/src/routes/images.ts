import type { IncomingMessage, ServerResponse } from 'node:http';
import { bill, priceTokens } from '../billing.js';
import { pricesFor } from '../catalog/catalog.js';
import { providerPricing, providersForModel } from '../catalog/providers.js';
import type { CatalogModel } from '../catalog/types.js';
import { IMAGE_OUTPUT_TOKENS } from '../chat/plan.js';
import { attributionHeaders, authenticateInference, resolveScenario, type EmulatorContext } from '../context.js';
import { DEFAULT_OUTPUT_COMPRESSION, IMAGE_FORMATS, IMAGE_MEDIA_TYPES, encodeImage, type ImageFormat } from '../content/image-format.js';
import { parseImageSize, renderPixels, sizeForAspectRatio } from '../content/png.js';
import { countTokens } from '../content/tokens.js';
import { checkCredit, faultError, sendMalformed } from '../faults.js';
import { generationId, now } from '../generations.js';
import { EmulatorHttpError, errorTypeFor, readJsonBody, sendJson, sleep } from '../http.js';
import { ConnectionWatch } from '../pacing.js';

const MEGAPIXEL = 1024 * 1024;

/** Image tokens billed for one picture: 1,290 per megapixel, as Gemini bills a 1024×1024 image. */
export function imageTokensFor(width: number, height: number): number {
  return Math.ceil(((width * height) / MEGAPIXEL) * IMAGE_OUTPUT_TOKENS);
}

function imageModel(context: EmulatorContext, id: string): CatalogModel {
  const model = context.catalog.find(id);
  if (!model) throw new EmulatorHttpError(400, `${id} is not a valid model ID`);
  if (!model.architecture.output_modalities.includes('image')) throw new EmulatorHttpError(404, `No endpoints found for ${id} that can generate images.`);
  return context.catalog.routeTarget(model, true);
}

function imageSize(body: Record<string, unknown>): { width: number; height: number } {
  if (typeof body['size'] === 'string') {
    const size = parseImageSize(body['size']);
    if (!size) throw new EmulatorHttpError(400, `size must look like 1024x1024, got "${body['size']}"`, { param: 'size' });
    return size;
  }
  return sizeForAspectRatio(body['aspect_ratio'] as string | undefined, body['image_size'] as string | undefined);
}

/** The request's `output_format` (PNG when absent); a 400 for any other value. */
function outputFormat(body: Record<string, unknown>): ImageFormat {
  const format = body['output_format'];
  if (format === undefined || format === null) return 'png';
  const known = IMAGE_FORMATS.find((candidate) => candidate === format);
  if (!known) throw new EmulatorHttpError(400, `output_format must be one of ${IMAGE_FORMATS.join(', ')}`, { param: 'output_format' });
  return known;
}

/** The request's `output_compression`, an integer from 0 to 100 (100 when absent); a 400 otherwise. */
function outputCompression(body: Record<string, unknown>): number {
  const compression = body['output_compression'];
  if (compression === undefined || compression === null) return DEFAULT_OUTPUT_COMPRESSION;
  if (!Number.isInteger(compression) || (compression as number) < 0 || (compression as number) > 100) {
    throw new EmulatorHttpError(400, 'output_compression must be an integer from 0 to 100', { param: 'output_compression' });
  }
  return compression as number;
}

/**
 * `POST /api/v1/images`: real images of the requested size, PNG, JPEG or WebP as `output_format` asks, as JSON or
 * as `image_generation.*` events.
 * Billing is all-or-nothing: a failed or cancelled generation costs nothing.
 */
export async function handleImages(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const account = authenticateInference(context, req);
  const body = await readJsonBody(req);
  if (typeof body['model'] !== 'string') throw new EmulatorHttpError(400, 'model is required', { param: 'model' });
  if (typeof body['prompt'] !== 'string' || body['prompt'].trim() === '') throw new EmulatorHttpError(400, 'prompt is required', { param: 'prompt' });
  const prompt = body['prompt'];
  const { model: requested, scenario } = resolveScenario(context, req, 'images', body, body['model'], account);
  const model = imageModel(context, requested);
  const count = body['n'] ?? 1;
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 10) throw new EmulatorHttpError(400, 'n must be an integer from 1 to 10', { param: 'n' });
  const { width, height } = imageSize(body);
  const format = outputFormat(body);
  const compression = outputCompression(body);
  const mediaType = IMAGE_MEDIA_TYPES[format];
  const seed = Number.isInteger(body['seed']) ? (body['seed'] as number) : 0;
  const provider = scenario.provider ?? providersForModel(model.id)[0] ?? 'OpenAI';
  if (scenario.stallMs) await sleep(scenario.stallMs);
  if (scenario.failStatus) throw faultError(scenario.failStatus, model.id, provider, scenario.retryAfterSeconds, scenario);
  if (sendMalformed(res, scenario)) return;

  const promptTokens = countTokens(prompt, scenario.tokenizer);
  const imageTokens = imageTokensFor(width, height) * (count as number);
  const prices = pricesFor(providerPricing(model, provider), promptTokens);
  checkCredit(context.keys, account, { ...prices, completion: prices.imageOutput }, promptTokens, imageTokens);
  const counts = { promptTokens, completionTokens: imageTokens, reasoningTokens: 0, imageTokens };
  const id = generationId();
  const probe = context.generations.start({
    id,
    kind: 'images',
    requestedModel: requested,
    model: model.id,
    provider,
    keyLabel: account.label,
    user: typeof body['user'] === 'string' ? body['user'] : null,
    streamed: body['stream'] === true,
    request: body,
    headers: attributionHeaders(req),
    scenario: { ...scenario },
    promptTokens,
    plannedTokens: imageTokens,
  });
  const watch = new ConnectionWatch(res, probe, context.generations);
  const nothing = bill(prices, { promptTokens: 0, completionTokens: 0, reasoningTokens: 0, imageTokens: 0 });
  const delay = scenario.generationDelayMs ?? 0;
  const cost = priceTokens(prices, counts);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: imageTokens,
    total_tokens: promptTokens + imageTokens,
    cost: cost.cost,
    completion_tokens_details: { image_tokens: imageTokens },
  };
  const render = (index: number, progress = 1) => encodeImage(format, width, height, renderPixels({ prompt, width, height, seed: seed + index, progress }), compression).toString('base64');
  const perImageMs = scenario.ttftMs ?? 0;
  const created = Math.floor(Date.now() / 1000);

  if (body['stream'] !== true) {
    if (!(await watch.pause(perImageMs * (count as number)))) {
      context.generations.finish(probe, 'cancelled', nothing, delay);
      return;
    }
    if (scenario.errorAfter !== undefined || scenario.errorBody) {
      context.generations.finish(probe, 'failed', nothing, delay);
      throw new EmulatorHttpError(502, 'Provider returned error', { error_type: 'provider_unavailable', provider_name: provider }, { 'x-generation-id': id });
    }
    const data = Array.from({ length: count as number }, (_, index) => ({ b64_json: render(index), media_type: mediaType }));
    probe.tokensSent = imageTokens;
    probe.firstByteAt = now();
    sendJson(res, 200, { created, data, usage }, { 'x-generation-id': id });
    context.generations.finish(probe, 'completed', bill(prices, counts), delay);
    context.keys.charge(account, cost.cost);
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-generation-id': id });
  res.write(': OPENROUTER PROCESSING\n\n');
  const send = (type: string, payload: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  for (let index = 0; index < (count as number); index += 1) {
    if (index === scenario.errorAfter) {
      const code = scenario.errorCode ?? 502;
      send('error', { error: { code, message: 'Provider returned error', metadata: { error_type: errorTypeFor(code) } } });
      res.end('data: [DONE]\n\n');
      context.generations.finish(probe, 'failed', nothing, delay);
      return;
    }
    if (!(await watch.pause(perImageMs / 2))) break;
    send('image_generation.partial_image', { index, partial_image_index: 0, b64_json: render(index, 0.5), media_type: mediaType, created, size: `${width}x${height}` });
    probe.firstByteAt ??= now();
    if (!(await watch.pause(perImageMs / 2))) break;
    send('image_generation.completed', { index, b64_json: render(index), media_type: mediaType, created, size: `${width}x${height}`, ...(index === (count as number) - 1 ? { usage } : {}) });
    probe.tokensSent += imageTokensFor(width, height);
  }
  if (watch.closed) {
    context.generations.finish(probe, 'cancelled', nothing, delay);
    return;
  }
  res.end('data: [DONE]\n\n');
  context.generations.finish(probe, 'completed', bill(prices, counts), delay);
  context.keys.charge(account, cost.cost);
}
