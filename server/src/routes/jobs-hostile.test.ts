import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;
let jobId: string;
beforeAll(async () => {
  harness = await startHarness({ features: [...DEFAULT_FEATURES, { name: 'summarize', model: 'openai/gpt-4o-mini' }] });
  const created = await fetch(`${harness.url}/api/ai/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'embeddings', items: [{ model: 'embed', input: 'hello' }] }),
  });
  jobId = ((await created.json()) as { id: string }).id;
});
afterAll(() => harness.close());

const asUser = { authorization: `Bearer ${CLIENT_KEY}` };
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the jobs and summarize routes under hostile input', () => {
  it('answer every odd body, query and id with a 4xx in the OpenAI error shape, never a 5xx', async () => {
    const ids = () => [jobId, 'nope', '00000000-0000-0000-0000-000000000000', '__proto__', 'constructor', `${jobId}%00`, 'a'.repeat(5_000)];
    const reads = [
      '/api/ai/jobs', '/api/ai/jobs?limit=-1', '/api/ai/jobs?limit=1e309&limit=2', '/api/ai/jobs?__proto__[x]=1',
      ...ids().flatMap((id) => [`/api/ai/jobs/${id}`, `/api/ai/jobs/${id}/results`, `/api/ai/jobs/${id}/results?format=xml`, `/api/ai/jobs/${id}/results?format=csv&format=json`]),
    ];
    const writes = ['/api/ai/summarize', '/api/ai/jobs', ...ids().flatMap((id) => [`/api/ai/jobs/${id}/cancel`, `/api/ai/jobs/${id}/resume`, `/api/ai/jobs/${id}/retry`])];
    const bodies = [
      '', 'null', '[]', '"text"', '{', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}',
      '{"type":"chat","items":[null, 1, "x", [], {"model":"__proto__","messages":[{"role":"user","content":"x"}]}]}',
      '{"type":"chat","items":[{"model":"chat","messages":[{"role":"user","content":"\\ud800"}]}]}',
      '{"type":"embeddings","items":{"length":5}}', '{"type":"toString","items":[]}', `{"type":"chat","items":[${'{},'.repeat(1_000)}{}]}`,
      '{"articles":[{"id":"a","content":"x"}],"options":{"feature":"constructor"}}', '{"articles":[{"id":"a","content":"x","__proto__":{"id":1}}]}',
      '{"articles":[{"id":"","content":"x"}]}', '{"articles":[{"id":"a","content":7}]}', '{"articles":"many"}', '{"type":"summarize","articles":[{"id":"a","content":"x"}],"options":{"language":""}}',
      '{"items":[-1,1e309]}', '{"items":"all"}',
    ];
    const failures: string[] = [];
    const check = async (label: string, response: Promise<Response>) => {
      const answer = await response;
      const text = await answer.text();
      if (answer.status >= 500) failures.push(`${label} → ${answer.status} ${text.slice(0, 120)}`);
      else if (answer.status >= 400) {
        const error = (() => {
          try {
            return (JSON.parse(text) as { error?: Record<string, unknown> }).error;
          } catch {
            return undefined;
          }
        })();
        if (!error || !['message', 'type', 'code', 'param'].every((field) => field in error)) failures.push(`${label} → ${answer.status} not the OpenAI shape: ${text.slice(0, 120)}`);
      }
    };
    for (const headers of [{}, asUser, asAdmin]) {
      for (const path of reads) await check(`GET ${path}`, fetch(`${harness.url}${path}`, { headers }));
      for (const path of writes) {
        for (const body of bodies) await check(`POST ${path} ${body.slice(0, 40)}`, fetch(`${harness.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body }));
      }
    }
    expect(failures.join('\n')).toBe('');
    expect(harness.logs.filter((line) => line.includes('unhandled error') || line.includes('a job item failed'))).toEqual([]);
  }, 120_000);
});
