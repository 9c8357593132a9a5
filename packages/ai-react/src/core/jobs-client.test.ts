import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createAiClient, type AiClient } from './client.js';
import { isAiError } from './errors.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    features: [...DEFAULT_FEATURES, { name: 'summarize', model: 'openai/gpt-4o-mini', systemPrompt: 'You summarize news.', params: { max_tokens: 300 } }],
    jobs: { statusPollMs: 50, pollMs: 50 },
  });
});
afterAll(() => harness.close());

/** A POST as the gateway received it. */
interface Sent {
  path: string;
  idempotencyKey: string | null;
}

/**
 * A client whose fetch records each POST, and loses the answers of the first `lost` of them on the way back: the
 * gateway had the request and answered, and the client sees a network failure.
 */
function clientLosing(lost = 0): { client: AiClient; sent: Sent[] } {
  const sent: Sent[] = [];
  let losses = lost;
  const fetchLosing: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (init?.method !== 'POST') return response;
    sent.push({ path: new URL(String(input)).pathname, idempotencyKey: new Headers(init.headers).get('idempotency-key') });
    if (losses === 0) return response;
    losses -= 1;
    await response.text();
    throw new TypeError('fetch failed: the connection was reset');
  };
  return { client: createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` }, fetch: fetchLosing }), sent };
}

const chatJob = (content: string) => ({ type: 'chat' as const, items: [{ model: 'chat', messages: [{ role: 'user', content }] }] });
const articles = (count: number, word: string) => Array.from({ length: count }, (_, index) => ({ id: `${word}-${index}`, content: `${word} story ${index}: the council approved the new park.` }));

describe('creating a job', () => {
  it('sends each creation with an Idempotency-Key of its own, and one passed by the caller as it is', async () => {
    const { client, sent } = clientLosing();
    const first = await client.jobs.create(chatJob('keyed one'));
    const second = await client.jobs.create(chatJob('keyed one'));
    expect(second.id).not.toBe(first.id);
    expect(sent.map((post) => post.idempotencyKey)).toEqual([expect.any(String), expect.any(String)]);
    expect(sent[0]?.idempotencyKey).not.toBe(sent[1]?.idempotencyKey);

    // The caller's own key, sent again in a later call (after a reload, say), answers the job it created.
    const own = `reload-${randomUUID()}`;
    const created = await client.jobs.create(chatJob('keyed two'), { idempotencyKey: own });
    const again = await client.jobs.create(chatJob('keyed two'), { idempotencyKey: own });
    expect(again.id).toBe(created.id);
    expect(sent.slice(2).map((post) => post.idempotencyKey)).toEqual([own, own]);
  });

  it('sends a creation whose answer was lost again with the same key, and the gateway makes one job', async () => {
    const { client, sent } = clientLosing(1);
    const before = (await client.jobs.list()).length;
    const job = await client.jobs.create(chatJob('answer lost on the way back'));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.idempotencyKey).toBe(sent[0]?.idempotencyKey);
    const jobs = await client.jobs.list();
    expect(jobs).toHaveLength(before + 1);
    expect(jobs.some((listed) => listed.id === job.id)).toBe(true);
  });

  it('gives up with the failure after three sends, each with the one key', async () => {
    const { client, sent } = clientLosing(3);
    const failure = await client.jobs.create(chatJob('never answered')).catch((error: unknown) => error);
    expect(isAiError(failure) && failure.code).toBe('offline');
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((post) => post.idempotencyKey)).size).toBe(1);
  });
});

describe('summarizing articles', () => {
  it('sends a batch whose answer was lost again with the same key, and the gateway makes one job', async () => {
    const { client, sent } = clientLosing(1);
    const before = (await client.jobs.list()).length;
    const answer = await client.jobs.summarize({ articles: articles(2, 'batched'), batch: true });
    expect(answer.job?.id).toEqual(expect.any(String));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.idempotencyKey).toBe(sent[0]?.idempotencyKey);
    expect(await client.jobs.list()).toHaveLength(before + 1);
  });

  it('never sends again articles answered at once, which may each be billed', async () => {
    const { client, sent } = clientLosing(1);
    const failure = await client.jobs.summarize({ articles: articles(1, 'answered-at-once') }).catch((error: unknown) => error);
    expect(isAiError(failure) && failure.code).toBe('offline');
    expect(sent).toHaveLength(1);
    expect(harness.emulator.generations().filter((generation) => JSON.stringify(generation.request).includes('answered-at-once'))).toHaveLength(1);
  });
});

describe('reading a job', () => {
  it('fails, as an AiError, an answer that is no job (a JSON error sent with a 200, an object without status and progress)', async () => {
    const answers = ['{"error":{"message":"The jobs service is down.","code":"service_unavailable"}}', '{}', '{"id":"j1","status":"running"}', 'null'];
    const answering: typeof fetch = async () => new Response(answers.shift(), { headers: { 'content-type': 'application/json' } });
    const client = createAiClient({ baseUrl: 'http://jobs.test', fetch: answering });
    const down = await client.jobs.get('j1').catch((error: unknown) => error);
    expect(isAiError(down) && [down.code, down.message]).toEqual(['upstream_unavailable', 'The jobs service is down.']);
    for (let index = 0; index < 3; index += 1) {
      const failure = await client.jobs.get('j1').catch((error: unknown) => error);
      expect(isAiError(failure) && failure.message).toBe('The server answered job "j1" with something that is not a job.');
    }
  });
});
