import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createChatController, type ChatControllerOptions } from './chat-controller.js';
import { shownAnswer, type AssistantMessage, type AssistantTurn } from './chat-messages.js';
import { createAiClient, type AiClient } from './client.js';
import type { FrameScheduler } from './frame-scheduler.js';
import type { ChatTools, MessageToolPart } from './message-parts.js';
import { toRequestMessages } from './request-messages.js';
import { memoryStorage } from './storage/conversation-storage.js';

// The tool loop against a real gateway with the emulator behind it: the emulator calls every tool the last user
// message names (in parallel, one `index` each) and, after `tool` messages, answers from their results.
let harness: Harness;
let client: AiClient;

beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'researcher', model: 'openai/gpt-4o-mini', extensions: { serverTools: { web_search: 'force' } } },
      { name: 'thinker', model: 'anthropic/claude-sonnet-4' },
    ],
  });
  client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const immediate: FrameScheduler = (callback) => {
  const timer = setTimeout(callback, 0);
  return () => clearTimeout(timer);
};

function chat(options: Partial<ChatControllerOptions> = {}) {
  return createChatController({ client, feature: 'chat', scheduler: immediate, ...options });
}
const answerOf = (controller: ReturnType<typeof chat>): AssistantMessage => shownAnswer(controller.store.getState().messages.at(-1) as AssistantTurn);
const toolParts = (answer: AssistantMessage) => answer.parts.filter((part): part is MessageToolPart => part.type === 'tool-call');
/** The messages the emulator received in its latest chat request. */
const lastUpstreamMessages = () => {
  const probes = harness.emulator.generations({ kind: 'chat' });
  return (probes.at(-1)?.request as { messages: Array<Record<string, unknown>> }).messages;
};

