import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '@insforge/ai-server/testing';
import { shownAnswer, type AssistantMessage, type AssistantTurn, type ConversationMessage } from '../core/chat-messages.js';
import type { ChatTools, MessageToolPart } from '../core/message-parts.js';
import { createAiClient } from '../core/client.js';
import { memoryStorage, type ConversationStorage } from '../core/storage/conversation-storage.js';
import { localStorageAdapter } from '../core/storage/local-storage.js';
import { serverStorage } from '../core/storage/server-storage.js';
import { AiProvider } from './ai-provider.js';
import { useChat, type UseChatOptions } from './use-chat.js';

// useChat with client tools against a real gateway and the emulator, over real sockets. The emulator calls every
// tool the last user message names (in parallel) and, once `tool` messages come back, answers from their results;
// Claude refuses a tool loop whose reasoning details did not come back with it.
const nodeFetch = globalThis.fetch;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ features: [...DEFAULT_FEATURES, { name: 'thinker', model: 'anthropic/claude-sonnet-4' }] });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
});

function wrapper(storage: ConversationStorage) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={nodeFetch} storage={storage}>
        {children}
      </AiProvider>
    );
  };
}

const renderChat = (options: UseChatOptions, storage: ConversationStorage = memoryStorage()) =>
  renderHook((current: UseChatOptions) => useChat(current), { initialProps: { feature: 'chat', ...options }, wrapper: wrapper(storage) });
