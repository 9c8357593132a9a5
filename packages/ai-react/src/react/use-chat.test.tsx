import { cleanup, render, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { shownAnswer, type AssistantMessage, type AssistantTurn, type ConversationMessage } from '../core/chat-messages.js';
import type { AiError } from '../core/errors.js';
import { memoryStorage, type ConversationStorage } from '../core/storage/conversation-storage.js';
import { localStorageAdapter } from '../core/storage/local-storage.js';
import { serverStorage } from '../core/storage/server-storage.js';
import { createAiClient } from '../core/client.js';
import { AiProvider, useAiContext, type AiProviderProps } from './ai-provider.js';
import { useChat, type UseChatOptions, type UseChatResult } from './use-chat.js';

// vitest's jsdom environment keeps Node's own fetch (undici), so every hook below talks to a real gateway, with
// the emulator behind it, over real sockets: nothing is mocked. Captured once, and passed to each provider.
const nodeFetch = globalThis.fetch;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
});

/** A provider for renderHook; `storage` is made once per wrapper, never per render. */
function wrapper(props: Partial<AiProviderProps> = {}) {
  const storage = 'storage' in props ? props.storage : memoryStorage();
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={nodeFetch} {...props} storage={storage}>
        {children}
      </AiProvider>
    );
  };
}

const renderChat = (options: UseChatOptions = {}, props: Partial<AiProviderProps> = {}) => renderHook((current: UseChatOptions) => useChat(current), { initialProps: { feature: 'chat', ...options }, wrapper: wrapper(props) });
const turnOf = (messages: readonly ConversationMessage[], index = messages.length - 1) => messages[index] as AssistantTurn;
const lastAnswer = (messages: readonly ConversationMessage[]): AssistantMessage | undefined => (messages.at(-1)?.role === 'assistant' ? shownAnswer(turnOf(messages)) : undefined);
const upstreamMessages = (id: string) => (harness.emulator.probe(id)!.request as { messages: Array<{ role: string; content: string }> }).messages;
const runningGeneration = (text: string) => harness.emulator.generations({ status: 'running' }).find((probe) => JSON.stringify(probe.request).includes(text));

