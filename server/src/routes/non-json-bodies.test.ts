import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

// `curl -d '{…}'` without `-H 'Content-Type: application/json'` sends a form type: the answer says so, on every route
// that reads JSON, and is recorded as a refused request on the AI routes.
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const post = (path: string, body: string, headers: Record<string, string>, key = CLIENT_KEY) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body });
const chat = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });

describe('a JSON body sent under another Content-Type', () => {
  it.each([
    ['/v1/chat/completions', chat, CLIENT_KEY],
    ['/api/ai/chat/completion', chat, CLIENT_KEY],
    ['/v1/embeddings', JSON.stringify({ model: 'embed', input: 'x' }), CLIENT_KEY],
    ['/api/ai/conversations', JSON.stringify({ id: 'c', messages: [] }), CLIENT_KEY],
    ['/api/ai/keys', JSON.stringify({ label: 'web' }), ADMIN_TOKEN],
  ])('%s answers 415 naming the type it came as, and that JSON is wanted', async (path, body, key) => {
    const response = await post(path, body, { 'content-type': 'application/x-www-form-urlencoded' }, key);
    expect(response.status).toBe(415);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain('application/x-www-form-urlencoded');
    expect(error.message).toContain('Content-Type: application/json');
  });

  it('says so when the body came without a Content-Type, and the AI route records the refusal', async () => {
    const before = harness.usage.records.length;
    const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}` }, body: new Blob([chat]) });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('without a Content-Type');
    await expect.poll(() => harness.usage.records.slice(before).map((record) => [record.status, record.errorCode])).toEqual([['rejected', 'unsupported_media_type']]);
  });

  it('leaves file uploads, which take any type, and bodiless calls alone', async () => {
    const upload = await post('/api/ai/files?name=notes.txt', 'hello', { 'content-type': 'text/plain' });
    expect(upload.status).toBe(201);
    const list = await fetch(`${harness.url}/api/ai/conversations`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(list.status).toBe(200);
  });
});

describe('a JSON body that is not an object', () => {
  it.each(['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/embeddings'])('%s answers 400 saying an array is not the object it takes', async (path) => {
    const response = await post(path, '[1,2]', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The body must be a JSON object, not an array.');
  });

  it.each([
    ['"hello"', 'a JSON string'],
    ['42', 'a JSON number'],
    ['true', 'a JSON boolean'],
    ['null', 'JSON null'],
  ])('a body of %s answers 400 naming it as %s', async (body, named) => {
    const response = await post('/v1/chat/completions', body, { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`The request body is ${named}; it must be a JSON object`);
  });
});
