import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatController } from '../../core/chat-controller.js';
import type { AssistantMessage, ConversationMessage } from '../../core/chat-messages.js';
import type { AssistantMessagePart, ChatTools, MessageToolPart, ToolCallState } from '../../core/message-parts.js';
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { useChatRuntime } from '../../react/use-chat-runtime.js';
import { mockClient } from '../../testing/mock-gateway.js';
import * as Thread from '../thread/thread.js';
import * as Message from './message.js';

afterEach(cleanup);

let chat: ChatController | undefined;

function answer(id: string, parts: AssistantMessagePart[], overrides: Partial<AssistantMessage> = {}): AssistantMessage {
  const content = parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
  return { id, role: 'assistant', status: 'done', parts, content, reasoning: '', toolCalls: [], images: [], timing: { startedAt: 0, deltas: 1 }, ...overrides };
}

const conversation = (...parts: AssistantMessagePart[][]): ConversationMessage[] =>
  parts.flatMap((answerParts, index) => [
    { id: `u${index}`, role: 'user' as const, content: `Question ${index + 1}`, createdAt: index },
    { id: `t${index}`, role: 'assistant' as const, selected: 0, versions: [answer(`a${index}`, answerParts)] },
  ]);

function Chat({ messages, tools, parts }: { messages: ConversationMessage[]; tools?: ChatTools; parts?: Message.PartsProps }) {
  chat = useChatRuntime({ feature: 'chat', initialMessages: messages, ...(tools ? { tools } : {}) });
  const Answer = () => (
    <Message.Root>
      <Message.Parts {...parts} />
      <Message.Sources />
    </Message.Root>
  );
  const Question = () => (
    <Message.Root>
      <Message.Content />
    </Message.Root>
  );
  return (
    <Thread.Root chat={chat}>
      <Thread.Viewport>
        <Thread.Messages components={{ UserMessage: Question, AssistantMessage: Answer }} />
      </Thread.Viewport>
    </Thread.Root>
  );
}

function renderParts(messages: ConversationMessage[], options: { tools?: ChatTools; parts?: Message.PartsProps } = {}) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider client={mockClient({ pacing: { ttftMs: 0, tokensPerSecond: Infinity } })} storage={memoryStorage()}>
      <Chat messages={messages} {...options} />
    </AiProvider>,
  );
  return { user, ...view };
}