describe('a chat with client tools', () => {
  it('runs parallel calls, waits for approval, then answers from every result in a second step', async () => {
    const created: unknown[] = [];
    const tools: ChatTools = {
      get_weather: { description: 'The weather in a city', parameters: weatherSchema, execute: ({ city }: { city: string }) => ({ city, celsius: 21 }) },
      create_ticket: {
        description: 'Opens a support ticket',
        parameters: { type: 'object', properties: { title: { type: 'string' } } },
        needsApproval: true,
        execute: (input: unknown) => {
          created.push(input);
          return 'ticket #42';
        },
      },
    };
    const controller = chat({ tools });
    await controller.send('Use get_weather and create_ticket please');

    let answer = answerOf(controller);
    expect(toolParts(answer).map((part) => [part.name, part.state])).toEqual([
      ['get_weather', 'output-available'],
      ['create_ticket', 'awaiting-approval'],
    ]);
    expect(toolParts(answer)[0]?.output).toEqual({ city: expect.any(String), celsius: 21 });
    expect(created).toEqual([]);
    expect(controller.store.getState().status).toBe('ready');

    const ticket = toolParts(answer)[1] as MessageToolPart;
    await controller.respondToApproval(ticket.toolCallId, true);
    answer = answerOf(controller);
    expect(created).toHaveLength(1);
    expect(answer.status).toBe('done');
    expect(answer.parts.map((part) => part.type)).toEqual(['tool-call', 'tool-call', 'step-start', 'text']);
    expect(answer.content).toContain('create_ticket: ticket #42');
    expect(answer.content).toContain('"celsius":21');
    // The second request carried the calls and one tool message per call.
    const upstream = lastUpstreamMessages();
    expect(upstream.filter((message) => message['role'] === 'tool').map((message) => message['content'])).toEqual([expect.stringContaining('"celsius":21'), 'ticket #42']);
    expect(upstream.find((message) => message['role'] === 'assistant')?.['tool_calls']).toHaveLength(2);
  });

  it('tells the model a denied call was denied, with the reason', async () => {
    const controller = chat({ tools: { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute: () => 'never' } } });
    await controller.send('Please create_ticket');
    const call = toolParts(answerOf(controller))[0] as MessageToolPart;
    await controller.respondToApproval(call.toolCallId, false, 'not now');
    const answer = answerOf(controller);
    expect(toolParts(answer)[0]).toMatchObject({ state: 'denied', errorText: 'not now' });
    expect(answer.content).toContain('The user denied this call: not now');
  });

  it('turns a throwing tool into a tool error the model reads', async () => {
    const controller = chat({ tools: { get_weather: { parameters: weatherSchema, execute: () => Promise.reject(new Error('the weather service is down')) } } });
    await controller.send('What does get_weather say?');
    const answer = answerOf(controller);
    expect(toolParts(answer)[0]).toMatchObject({ state: 'output-error', errorText: 'the weather service is down' });
    expect(answer.content).toContain('Error: the weather service is down');
  });

  it('stops after maxSteps model calls, with the results shown', async () => {
    const controller = chat({ maxSteps: 1, tools: { get_weather: { parameters: weatherSchema, execute: () => 'sunny' } } });
    await controller.send('get_weather for Paris');
    const answer = answerOf(controller);
    expect(answer.parts.map((part) => part.type)).toEqual(['tool-call']);
    expect(toolParts(answer)[0]).toMatchObject({ state: 'output-available', output: 'sunny' });
    expect(answer.stepLimitReached).toBe(true);
    expect(controller.store.getState().status).toBe('ready');
    expect(harness.emulator.generations({ kind: 'chat' }).filter((probe) => JSON.stringify(probe.request).includes('get_weather for Paris'))).toHaveLength(1);
  });

  it('does not mark an answer that finished within maxSteps', async () => {
    const controller = chat({ maxSteps: 2, tools: { get_weather: { parameters: weatherSchema, execute: () => 'sunny' } } });
    await controller.send('get_weather for Rome');
    expect(answerOf(controller)).toMatchObject({ status: 'done', finishReason: 'stop' });
    expect(answerOf(controller).stepLimitReached).toBeUndefined();
  });

  it('Stop settles at once even when a tool ignores its signal', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const controller = chat({
      tools: {
        get_weather: {
          parameters: weatherSchema,
          execute: () => {
            started();
            return new Promise(() => undefined);
          },
        },
      },
    });
    const sent = controller.send('get_weather forever');
    await running;
    controller.stop();
    await sent;
    expect(answerOf(controller).status).toBe('stopped');
    expect(controller.store.getState().status).toBe('ready');
  });

  it('fails the answer, naming the tool, when its parameters are not a schema, and sends nothing', async () => {
    const before = harness.emulator.generations({ kind: 'chat' }).length;
    const controller = chat({ tools: { broken: { parameters: 'not a schema' as never, execute: () => 1 } } });
    await controller.send('Call broken');
    expect(answerOf(controller)).toMatchObject({ status: 'error', error: { message: expect.stringContaining('The tool "broken"') } });
    expect(controller.store.getState().status).toBe('error');
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(before);
  });

  it('a reload while a call awaits approval shows it awaiting again, and approving it goes on', async () => {
    const storage = memoryStorage();
    const created: unknown[] = [];
    const tools: ChatTools = { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute: (input: unknown) => (created.push(input), 'ticket #7') } };
    const first = chat({ storage, tools });
    await first.send('Please create_ticket now');
    await first.persisted();
    first.dispose();

    const reloaded = chat({ storage, tools, conversationId: first.store.getState().id });
    await reloaded.ready;
    const call = toolParts(answerOf(reloaded))[0] as MessageToolPart;
    expect(call.state).toBe('awaiting-approval');
    await reloaded.respondToApproval(call.toolCallId, true);
    expect(created).toHaveLength(1);
    expect(answerOf(reloaded)).toMatchObject({ status: 'done' });
    expect(answerOf(reloaded).content).toContain('ticket #7');
    await reloaded.persisted();
    expect(shownAnswer((await storage.load(first.store.getState().id))?.messages.at(-1) as AssistantTurn).parts.map((part) => part.type)).toEqual(['tool-call', 'step-start', 'text']);
  });

  it('answers a tool without execute through addToolOutput', async () => {
    const controller = chat({ tools: { pick_color: { parameters: { type: 'object' } } } });
    await controller.send('Call pick_color');
    const call = toolParts(answerOf(controller))[0] as MessageToolPart;
    expect(call.state).toBe('input-available');
    await controller.addToolOutput(call.toolCallId, { output: { color: 'teal' } });
    expect(answerOf(controller).content).toContain('teal');
  });

  it('Stop during a running tool aborts it and stops the answer', async () => {
    let aborted = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const controller = chat({
      tools: {
        get_weather: {
          parameters: weatherSchema,
          execute: (_input: unknown, { signal }) =>
            new Promise((_resolve, reject) => {
              started();
              signal.addEventListener('abort', () => {
                aborted = true;
                reject(new Error('aborted'));
              });
            }),
        },
      },
    });
    const sent = controller.send('get_weather now');
    await running;
    controller.stop();
    await sent;
    const answer = answerOf(controller);
    expect(aborted).toBe(true);
    expect(answer.status).toBe('stopped');
    expect(toolParts(answer)[0]).toMatchObject({ state: 'output-error', errorText: 'Stopped by the user.' });
    expect(controller.store.getState().status).toBe('ready');
  });

  it("continues a reasoning model's tool loop because its reasoning details go back untouched", async () => {
    const controller = chat({ feature: 'thinker', params: { reasoning: { effort: 'low' } }, tools: { get_weather: { parameters: weatherSchema, execute: () => 'cloudy' } } });
    await controller.send('get_weather in Oslo');
    const answer = answerOf(controller);
    expect(answer.status).toBe('done');
    const reasoning = answer.parts.find((part) => part.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.details.some((detail) => typeof detail['signature'] === 'string' && detail['signature'] !== '')).toBe(true);
    expect(answer.content).toContain('cloudy');

    // The same continuation without the details is refused by the provider: the details are what made it work.
    const messages = toRequestMessages(controller.store.getState().messages).map(({ reasoning_details: _details, ...message }) => message);
    const withoutDetails = messages.slice(0, messages.findIndex((message) => message.role === 'tool') + 1);
    const refused = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinker', reasoning: { effort: 'low' }, messages: withoutDetails, tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherSchema } }] }),
    });
    expect(refused.status).toBe(400);
  });
});

describe('a chat with web search', () => {
  it('numbers the sources the answer cites', async () => {
    const controller = chat({ feature: 'researcher' });
    await controller.send('What is new in TypeScript?');
    const answer = answerOf(controller);
    const sources = answer.parts.filter((part) => part.type === 'source');
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.map((source) => source.number)).toEqual(sources.map((_source, index) => index + 1));
    expect(sources.every((source) => source.url.startsWith('https://'))).toBe(true);
    expect(answer.content).toContain('[1]');
  });
});
