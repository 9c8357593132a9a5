import { createRandom } from '../content/hash.js';

/** One token's entry of `logprobs.content`, as OpenAI and OpenRouter send it. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/** How many alternatives to list per token, when the request asks for logprobs and the model gives them. */
export function logprobsAsked(body: Record<string, unknown>, supportedParameters: readonly string[]): number | undefined {
  if (body['logprobs'] !== true || !supportedParameters.includes('logprobs')) return undefined;
  return typeof body['top_logprobs'] === 'number' ? body['top_logprobs'] : 0;
}

const entryOf = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token, 'utf8')] });

/**
 * The log probability of the answer's token at `position` and of its runners-up: deterministic, the chosen token
 * the likeliest, each alternative less likely than the one before.
 */
export function tokenLogprob(token: string, position: number, top: number): TokenLogprob {
  const random = createRandom(`${position}\u0000${token}`);
  const chosen = entryOf(token, -Math.round(random() * 2_000_000) / 1_000_000);
  const alternatives = [chosen];
  let previous = chosen.logprob;
  for (let rank = 1; rank < top; rank++) {
    previous -= 0.5 + Math.round(random() * 4_000_000) / 1_000_000;
    alternatives.push(entryOf(`${token.trimEnd()}${'#'.repeat(rank)}`, previous));
  }
  return { ...chosen, top_logprobs: alternatives.slice(0, top) };
}