const lastAnswer = (messages: readonly ConversationMessage[]): AssistantMessage => shownAnswer(messages.at(-1) as AssistantTurn);
const toolParts = (answer: AssistantMessage) => answer.parts.filter((part): part is MessageToolPart => part.type === 'tool-call');
const upstreamRequests = (text: string) => harness.emulator.generations({ kind: 'chat' }).filter((probe) => JSON.stringify(probe.request).includes(text)).map((probe) => probe.request as { messages: Array<Record<string, unknown>> });
const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describe('useChat with client tools', () => {
  it('runs parallel calls, asks before the one that needs approval, then answers from both results in a second step', async () => {
    const tickets: unknown[] = [];
    const tools: ChatTools = {
      get_weather: { description: 'The weather in a city', parameters: weather, execute: async ({ city }: { city: string }) => ({ city, celsius: 18 }) },
      create_ticket: { description: 'Opens a ticket', parameters: { type: 'object', properties: { title: { type: 'string' } } }, needsApproval: true, execute: (input: unknown) => (tickets.push(input), 'ticket #42') },
    };
    const { result } = renderChat({ tools });
    await result.current.send('Use get_weather and create_ticket for the outage');
    await waitFor(() => expect(toolParts(lastAnswer(result.current.messages)).map((part) => part.state)).toEqual(['output-available', 'awaiting-approval']));
    expect(result.current.status).toBe('ready');
    expect(tickets).toEqual([]);

    const ticket = toolParts(lastAnswer(result.current.messages))[1] as MessageToolPart;
    await result.current.respondToApproval(ticket.toolCallId, true);
    await waitFor(() => expect(lastAnswer(result.current.messages).status).toBe('done'));
    const answer = lastAnswer(result.current.messages);
    expect(tickets).toHaveLength(1);
    expect(answer.parts.map((part) => part.type)).toEqual(['tool-call', 'tool-call', 'step-start', 'text']);
    expect(answer.content).toContain('create_ticket: ticket #42');
    expect(answer.content).toContain('"celsius":18');
    expect(answer.stepLimitReached).toBeUndefined();
    // The second model call carried both calls and one tool message each.
    const second = upstreamRequests('create_ticket for the outage').at(-1);
    expect(second?.messages.filter((message) => message['role'] === 'tool').map((message) => message['tool_call_id'])).toEqual(toolParts(answer).map((part) => part.toolCallId));
  });

  it('tells the model a denied call was denied, and why', async () => {
    const { result } = renderChat({ tools: { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute: () => 'never' } } });
    await result.current.send('Please create_ticket');
    const call = toolParts(lastAnswer(result.current.messages))[0] as MessageToolPart;
    await result.current.respondToApproval(call.toolCallId, false, 'not during the freeze');
    await waitFor(() => expect(lastAnswer(result.current.messages).status).toBe('done'));
    const answer = lastAnswer(result.current.messages);
    expect(toolParts(answer)[0]).toMatchObject({ state: 'denied', errorText: 'not during the freeze' });
    expect(answer.content).toContain('The user denied this call: not during the freeze');
  });

  it('turns a failing tool into a tool error the model reads', async () => {
    const { result } = renderChat({ tools: { get_weather: { parameters: weather, execute: async () => Promise.reject(new Error('the weather service is down')) } } });
    await result.current.send('What does get_weather say about Lima?');
    await waitFor(() => expect(lastAnswer(result.current.messages).status).toBe('done'));
    const answer = lastAnswer(result.current.messages);
    expect(toolParts(answer)[0]).toMatchObject({ state: 'output-error', errorText: 'the weather service is down' });
    expect(answer.content).toContain('Error: the weather service is down');
  });

  it('stops at maxSteps and says so on the answer, without asking the model again', async () => {
    const { result } = renderChat({ maxSteps: 1, tools: { get_weather: { parameters: weather, execute: () => 'sunny' } } });
    await result.current.send('get_weather for Quito');
    await waitFor(() => expect(lastAnswer(result.current.messages).stepLimitReached).toBe(true));
    expect(result.current.status).toBe('ready');
    expect(toolParts(lastAnswer(result.current.messages))[0]).toMatchObject({ state: 'output-available', output: 'sunny' });
    expect(upstreamRequests('get_weather for Quito')).toHaveLength(1);
  });

  it('Stop during a running tool aborts it and leaves the answer stopped', async () => {
    let aborted = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const execute = (_input: unknown, { signal }: { signal: AbortSignal }) =>
      new Promise((_resolve, reject) => {
        started();
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    const { result } = renderChat({ tools: { get_weather: { parameters: weather, execute } } });
    const sending = result.current.send('get_weather in Bergen');
    await running;
    result.current.stop();
    await sending;
    await waitFor(() => expect(lastAnswer(result.current.messages).status).toBe('stopped'));
    expect(aborted).toBe(true);
    expect(result.current.status).toBe('ready');
    expect(upstreamRequests('get_weather in Bergen')).toHaveLength(1);
  });

  it("runs the latest render's execute, not the one the chat was created with", async () => {
    const { result, rerender } = renderChat({ tools: { get_weather: { parameters: weather, execute: () => 'stale' } } });
    rerender({ feature: 'chat', tools: { get_weather: { parameters: weather, execute: () => 'fresh' } } });
    await result.current.send('get_weather in Porto');
    await waitFor(() => expect(lastAnswer(result.current.messages).status).toBe('done'));
    expect(toolParts(lastAnswer(result.current.messages))[0]?.output).toBe('fresh');
  });
});

describe('useChat tool loops across a reload', () => {
  it('a reload while a call awaits approval shows it awaiting again, and approving it goes on', async () => {
    const storage = localStorageAdapter({ prefix: 'tools:' });
    const tools: ChatTools = { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute: () => 'ticket #9' } };
    const conversationId = `approval-${Math.random().toString(36).slice(2, 10)}`;
    const first = renderChat({ conversationId, tools }, storage);
    await waitFor(() => expect(first.result.current.loaded).toBe(true));
    await first.result.current.send('Please create_ticket for the printer');
    await waitFor(async () => expect(toolParts(lastAnswer((await storage.load(conversationId))?.messages ?? []))[0]?.state).toBe('awaiting-approval'));
    first.unmount();

    const reloaded = renderChat({ conversationId, tools }, storage);
    await waitFor(() => expect(reloaded.result.current.loaded).toBe(true));
    const call = toolParts(lastAnswer(reloaded.result.current.messages))[0] as MessageToolPart;
    expect(call.state).toBe('awaiting-approval');
    await reloaded.result.current.respondToApproval(call.toolCallId, true);
    await waitFor(() => expect(lastAnswer(reloaded.result.current.messages).status).toBe('done'));
    expect(lastAnswer(reloaded.result.current.messages).content).toContain('ticket #9');
  });

  it("a reasoning model's next turn works after a reload from server storage: its reasoning details come back untouched", async () => {
    const storage = serverStorage(createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` }, fetch: nodeFetch }));
    const tools: ChatTools = { get_weather: { parameters: weather, execute: () => ({ celsius: 3 }) } };
    const thinking = { reasoning: { effort: 'low' as const } };
    const conversationId = `thinker-${Math.random().toString(36).slice(2, 10)}`;
    const first = renderChat({ feature: 'thinker', params: thinking, conversationId, tools }, storage);
    await waitFor(() => expect(first.result.current.loaded).toBe(true));
    await first.result.current.send('get_weather in Tromsø');
    await waitFor(() => expect(lastAnswer(first.result.current.messages).status).toBe('done'));
    const loop = lastAnswer(first.result.current.messages);
    expect(loop.parts.map((part) => part.type)).toEqual(['reasoning', 'tool-call', 'step-start', 'reasoning', 'text']);
    await waitFor(async () => expect(lastAnswer((await storage.load(conversationId))?.messages ?? []).status).toBe('done'));
    first.unmount();

    const reloaded = renderChat({ feature: 'thinker', params: thinking, conversationId, tools }, storage);
    await waitFor(() => expect(reloaded.result.current.loaded).toBe(true));
    expect(reloaded.result.current.messages).toEqual(first.result.current.messages);
    await reloaded.result.current.send('And tomorrow, in a word?');
    await waitFor(() => expect(reloaded.result.current.status).toBe('ready'));
    expect(lastAnswer(reloaded.result.current.messages)).toMatchObject({ status: 'done' });
    expect(reloaded.result.current.error).toBeUndefined();
    // What made it work: the stored turn's tool-call message went back with Claude's signed details.
    const history = upstreamRequests('And tomorrow, in a word?').at(-1)?.messages ?? [];
    const calling = history.find((message) => Array.isArray(message['tool_calls']));
    const reasoning = loop.parts[0];
    expect(calling?.['reasoning_details']).toEqual(reasoning?.type === 'reasoning' ? reasoning.details : undefined);
    expect(JSON.stringify(calling?.['reasoning_details'])).toContain('"signature"');
  });
});
