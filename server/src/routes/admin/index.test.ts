import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../../test/harness.js';
import { adminRouter } from './index.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

/** Every admin route, with a body that would be valid for an admin: the role check must come before any parsing. */
const ADMIN_ROUTES: Array<{ method: string; path: string; body?: unknown }> = [
  { method: 'GET', path: '/api/ai/models' },
  { method: 'GET', path: '/api/ai/configurations' },
  { method: 'POST', path: '/api/ai/configurations', body: { name: 'new', model: 'openai/gpt-4o-mini' } },
  { method: 'POST', path: '/api/ai/configurations/test', body: { prompt: 'hi', draft: { model: 'openai/gpt-4o-mini' } } },
  { method: 'GET', path: '/api/ai/configurations/:id' },
  { method: 'PATCH', path: '/api/ai/configurations/:id', body: { systemPrompt: 'x', version: 1 } },
  { method: 'DELETE', path: '/api/ai/configurations/:id' },
  { method: 'GET', path: '/api/ai/configurations/:id/history' },
  { method: 'POST', path: '/api/ai/configurations/:id/restore', body: { version: 1, expectedVersion: 1 } },
  { method: 'POST', path: '/api/ai/configurations/:id/reset', body: { expectedVersion: 1 } },
  { method: 'POST', path: '/api/ai/configurations/:id/test', body: { prompt: 'hi' } },
  { method: 'POST', path: '/api/ai/keys', body: { label: 'ci' } },
  { method: 'GET', path: '/api/ai/keys' },
  { method: 'DELETE', path: '/api/ai/keys/:id' },
  { method: 'GET', path: '/api/ai/provider-key' },
  { method: 'PUT', path: '/api/ai/provider-key', body: { key: 'sk-or-v1-0123456789' } },
  { method: 'DELETE', path: '/api/ai/provider-key' },
  { method: 'POST', path: '/api/ai/provider-key/test' },
  { method: 'GET', path: '/api/ai/audit' },
  { method: 'GET', path: '/api/ai/limits/policy' },
  { method: 'PUT', path: '/api/ai/limits/policy', body: { version: 0, policy: { project: { requestsPerMinute: 5 } } } },
  { method: 'POST', path: '/api/ai/emergency-stop', body: { stopped: true } },
];

const call = (route: (typeof ADMIN_ROUTES)[number], key: string | null) =>
  fetch(`${harness.url}${route.path.replace(':id', 'chat')}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });

/** `METHOD /path` of every route an Express router (and the routers it mounts) serves. */
function routesOf(router: Router): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  return (router.stack as unknown as Layer[]).flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`);
    return layer.handle?.stack ? routesOf(layer.handle as unknown as Router) : [];
  });
}

describe('the admin API needs the admin role on every route', () => {
  it('lists every route the admin router serves', async () => {
    const router = adminRouter(harness.gateway.context, await harness.gateway.ready, 'default');
    expect(routesOf(router).sort()).toEqual(ADMIN_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it.each(ADMIN_ROUTES)('$method $path: 401 without an identity, 403 for a user', async (route) => {
    const anonymous = await call(route, null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    const user = await call(route, CLIENT_KEY);
    expect(user.status).toBe(403);
    expect(((await user.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('leaves the user routes under /api/ai to users, and unknown paths to the 404 handler', async () => {
    const chat = await fetch(`${harness.url}/api/ai/chat/completion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    const unknown = await fetch(`${harness.url}/api/ai/nothing-here`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(unknown.status).toBe(404);
  });
});
