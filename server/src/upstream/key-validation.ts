import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { UpstreamTransportError, type OpenRouterClient, type UpstreamResponse } from './openrouter-client.js';
import { SentKey } from './sent-key.js';

/** What OpenRouter's `GET /key` says about a key; amounts in USD, null when unlimited or not reported. */
export interface KeyFacts {
  label: string | null;
  limit: number | null;
  limitRemaining: number | null;
  usage: number | null;
  isFreeTier: boolean;
}

const nullableNumber = z.number().nullish().transform((value) => value ?? null);

const KeyResponse = z.object({
  data: z.object({
    label: z.string().nullish().transform((value) => value ?? null),
    limit: nullableNumber,
    limit_remaining: nullableNumber,
    usage: nullableNumber,
    is_free_tier: z.boolean().nullish().transform((value) => value ?? false),
  }),
});

/**
 * Asks OpenRouter about a candidate key with `GET /key`: its facts when valid, `invalid_provider_key` when OpenRouter
 * rejects it, `upstream_error`/`upstream_timeout` when OpenRouter cannot say. No message mentions the key.
 *
 * @example
 * const facts = await validateOpenRouterKey(context.upstream, body.key); // { label, limit, limitRemaining, … }
 */
export async function validateOpenRouterKey(client: OpenRouterClient, key: string): Promise<KeyFacts> {
  let response: UpstreamResponse;
  try {
    response = await client.send('/key', { method: 'GET', apiKey: key });
  } catch (error) {
    if (error instanceof UpstreamTransportError && error.kind === 'timeout') {
      throw new GatewayError('upstream_timeout', 'OpenRouter did not answer in time, so the key could not be checked. Try again.', { cause: error });
    }
    throw new GatewayError('upstream_error', 'OpenRouter could not be reached, so the key could not be checked. Try again.', { cause: error });
  }
  if (response.status !== 200) {
    await response.body.dump();
    if (response.status === 401 || response.status === 403) {
      throw new GatewayError('invalid_provider_key', 'OpenRouter rejected this key: check that it was copied whole and is not disabled.');
    }
    throw new GatewayError('upstream_error', `OpenRouter could not check the key right now (it answered ${response.status}). Try again shortly.`);
  }
  const parsed = KeyResponse.safeParse(await response.body.json().catch(() => undefined));
  if (!parsed.success) throw new GatewayError('upstream_error', 'OpenRouter answered the key check with a response the gateway does not understand.');
  const { data } = parsed.data;
  // The label is kept in the clear and audited: an upstream that echoes the key it was asked about (a debugging proxy)
  // must not put the key there.
  const label = data.label === null ? null : (SentKey.of(key)?.replaceIn(data.label) ?? data.label);
  return { label, limit: data.limit, limitRemaining: data.limit_remaining, usage: data.usage, isFreeTier: data.is_free_tier };
}
