import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { shownAnswer, type AssistantTurn } from '../core/chat-messages.js';
import { createAiClient } from '../core/client.js';
import { memoryStorage } from '../core/storage/conversation-storage.js';
import { AiProvider } from './ai-provider.js';
import { useChat } from './use-chat.js';
import { useFeatureSettings } from './use-feature-settings.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
  const admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await admin.features.create({ name: 'support', model: 'openai/gpt-4o-mini', systemPrompt: 'You answer support questions.', params: { temperature: 0.3 } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

function wrapper(token: string) {
  const storage = memoryStorage();
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${token}` }} fetch={globalThis.fetch} storage={storage}>
        {children}
      </AiProvider>
    );
  };
}
const renderSettings = (feature = 'support', token = ADMIN_TOKEN) => renderHook(() => useFeatureSettings(feature), { wrapper: wrapper(token) });

describe('useFeatureSettings', () => {
  it('saves the draft, and the next chat uses the new system prompt', async () => {
    const { result } = renderSettings();
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const version = result.current.config!.version;
    expect(result.current.draft).toMatchObject({ systemPrompt: 'You answer support questions.', model: 'openai/gpt-4o-mini' });
    result.current.change({ systemPrompt: 'Answer in French, briefly.' });
    await waitFor(() => expect(result.current.dirty).toEqual(['systemPrompt']));
    const saved = await result.current.save();
    expect(saved).toMatchObject({ version: version + 1, systemPrompt: 'Answer in French, briefly.' });
    await waitFor(() => expect(result.current.config?.version).toBe(version + 1));
    expect(result.current.dirty).toEqual([]);
    // The history is read again after the save: newest first.
    await waitFor(() => expect(result.current.history[0]?.version).toBe(version + 1));

    const chat = renderHook(() => useChat({ feature: 'support' }), { wrapper: wrapper(CLIENT_KEY) });
    await chat.result.current.send('Where is my order?');
    await waitFor(() => expect(chat.result.current.status).toBe('ready'));
    expect(shownAnswer(chat.result.current.messages[1] as AssistantTurn).status).toBe('done');
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    const sent = (probe!.request as { messages: Array<{ role: string; content: string }> }).messages;
    expect(sent[0]).toEqual({ role: 'system', content: 'Answer in French, briefly.' });
  });

  it('surfaces a conflict when someone saved first, keeps the edits, and saves after a reload', async () => {
    const mine = renderSettings();
    const theirs = renderSettings();
    await waitFor(() => expect([mine.result.current.status, theirs.result.current.status]).toEqual(['ready', 'ready']));
    const version = mine.result.current.config!.version;
    theirs.result.current.change({ params: { temperature: 0.9 } });
    await waitFor(() => expect(theirs.result.current.dirty).toEqual(['params']));
    expect(await theirs.result.current.save()).toMatchObject({ version: version + 1 });

    mine.result.current.change({ systemPrompt: 'Mine.' });
    await waitFor(() => expect(mine.result.current.dirty).toEqual(['systemPrompt']));
    expect(await mine.result.current.save()).toBeUndefined();
    await waitFor(() => expect(mine.result.current.status).toBe('error'));
    expect(mine.result.current.error).toMatchObject({ code: 'conflict', status: 409, currentVersion: version + 1, userMessage: expect.stringMatching(/changed this/) });
    expect(mine.result.current.dirty).toEqual(['systemPrompt']);

    await mine.result.current.reload();
    await waitFor(() => expect(mine.result.current.config?.version).toBe(version + 1));
    expect(mine.result.current.draft).toMatchObject({ systemPrompt: 'Mine.', params: { temperature: 0.9 } });
    expect(await mine.result.current.save()).toMatchObject({ version: version + 2, systemPrompt: 'Mine.', params: { temperature: 0.9 } });
  });

  it('runs a live test of the draft without saving it, then restores and resets versions', async () => {
    const { result } = renderSettings();
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const version = result.current.config!.version;
    result.current.change({ systemPrompt: 'Only a test.' });
    await waitFor(() => expect(result.current.dirty).toEqual(['systemPrompt']));
    const tested = await result.current.test('Testing the draft');
    expect(tested?.answer).toContain('Testing the draft');
    await waitFor(() => expect(result.current.testState).toMatchObject({ status: 'done', result: { feature: 'support', model: 'openai/gpt-4o-mini', latencyMs: expect.any(Number) } }));
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    expect((probe!.request as { messages: Array<{ content: string }> }).messages[0]!.content).toBe('Only a test.');
    expect(result.current.config!.version).toBe(version);

    result.current.discard();
    await waitFor(() => expect(result.current.dirty).toEqual([]));
    expect(await result.current.restore(1)).toMatchObject({ version: version + 1, systemPrompt: 'You answer support questions.' });
    await waitFor(() => expect(result.current.history.map((entry) => entry.version)).toEqual(Array.from({ length: version + 1 }, (_, index) => version + 1 - index)));
    expect(await result.current.reset()).toMatchObject({ version: version + 2, systemPrompt: 'You answer support questions.' });
  });

  it('a caller who is not an admin gets forbidden, with a plain message', async () => {
    const { result } = renderSettings('support', CLIENT_KEY);
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'forbidden', status: 403, userMessage: expect.stringMatching(/permission/) });
  });
});
