import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../../test/harness.js';
import type { ConfigurationRecord, ConfigurationVersion } from './configuration-records.js';

let harness: Harness;
let openai: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(() => harness.close());

type ErrorBody = { error: { message: string; code: string; param: string | null } };
async function admin<T = ConfigurationRecord>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.url}/api/ai/configurations${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T & ErrorBody };
}

const upstreamRequestOf = async (content: string) => {
  const completion = await openai.chat.completions.create({ model: 'code', messages: [{ role: 'user', content }] });
  return { completion, request: harness.emulator.probe(completion.id)!.request as { model: string; messages: Array<{ role: string; content: string }> } };
};

describe('the configuration routes', () => {
  it('list the project\'s features in the seeds\' shape, and read one by id or by name', async () => {
    const list = await admin<{ data: ConfigurationRecord[] }>('GET', '');
    expect(list.status).toBe(200);
    expect(list.body.data.map((record) => record.name)).toEqual(['chat', 'code', 'embed', 'image']);
    const chat = list.body.data.find((record) => record.name === 'chat')!;
    expect(chat).toMatchObject({ modality: 'text', provider: 'openrouter', modelId: 'openai/gpt-4o-mini', model: 'openai/gpt-4o-mini', version: 1, updatedBy: 'seed' });
    expect(new Date(chat.updatedAt).toISOString()).toBe(chat.updatedAt);
    const byId = await admin('GET', `/${chat.id}`);
    expect(byId.body).toEqual(chat);
    expect(byId.headers.get('etag')).toBe('"1"');
    expect((await admin('GET', '/chat')).body).toEqual(chat);
    const missing = await admin('GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.param).toBe('id');
  });

  it('a change saved through PATCH sets the model and system prompt of the very next request', async () => {
    const before = await upstreamRequestOf('before the change');
    expect(before.request.model).toBe('anthropic/claude-sonnet-4');
    const current = (await admin('GET', '/code')).body;
    const saved = await admin('PATCH', '/code', { model: 'openai/gpt-4o', systemPrompt: 'You write Rust.', version: current.version });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ model: 'openai/gpt-4o', systemPrompt: 'You write Rust.', version: current.version + 1, updatedBy: 'admin-token' });
    // Fields the body leaves out keep their saved values.
    expect(saved.body.clientOverrides).toEqual(current.clientOverrides);
    const after = await upstreamRequestOf('after the change');
    expect(after.completion.model).toBe('openai/gpt-4o');
    expect(after.request.model).toBe('openai/gpt-4o');
    expect(after.request.messages[0]).toEqual({ role: 'system', content: 'You write Rust.' });
  });

  it('409 with the current version when two admins save over the same version', async () => {
    const { version } = (await admin('GET', '/chat')).body;
    const first = await admin('PATCH', '/chat', { systemPrompt: 'First admin.', version });
    expect(first.status).toBe(200);
    const second = await admin('PATCH', '/chat', { systemPrompt: 'Second admin.', version });
    expect(second.status).toBe(409);
    expect(second.headers.get('x-current-version')).toBe(String(version + 1));
    expect(second.body.error).toMatchObject({ code: 'version_conflict', param: 'version' });
    expect(second.body.error.message).toContain(`version ${version + 1}`);
    expect((await admin('GET', '/chat')).body.systemPrompt).toBe('First admin.');
  });

  it('takes the version from If-Match too, and refuses a write that names none', async () => {
    const missing = await admin('PATCH', '/chat', { systemPrompt: 'No version.' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe('version');
    const { version } = (await admin('GET', '/chat')).body;
    const saved = await admin('PATCH', '/chat', { systemPrompt: 'Through If-Match.' }, { 'if-match': `"${version}"` });
    expect(saved.status).toBe(200);
    expect(saved.headers.get('etag')).toBe(`"${version + 1}"`);
    expect((await admin('PATCH', '/chat', { systemPrompt: 'Stale.' }, { 'if-match': `"${version}"` })).status).toBe(409);
  });

  it('400 naming the field for an invalid change, which is not saved', async () => {
    const { version } = (await admin('GET', '/chat')).body;
    const hot = await admin('PATCH', '/chat', { params: { temperature: 7 }, version });
    expect(hot.status).toBe(400);
    expect(hot.body.error.param).toBe('params.temperature');
    const provider = await admin('PATCH', '/chat', { provider: 'openai', version });
    expect(provider.body.error.param).toBe('provider');
    expect((await admin('GET', '/chat')).body.version).toBe(version);
  });

  it('creates a feature (201, the seeds\' modelId accepted), refuses a duplicate name (409), and deletes it (204)', async () => {
    const created = await admin('POST', '', { name: 'summary', provider: 'openrouter', modelId: 'openai/gpt-4o-mini', systemPrompt: 'Summarize.' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'summary', model: 'openai/gpt-4o-mini', modelId: 'openai/gpt-4o-mini', modality: 'text', version: 1, roles: ['admin', 'user'] });
    const duplicate = await admin('POST', '', { name: 'summary', model: 'openai/gpt-4o' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('version_conflict');
    const served = await openai.chat.completions.create({ model: 'summary', messages: [{ role: 'user', content: 'x' }] });
    expect(served.model).toBe('openai/gpt-4o-mini');
    const deleted = await admin('DELETE', `/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await admin('GET', '/summary')).status).toBe(404);
    await expect(openai.chat.completions.create({ model: 'summary', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses to create or rename a feature to count or user, in any case, naming the OpenRouter SDK path (400)', async () => {
    const created = await admin('POST', '', { name: 'Count', model: 'openai/gpt-4o-mini' });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code: 'invalid_parameter', param: 'name', message: expect.stringMatching(/^name: "Count" is reserved: GET \/v1\/models\/count is the OpenRouter SDK's models\.count/) });
    const chat = await admin('GET', '/chat');
    const renamed = await admin('PATCH', `/${chat.body.id}`, { name: 'user', version: chat.body.version });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error).toMatchObject({ param: 'name', message: expect.stringContaining('models.listForUser') });
    expect((await admin('GET', '/chat')).body.version).toBe(chat.body.version);
    expect((await admin('GET', '/Count')).status).toBe(404);
  });

  it('400 for a feature without a model', async () => {
    const response = await admin('POST', '', { name: 'nomodel' });
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe('model');
  });

  it('keeps every version, newest first, and restores an earlier one as a new version', async () => {
    await admin('POST', '', { name: 'history', model: 'openai/gpt-4o-mini', systemPrompt: 'v1' });
    const v2 = await admin('PATCH', '/history', { systemPrompt: 'v2', version: 1 });
    await admin('PATCH', '/history', { systemPrompt: 'v3', model: 'openai/gpt-4o', version: v2.body.version });
    const history = await admin<{ data: ConfigurationVersion[] }>('GET', '/history/history');
    expect(history.status).toBe(200);
    expect(history.body.data.map((entry) => [entry.version, entry.action, entry.configuration.systemPrompt])).toEqual([
      [3, 'update', 'v3'],
      [2, 'update', 'v2'],
      [1, 'create', 'v1'],
    ]);
    expect(history.body.data[0]).toMatchObject({ changedBy: 'admin-token', configuration: { model: 'openai/gpt-4o', modelId: 'openai/gpt-4o' } });
    const stale = await admin('POST', '/history/restore', { version: 1, expectedVersion: 2 });
    expect(stale.status).toBe(409);
    const restored = await admin('POST', '/history/restore', { version: 1, expectedVersion: 3 });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ version: 4, systemPrompt: 'v1', model: 'openai/gpt-4o-mini' });
    expect((await admin<{ data: ConfigurationVersion[] }>('GET', '/history/history')).body.data[0]).toMatchObject({ version: 4, action: 'restore' });
    expect((await admin('POST', '/history/restore', { version: 99, expectedVersion: 4 })).status).toBe(404);
    expect((await admin('POST', '/history/restore', { version: 1 })).body.error.param).toBe('expectedVersion');
  });

  it('resets a feature to the configuration it was seeded with', async () => {
    const current = (await admin('GET', '/image')).body;
    const changed = await admin('PATCH', '/image', { model: 'google/gemini-2.5-flash-image', version: current.version });
    expect(changed.body.model).toBe('google/gemini-2.5-flash-image');
    const reset = await admin('POST', '/image/reset', { expectedVersion: changed.body.version });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ model: 'black-forest-labs/flux.2-pro', version: changed.body.version + 1 });
    expect((await admin<{ data: ConfigurationVersion[] }>('GET', '/image/history')).body.data[0]!.action).toBe('reset');
    expect((await admin('POST', '/image/reset', { expectedVersion: changed.body.version })).status).toBe(409);
  });

  // A typo in a model id would otherwise be saved, and every request to the feature would fail at OpenRouter.
  it('400 naming a model OpenRouter does not list, with the listed ids closest to it; routers, variants and free models pass', async () => {
    const typo = await admin('POST', '', { name: 'typo', model: 'openai/gpt-4o-mimi' });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatchObject({ code: 'invalid_parameter', param: 'model' });
    expect(typo.body.error.message).toContain('model: "openai/gpt-4o-mimi" is not a model OpenRouter lists; did you mean "openai/gpt-4o-mini"');
    expect((await admin('GET', '/typo')).status).toBe(404);
    const { version } = (await admin('GET', '/chat')).body;
    const fallback = await admin('PATCH', '/chat', { fallbackModels: ['openai/gpt-4o', 'anthropic/claude-sonet-4'], version });
    expect(fallback.status).toBe(400);
    expect(fallback.body.error.param).toBe('fallbackModels.1');
    expect(fallback.body.error.message).toContain('"anthropic/claude-sonnet-4"');
    expect((await admin('GET', '/chat')).body.version).toBe(version);
    const routed = await admin('POST', '', { name: 'routed', model: 'openrouter/auto', fallbackModels: ['openai/gpt-4o:online', 'openai/gpt-4o-mini:nitro', '~anthropic/claude-sonnet-latest', 'poolside/laguna-m.1:free'] });
    expect(routed.status).toBe(201);
  });
});

describe('the configuration routes while the model catalog cannot be fetched', () => {
  // OpenRouter being down must not stop an admin from saving: the model is checked again when requests run.
  it('save a model the catalog cannot confirm', async () => {
    const offline = await startHarness({ upstream: { baseUrl: 'http://127.0.0.1:9/api/v1' } });
    try {
      const response = await fetch(`${offline.url}/api/ai/configurations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ name: 'unchecked', model: 'openai/gpt-4o-mimi' }),
      });
      expect(response.status).toBe(201);
    } finally {
      await offline.close();
    }
  });
});
