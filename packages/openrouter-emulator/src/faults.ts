import type { ServerResponse } from 'node:http';
import type { TokenPrices } from './catalog/catalog.js';
import { EmulatorHttpError, errorTypeFor } from './http.js';
import type { KeyAccount, KeyRegistry } from './keys.js';
import { errorMessage, type Scenario } from './scenario.js';

const MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'User not found.',
  402: 'Insufficient credits. Add more using https://openrouter.ai/credits',
  404: 'No endpoints found for this model.',
  408: 'Request timed out',
  413: 'Request entity too large',
  422: 'Unprocessable entity',
  429: 'Provider returned error',
  500: 'Internal Server Error',
  502: 'Provider returned error',
  503: 'No available providers could handle the request',
  524: 'Provider timed out',
  529: 'Provider overloaded',
};

/** The error a `status=` scenario answers with, shaped like OpenRouter's for that status. */
export function faultError(status: number, model: string, provider: string, retryAfterSeconds: number | undefined, scenario: Scenario = {}): EmulatorHttpError {
  if (status === 403) return moderationError(model, provider, '');
  const message = errorMessage(MESSAGES[status] ?? `Error ${status}`, scenario);
  const headers: Record<string, string> = {};
  const metadata: Record<string, unknown> = { error_type: errorTypeFor(status) };
  if (status === 429) {
    const retry = retryAfterSeconds ?? 1;
    const rateHeaders = {
      'Retry-After': String(retry),
      'X-RateLimit-Limit': '20',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Date.now() + retry * 1000),
    };
    Object.assign(headers, rateHeaders);
    Object.assign(metadata, {
      raw: `${model} is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations`,
      provider_name: provider,
      retry_after_seconds: retry,
      headers: rateHeaders,
    });
  } else if (status === 502 || status === 529 || status === 524) {
    Object.assign(metadata, { raw: `${provider} returned an error for ${model}`, provider_name: provider });
  }
  if (status === 503 && retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return new EmulatorHttpError(status, message, metadata, headers);
}

/** The 403 of a moderated model whose input was flagged. */
export function moderationError(model: string, provider: string, flaggedInput: string): EmulatorHttpError {
  return new EmulatorHttpError(
    403,
    `${model} requires moderation on ${provider}. Your input was flagged for "harassment". No credits were charged.`,
    { reasons: ['harassment'], flagged_input: flaggedInput.slice(0, 100), provider_name: provider, model_slug: model },
  );
}

/**
 * OpenRouter reserves credit for the whole `max_tokens` before it starts: a key without credit gets a 402, and
 * so does a request whose worst case the remaining credit cannot cover.
 */
export function checkCredit(keys: KeyRegistry, account: KeyAccount, prices: TokenPrices, promptTokens: number, maxTokens: number): void {
  if (account.limit === null || (prices.prompt === 0 && prices.completion === 0)) return;
  const remaining = keys.remaining(account);
  if (remaining <= 0) throw new EmulatorHttpError(402, MESSAGES[402] as string);
  const promptCost = promptTokens * prices.prompt + prices.request;
  if (promptCost + maxTokens * prices.completion <= remaining) return;
  const affordable = Math.max(0, Math.floor((remaining - promptCost) / (prices.completion || Infinity)));
  throw new EmulatorHttpError(
    402,
    `This request requires more credits, or fewer max_tokens. You requested up to ${maxTokens} tokens, but can only afford ${affordable}. To increase, visit https://openrouter.ai/settings/credits and add more credits`,
  );
}

const MALFORMED_BODIES: Record<NonNullable<Scenario['malformed']>, string> = { object: '{}', array: '[1,2,3]', null: 'null', text: 'upstream says hello' };

/** Answers a JSON request with a 200 whose body is not OpenRouter's (the `malformed=` knob); true when it did. */
export function sendMalformed(res: ServerResponse, scenario: Scenario): boolean {
  if (!scenario.malformed || res.headersSent) return false;
  const text = MALFORMED_BODIES[scenario.malformed];
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}