async function violations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`);
}

/** Replaces the first answer's parts (and status) in the store, as the stream would. */
function setAnswer(parts: AssistantMessagePart[], status: AssistantMessage['status']) {
  act(() => {
    const store = chat!.store;
    const messages = store.getState().messages.map((message) => (message.role === 'assistant' ? { ...message, versions: [answer(message.versions[0]!.id, parts, { status })] } : message));
    store.setState({ messages });
  });
}

const call = (name: string, state: ToolCallState, extra: Partial<MessageToolPart> = {}): MessageToolPart => ({ type: 'tool-call', toolCallId: `call-${name}`, index: 0, name, input: '{"city":"Oslo"}', state, ...extra });
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('Message.Parts', () => {
  it('draws the parts in the order they happened, citations linked to the sources listed under the answer', async () => {
    const { container } = renderParts(
      conversation([
        { type: 'reasoning', text: 'Weather first.', details: [], startedAt: 1_000, finishedAt: 3_600 },
        call('get_weather', 'output-available', { output: { celsius: 4 } }),
        call('get_time', 'output-available', { toolCallId: 'call-time', index: 1, input: '{}', output: '09:00' }),
        { type: 'step-start' },
        { type: 'text', text: 'It is 4 °C [1], per the forecast [2].' },
        { type: 'image', url: PIXEL },
        { type: 'image', url: PIXEL },
        { type: 'text', text: 'That is all.' },
        { type: 'source', number: 1, url: 'https://weather.example/oslo', title: 'Oslo now' },
        { type: 'source', number: 2, url: 'https://forecast.example/oslo' },
      ]),
    );
    const parts = await waitFor(() => container.querySelector('[data-part="parts"]') as HTMLElement);
    expect(Array.from(parts.children).map((child) => child.getAttribute('data-part'))).toEqual(['reasoning', 'tool-call', 'tool-call', 'text', 'images', 'text']);
    expect(screen.getByRole('button', { name: 'Thought for 3 s' }).getAttribute('aria-expanded')).toBe('false');
    expect(within(parts).getAllByRole('img').map((image) => image.getAttribute('alt'))).toEqual(['Generated image 1', 'Generated image 2']);
    const citation = screen.getByRole('link', { name: 'Source 1: Oslo now' });
    expect(citation.getAttribute('href')).toBe('https://weather.example/oslo');
    expect(citation.closest('sup')).not.toBeNull();
    expect(screen.getByRole('link', { name: 'Source 2: forecast.example' })).toBeTruthy();
    // Sources are listed once, under the answer: title and host, and no picture fetched for them.
    const sources = screen.getByRole('navigation', { name: 'Sources' });
    expect(parts.contains(sources)).toBe(false);
    expect(within(sources).getAllByRole('listitem').map((item) => item.textContent)).toEqual(['1Oslo nowweather.example', '2forecast.exampleforecast.example']);
    expect(sources.querySelector('img')).toBeNull();
    expect(await violations()).toEqual([]);
  });

  it('shows "Thinking…" before the first token, keeps reasoning open while the model thinks, then folds it as "Thought for N s"', async () => {
    const { user } = renderParts(conversation([{ type: 'text', text: 'Done.' }]));
    await screen.findByText('Done.');
    setAnswer([], 'pending');
    expect(screen.getByText('Thinking…')).toBeTruthy();
    setAnswer([{ type: 'reasoning', text: 'Step one', details: [], startedAt: 0, finishedAt: 500 }], 'streaming');
    const toggle = screen.getByRole('button', { name: 'Thinking…' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByText('Step one')).toBeTruthy();
    expect(await violations()).toEqual([]);
    setAnswer([{ type: 'reasoning', text: 'Step one, step two', details: [], startedAt: 0, finishedAt: 7_400 }, { type: 'text', text: 'The answer' }], 'streaming');
    const folded = screen.getByRole('button', { name: 'Thought for 7 s' });
    expect(folded.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByText('Step one, step two')).toBeNull();
    // Only the part being written carries the streaming mark.
    expect(document.querySelector('[data-part="text"]')?.hasAttribute('data-streaming')).toBe(true);
    await user.click(folded);
    expect(folded.getAttribute('aria-expanded')).toBe('true');
    expect(document.getElementById(folded.getAttribute('aria-controls')!)?.textContent).toBe('Step one, step two');
    expect(await violations()).toEqual([]);
  });

  it('says reasoning the provider encrypted is hidden, with nothing to unfold', async () => {
    renderParts(conversation([{ type: 'reasoning', text: '', details: [{ type: 'reasoning.encrypted', data: 'x' }], startedAt: 0, finishedAt: 6_000 }, { type: 'text', text: 'No.' }]));
    expect(await screen.findByText('Thought for 6 s (hidden by the provider)')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Thought/ })).toBeNull();
  });

  it('takes renderers of its own per kind of part, and components per tool name that answer the call', async () => {
    const Weather = ({ part, addToolOutput }: Message.ToolCallViewProps) => (
      <button type="button" onClick={() => addToolOutput({ output: { celsius: 21 } })}>
        Weather {part.state}
      </button>
    );
    const Reasoning = ({ part }: Message.ReasoningPartProps) => <p>My reasoning: {part.text}</p>;
    const Text = ({ part, sources }: Message.TextPartProps) => (
      <p>
        {part.text} ({sources.length} sources)
      </p>
    );
    const tools: ChatTools = { get_weather: { parameters: { type: 'object' } } };
    const { user } = renderParts(conversation([{ type: 'reasoning', text: 'Hmm', details: [] }, call('get_weather', 'input-available'), { type: 'text', text: 'Checking' }, { type: 'source', number: 1, url: 'https://a.example' }]), {
      tools,
      parts: { components: { Reasoning, Text }, toolComponents: { get_weather: Weather } },
    });
    expect(await screen.findByText('My reasoning: Hmm')).toBeTruthy();
    expect(screen.getByText('Checking (1 sources)')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Weather input-available' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Weather output-available' })).toBeTruthy());
  });
});

describe('ToolCallCard', () => {
  it('names each state with an icon and words, folds arguments and result, shows the error, and passes axe in every state', async () => {
    const states: ToolCallState[] = ['input-streaming', 'input-available', 'awaiting-approval', 'output-available', 'output-error', 'denied'];
    const { user } = renderParts(
      conversation(
        states.map((state, index) =>
          call(`tool_${index}`, state, { toolCallId: `call-${index}`, index, ...(state === 'output-available' ? { output: { celsius: 4 } } : {}), ...(state === 'output-error' ? { errorText: 'No such city.' } : {}), ...(state === 'denied' ? { errorText: 'The user denied this call.' } : {}) }),
        ),
      ),
    );
    const cards = await screen.findAllByRole('group', { name: /^Tool call: / });
    expect(cards.map((card) => [card.getAttribute('data-state'), card.querySelector('[data-part="tool-state"]')?.textContent, card.querySelector('[data-part="tool-icon"] svg') !== null])).toEqual([
      ['input-streaming', 'Preparing…', true],
      ['input-available', 'Running…', true],
      ['awaiting-approval', 'Needs your approval', true],
      ['output-available', 'Done', true],
      ['output-error', 'Failed', true],
      ['denied', 'Denied', true],
    ]);
    // Only the call waiting for the user is open: it shows what it asks to do.
    expect(cards.map((card) => within(card).getAllByRole('button')[0]!.getAttribute('aria-expanded'))).toEqual(['false', 'false', 'true', 'false', 'false', 'false']);
    expect(within(cards[2]!).getByText('Allow tool_2 to run?')).toBeTruthy();
    expect(within(cards[4]!).getByText('No such city.')).toBeTruthy();
    expect(await violations()).toEqual([]);
    await user.click(within(cards[3]!).getByRole('button', { name: /tool_3/ }));
    expect(within(cards[3]!).getByText('Result')).toBeTruthy();
    expect(within(cards[3]!).getByText(/"celsius": 4/)).toBeTruthy();
    expect(within(cards[3]!).getByText(/"city": "Oslo"/)).toBeTruthy();
    expect(await violations()).toEqual([]);
  });

  it('is approved with the keyboard: Tab reaches Approve, Enter runs the tool, and the focus stays on the card', async () => {
    const execute = vi.fn(() => 'ticket #7');
    const tools: ChatTools = { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute } };
    const { user } = renderParts(conversation([call('create_ticket', 'awaiting-approval')]), { tools });
    const card = await screen.findByRole('group', { name: 'Tool call: create_ticket' });
    const header = within(card).getByRole('button', { name: /create_ticket/ });
    header.focus();
    // The open arguments first (they scroll with the keyboard), then Deny, then Approve.
    await user.tab();
    expect(document.activeElement?.tagName).toBe('PRE');
    await user.tab();
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Deny' }));
    await user.tab();
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Approve' }));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(card.getAttribute('data-state')).toBe('output-available'), { timeout: 10_000 });
    expect(execute).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(header);
    expect(within(card).queryByRole('button', { name: 'Approve' })).toBeNull();
  });

  it('shows the arguments to approve as they run: bidi controls and invisible characters are written out, not obeyed', async () => {
    // Shown raw, "report\u202Efdp.exe" reads "reportexe.pdf", and the tag characters a model reads stay invisible.
    const input = JSON.stringify({ file: 'report\u202Efdp.exe', to: 'alice\u200B@example.com', note: 'ok\u{E0041}\u2028x' });
    const tools: ChatTools = { send_file: { parameters: { type: 'object' }, needsApproval: true, execute: () => 'sent' } };
    renderParts(conversation([call('send_file', 'awaiting-approval', { input })]), { tools });
    const card = await screen.findByRole('group', { name: 'Tool call: send_file' });
    const shown = card.querySelector('pre')?.textContent ?? '';
    expect(shown).not.toMatch(/[\p{Cf}\u2028\u2029]/u);
    expect(shown).toContain('"file": "report\\u202efdp.exe"');
    expect(shown).toContain('"to": "alice\\u200b@example.com"');
    // Still JSON, and the same arguments.
    expect(JSON.parse(shown)).toEqual(JSON.parse(input));
  });

  it('is denied with Space: the tool never runs and the card says so', async () => {
    const execute = vi.fn(() => 'never');
    const tools: ChatTools = { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute } };
    const { user } = renderParts(conversation([call('create_ticket', 'awaiting-approval')]), { tools });
    const card = await screen.findByRole('group', { name: 'Tool call: create_ticket' });
    within(card).getByRole('button', { name: 'Deny' }).focus();
    await user.keyboard(' ');
    await waitFor(() => expect(card.getAttribute('data-state')).toBe('denied'), { timeout: 10_000 });
    expect(execute).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: /create_ticket/ }));
  });

  it('shows a web search as "Searching the web…", then the sources it found, linked through the URL policy', async () => {
    const search = call('web_search', 'input-available', { server: true, input: '{"query":"oslo weather"}' });
    renderParts(conversation([search, { type: 'text', text: 'Cold [1].' }]));
    const card = await screen.findByRole('group', { name: 'Tool call: Web search' });
    expect(within(card).getByText('Searching the web…')).toBeTruthy();
    expect(within(card).getByText('oslo weather')).toBeTruthy();
    setAnswer(
      [
        { ...search, state: 'output-available' },
        { type: 'text', text: 'Cold [1].' },
        { type: 'source', number: 1, url: 'https://weather.example/oslo', title: 'Oslo now' },
        { type: 'source', number: 2, url: 'javascript:alert(1)', title: 'Bad' },
      ],
      'done',
    );
    expect(within(card).getByText('2 sources')).toBeTruthy();
    await userEvent.setup().click(within(card).getByRole('button', { name: /Web search/ }));
    expect(within(card).getByRole('link', { name: 'Oslo now' }).getAttribute('href')).toBe('https://weather.example/oslo');
    expect(within(card).queryByRole('link', { name: 'Bad' })).toBeNull();
    expect(within(card).getByText('Bad')).toBeTruthy();
    expect(await violations()).toEqual([]);
  });
});