async function adminJson(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ version: number }> {
  const response = await nodeFetch(`${harness.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as { version: number };
}

describe('useChat', () => {
  it('sends a message and streams the answer: submitted, streaming, ready, with usage and cost', async () => {
    harness.emulator.addRule({ match: { contains: 'Hello hooks' }, scenario: 'tps=200;tokens=60' });
    const statuses: string[] = [];
    const { result } = renderHook(
      () => {
        const chat = useChat({ feature: 'chat' });
        if (statuses.at(-1) !== chat.status) statuses.push(chat.status);
        return chat;
      },
      { wrapper: wrapper() },
    );
    expect(result.current).toMatchObject({ status: 'ready', messages: [], error: undefined, loaded: true });
    const sending = result.current.send('Hello hooks');
    await waitFor(() => expect(result.current.status).toBe('streaming'));
    const partial = lastAnswer(result.current.messages)!;
    expect(partial.status).toBe('streaming');
    await sending;
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(statuses).toEqual(['ready', 'submitted', 'streaming', 'ready']);
    const answer = lastAnswer(result.current.messages)!;
    expect(answer).toMatchObject({ status: 'done', model: 'openai/gpt-4o-mini', finishReason: 'stop', costUsd: expect.any(Number) });
    expect(answer.usage?.completionTokens).toBeGreaterThan(0);
    expect(answer.content.length).toBeGreaterThan(partial.content.length);
    expect(result.current.messages[0]).toMatchObject({ role: 'user', content: 'Hello hooks' });
  });

  it('Stop ends the upstream generation and keeps the partial answer, marked stopped', async () => {
    harness.emulator.addRule({ match: { contains: 'long story' }, scenario: 'tps=40;tokens=400' });
    const finished: string[] = [];
    const { result } = renderChat({ onFinish: (answer) => finished.push(answer.status) });
    const sending = result.current.send('Tell me a long story');
    await waitFor(() => expect(lastAnswer(result.current.messages)?.content.length).toBeGreaterThan(20));
    const running = runningGeneration('long story');
    expect(running).toBeDefined();
    result.current.stop();
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const stopped = lastAnswer(result.current.messages)!;
    expect(stopped.status).toBe('stopped');
    expect(stopped.content.length).toBeGreaterThan(20);
    const probe = await harness.emulator.waitForGeneration(running!.id, (generation) => generation.clientClosed);
    expect(probe.clientClosed).toBe(true);
    expect(probe.tokensSent).toBeLessThan(probe.plannedTokens);
    await sending;
    expect(finished).toEqual(['stopped']);
  });

  it('unmounting mid-answer disposes the chat, which ends the upstream generation', async () => {
    harness.emulator.addRule({ match: { contains: 'endless tale' }, scenario: 'tps=40;tokens=400' });
    const { result, unmount } = renderChat();
    void result.current.send('Tell me an endless tale');
    await waitFor(() => expect(runningGeneration('endless tale')?.tokensSent).toBeGreaterThan(2));
    const running = runningGeneration('endless tale')!;
    unmount();
    const probe = await harness.emulator.waitForGeneration(running.id, (generation) => generation.clientClosed);
    expect(probe.tokensSent).toBeLessThan(probe.plannedTokens);
  });

  it('regenerate keeps the earlier answer as a version to flip back to', async () => {
    const { result } = renderChat();
    await result.current.send('Pick a colour');
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const first = lastAnswer(result.current.messages)!;
    await result.current.regenerate();
    await waitFor(() => expect(turnOf(result.current.messages).versions).toHaveLength(2));
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const turn = turnOf(result.current.messages);
    expect(result.current.messages).toHaveLength(2);
    expect(turn.selected).toBe(1);
    expect(turn.versions[0]).toEqual(first);
    expect(turn.versions[1]).toMatchObject({ status: 'done' });
    expect(turn.versions[1]!.id).not.toBe(first.id);
    result.current.selectVersion(turn.id, 0);
    await waitFor(() => expect(turnOf(result.current.messages).selected).toBe(0));
    expect(lastAnswer(result.current.messages)).toBe(first);
  });

  it('edit replaces an earlier user message, drops what followed, and asks again from there', async () => {
    const { result } = renderChat();
    await result.current.send('first question');
    await result.current.send('second question');
    await waitFor(() => expect(result.current.messages).toHaveLength(4));
    const firstUser = result.current.messages[0]!;
    await result.current.edit(firstUser.id, 'edited question');
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.messages).toHaveLength(2);
    expect(result.current.messages[0]).toMatchObject({ id: firstUser.id, role: 'user', content: 'edited question' });
    const answer = lastAnswer(result.current.messages)!;
    expect(answer.status).toBe('done');
    const [latest] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    const sent = upstreamMessages(latest!.id).filter((message) => message.role === 'user');
    expect(sent.map((message) => message.content)).toEqual(['edited question']);
  });

  it('calls the latest onFinish and onError, never a stale one', async () => {
    const calls: string[] = [];
    const { result, rerender } = renderChat({ onFinish: () => calls.push('old finish') });
    rerender({ feature: 'chat', onFinish: () => calls.push('new finish'), onError: (error) => calls.push(`new error ${error.code}`) });
    await result.current.send('Hello again');
    harness.emulator.addRule({ match: { contains: 'fail now' }, scenario: 'status=429;retry-after=30' });
    await result.current.send('fail now');
    expect(calls).toEqual(['new finish', 'new error rate_limited']);
  });
});

describe('useChat errors', () => {
  const failWith = async (text: string, options: UseChatOptions = {}, props: Partial<AiProviderProps> = {}) => {
    const errors: AiError[] = [];
    const { result } = renderChat({ ...options, onError: (error) => errors.push(error) }, props);
    await result.current.send(text);
    await waitFor(() => expect(result.current.status).toBe('error'));
    const answer = lastAnswer(result.current.messages)!;
    expect(answer.status).toBe('error');
    expect(answer.error?.code).toBe(result.current.error?.code);
    expect(errors).toEqual([result.current.error]);
    return result.current.error!;
  };

  it('401: a bad key is unauthorized', async () => {
    const error = await failWith('Hello', {}, { headers: { authorization: 'Bearer ik_not_a_real_key_0123456789' } });
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(error.userMessage).toMatch(/sign in/);
  });

  it('400: a feature that does not exist is model_not_found', async () => {
    const error = await failWith('Hello', { feature: 'no-such-feature' });
    expect(error).toMatchObject({ code: 'model_not_found', status: 400, retryable: false });
  });

  it('429: rate limited, with the wait', async () => {
    harness.emulator.addRule({ match: { contains: 'too busy' }, scenario: 'status=429;retry-after=30' });
    const error = await failWith('are you too busy?');
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, retryAfter: 30, userMessage: 'Too many requests — try again in 30 seconds.' });
  });

  it('offline: a server that cannot be reached', async () => {
    const error = await failWith('Hello', {}, { baseUrl: 'http://127.0.0.1:9/ai' });
    expect(error).toMatchObject({ code: 'offline', retryable: true });
  });

  it('402: a project quota that is reached', async () => {
    const { version } = await adminJson('/api/ai/limits/policy');
    const saved = await adminJson('/api/ai/limits/policy', { method: 'PUT', body: { version, policy: { project: { tokensPerDay: 1 } } } });
    try {
      const error = await failWith('Hello');
      expect(error).toMatchObject({ code: 'quota_exceeded', status: 402, retryable: false });
    } finally {
      await adminJson('/api/ai/limits/policy', { method: 'PUT', body: { version: saved.version, policy: { project: {} } } });
    }
  });
});

describe('useChat restores a conversation after a reload', () => {
  const client = () => createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` }, fetch: nodeFetch });
  // `undefined`: the provider's default storage, which is `localStorage` (jsdom's here).
  const adapters: Array<[string, () => ConversationStorage | undefined]> = [
    ['memoryStorage', () => memoryStorage()],
    ['localStorage (the provider default)', () => undefined],
    ['localStorageAdapter', () => localStorageAdapter({ prefix: 'acme:' })],
    ['serverStorage', () => serverStorage(client())],
  ];

  it.each(adapters)('%s: stopped and failed answers come back as they were', async (_name, create) => {
    harness.emulator.addRule({ match: { contains: 'long story' }, scenario: 'tps=40;tokens=400' });
    harness.emulator.addRule({ match: { contains: 'busy' }, scenario: 'status=429;retry-after=30' });
    const storage = create();
    const props = { storage };
    const conversationId = `reload-${Math.random().toString(36).slice(2, 10)}`;
    const first = renderChat({ conversationId }, props);
    await waitFor(() => expect(first.result.current.loaded).toBe(true));
    const sending = first.result.current.send('Tell me a long story');
    await waitFor(() => expect(lastAnswer(first.result.current.messages)?.content.length).toBeGreaterThan(10));
    first.result.current.stop();
    await sending;
    await first.result.current.send('are you busy?');
    await waitFor(() => expect(first.result.current.status).toBe('error'));
    const before = first.result.current.messages;
    const kept = storage ?? localStorageAdapter();
    // Saves run in the background, in order: wait until the last one (the failed answer) is written.
    await waitFor(async () => expect(lastAnswer((await kept.load(conversationId))?.messages ?? [])?.status).toBe('error'));
    first.unmount();

    const reloaded = renderChat({ conversationId }, props);
    await waitFor(() => expect(reloaded.result.current.loaded).toBe(true));
    expect(reloaded.result.current.id).toBe(conversationId);
    expect(reloaded.result.current.storageError).toBeUndefined();
    expect(reloaded.result.current.messages).toEqual(before);
    const [stopped, failed] = [1, 3].map((index) => shownAnswer(turnOf(reloaded.result.current.messages, index)));
    expect(stopped).toMatchObject({ status: 'stopped', content: shownAnswer(turnOf(before, 1)).content });
    expect(failed).toMatchObject({ status: 'error', error: { code: 'rate_limited', retryAfter: 30 } });
    if (storage === undefined) expect(window.localStorage.getItem(`insforge-ai:conversation:${conversationId}`)).not.toBeNull();
  });
});

