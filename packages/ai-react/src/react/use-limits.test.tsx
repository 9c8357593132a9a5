import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from './ai-provider.js';
import { useLimits } from './use-limits.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

async function admin(path: string, method = 'GET', body?: unknown): Promise<{ version: number }> {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as { version: number };
}

function Wrapper({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}

describe('useLimits', () => {
  it("shows a user where they stand against the project's limits, and when AI traffic is stopped", async () => {
    const { version } = await admin('/api/ai/limits/policy');
    await admin('/api/ai/limits/policy', 'PUT', { version, policy: { project: { tokensPerDay: 100_000 } } });
    const { result } = renderHook(() => useLimits(), { wrapper: Wrapper });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.stopped).toBe(false);
    expect(JSON.stringify(result.current.limits)).toContain('100000');

    await admin('/api/ai/emergency-stop', 'POST', { stopped: true, reason: 'Incident' });
    try {
      await result.current.refresh();
      await waitFor(() => expect(result.current.stopped).toBe(true));
      expect(result.current.limits).toMatchObject({ stopReason: 'Incident' });
    } finally {
      await admin('/api/ai/emergency-stop', 'POST', { stopped: false });
    }
  });
});
