import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { Profiler, type ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatController } from '../../core/chat-controller.js';
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { useChatRuntime } from '../../react/use-chat-runtime.js';
import { mockClient, type MockGatewayOptions } from '../../testing/mock-gateway.js';
import * as ActionBar from '../action-bar/action-bar-parts.js';
import * as Composer from '../composer/composer-parts.js';
import * as Message from '../message/message.js';
import * as Thread from './thread.js';

afterEach(cleanup);

const commits = new Map<string, number>();
let chat: ChatController | undefined;
/** Counts a subtree's commits while an answer streams (not the frames that start or end it). */
const count = (id: string) => {
  if (chat?.store.getState().status === 'streaming') commits.set(id, (commits.get(id) ?? 0) + 1);
};

function CountedMessage() {
  const { id } = Message.useMessageContext('CountedMessage');
  return (
    <Profiler id={id} onRender={() => count(id)}>
      <Message.Root>
        <Message.Content />
        <Message.Editor />
        <Message.Actions>
          <ActionBar.Root>
            <ActionBar.Edit>Edit</ActionBar.Edit>
            <ActionBar.Copy>Copy</ActionBar.Copy>
          </ActionBar.Root>
        </Message.Actions>
      </Message.Root>
    </Profiler>
  );
}

const components = { UserMessage: CountedMessage, AssistantMessage: CountedMessage };

function Chat({ onSubmit, send }: { onSubmit?: (event: { preventDefault(): void }) => void; send?: ReactNode }) {
  chat = useChatRuntime({ feature: 'chat' });
  return (
    <Thread.Root chat={chat}>
      <Thread.Viewport>
        <Thread.Messages components={components} />
      </Thread.Viewport>
      <Profiler id="composer" onRender={() => count('composer')}>
        <Composer.Root onSubmit={onSubmit}>
          <Composer.Input />
          {send ?? <Composer.Send>Send</Composer.Send>}
          <Composer.Stop>Stop</Composer.Stop>
        </Composer.Root>
      </Profiler>
    </Thread.Root>
  );
}

function renderChat(gateway: MockGatewayOptions, element: ReactNode = <Chat />) {
  commits.clear();
  return render(
    <AiProvider client={mockClient(gateway)} storage={memoryStorage()}>
      {element}
    </AiProvider>,
  );
}

const input = () => screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
const settled = () => waitFor(() => expect(chat?.store.getState().status).toBe('ready'), { timeout: 10_000 });

describe('Thread primitives', () => {
  it('while an answer streams, the composer and every earlier message commit 0 times; only the streaming one does', async () => {
    renderChat({ pacing: { ttftMs: 0, tokensPerSecond: 400 }, replyTokens: 120 });
    await act(() => chat!.send('First question'));
    await settled();
    const earlier = chat!.store.getState().messages.map((message) => message.id);
    commits.clear();
    await act(async () => {
      await chat!.send('Second question');
    });
    await settled();
    const streamingId = chat!.store.getState().messages.at(-1)!.id;
    expect(commits.get(streamingId) ?? 0).toBeGreaterThan(3);
    expect({ composer: commits.get('composer') ?? 0, earlier: earlier.map((id) => commits.get(id) ?? 0) }).toEqual({ composer: 0, earlier: [0, 0] });
  });

  it('an answer that ends while Stop has the focus gives the focus to the textbox, not to the page', async () => {
    const user = userEvent.setup();
    renderChat({ pacing: { ttftMs: 0, tokensPerSecond: 400 }, replyTokens: 40 });
    await user.type(input(), 'Question{Enter}');
    const stop = await screen.findByRole('button', { name: 'Stop' });
    // A keyboard user tabs to Stop and waits there.
    stop.focus();
    await settled();
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
    expect(document.activeElement).toBe(input());
  });

  it("Composer.Root's onSubmit cancels the send with preventDefault, and the text stays", async () => {
    const onSubmit = vi.fn((event: { preventDefault(): void }) => event.preventDefault());
    const user = userEvent.setup();
    renderChat({ pacing: { ttftMs: 0, tokensPerSecond: Infinity } }, <Chat onSubmit={onSubmit} />);
    await user.type(input(), 'Not yet{Enter}');
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(chat!.store.getState().messages).toHaveLength(0);
    expect(input().value).toBe('Not yet');
  });

  it("Composer.Send asChild makes the app's own element the send button, named and disabled while empty", async () => {
    const user = userEvent.setup();
    renderChat(
      { pacing: { ttftMs: 0, tokensPerSecond: Infinity } },
      <Chat
        send={
          <Composer.Send asChild>
            <button type="submit" className="mine">
              Go
            </button>
          </Composer.Send>
        }
      />,
    );
    const send = screen.getByRole<HTMLButtonElement>('button', { name: 'Send' });
    expect(send.className).toBe('mine');
    expect(send.disabled).toBe(true);
    await user.type(input(), 'Through my button');
    await user.click(send);
    await settled();
    expect(chat!.store.getState().messages[0]).toMatchObject({ role: 'user', content: 'Through my button' });
  });

  it('↑ in an empty composer opens the editor of the last message sent; Escape there cancels without stopping anything', async () => {
    const user = userEvent.setup();
    renderChat({ pacing: { ttftMs: 0, tokensPerSecond: Infinity } });
    await user.type(input(), 'One{Enter}');
    await settled();
    await user.type(input(), 'Two{Enter}');
    await settled();
    await user.click(input());
    await user.keyboard('{ArrowUp}');
    const editor = screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Edit message' });
    expect(editor.value).toBe('Two');
    expect(document.activeElement).toBe(editor);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
    // With text in the composer, ↑ moves the caret as usual.
    await user.type(input(), 'x');
    fireEvent.keyDown(input(), { key: 'ArrowUp' });
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
  });
});