describe('AiProvider', () => {
  it('two providers on one page share nothing', async () => {
    const seen: Record<string, { chat: UseChatResult; context: ReturnType<typeof useAiContext> }> = {};
    function Panel({ name }: { name: string }) {
      seen[name] = { chat: useChat({ feature: 'chat' }), context: useAiContext() };
      return <p data-testid={name}>{seen[name].chat.messages.length}</p>;
    }
    const provider = (name: string) => (
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={nodeFetch}>
        <Panel name={name} />
      </AiProvider>
    );
    const view = render(
      <>
        {provider('left')}
        {provider('right')}
      </>,
    );
    await seen['left']!.chat.send('Only on the left');
    await waitFor(() => expect(view.getByTestId('left').textContent).toBe('2'));
    expect(seen['left']!.chat.status).toBe('ready');
    expect(view.getByTestId('right').textContent).toBe('0');
    expect(seen['right']!.chat).toMatchObject({ messages: [], status: 'ready' });
    expect(seen['left']!.chat.id).not.toBe(seen['right']!.chat.id);
    const [left, right] = [seen['left']!.context, seen['right']!.context];
    expect(left.client).not.toBe(right.client);
    expect(left.catalog).not.toBe(right.catalog);
    expect(left.storage).not.toBe(right.storage);
  });
});
