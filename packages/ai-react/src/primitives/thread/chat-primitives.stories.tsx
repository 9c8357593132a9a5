import type { Meta, StoryObj } from '@storybook/react-vite';
import type { ReactNode } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { sampleAnswer } from '../../components/chat-panel/sample-conversation.js';
import { createAssistantMessage, type ConversationMessage } from '../../core/chat-messages.js';
import { ArrowUpIcon } from '../../icons/arrow-up-icon.js';
import { CopyIcon } from '../../icons/copy-icon.js';
import { EditIcon } from '../../icons/edit-icon.js';
import { RegenerateIcon } from '../../icons/regenerate-icon.js';
import { SparklesIcon } from '../../icons/sparkles-icon.js';
import { StopIcon } from '../../icons/stop-icon.js';
import { useChatRuntime } from '../../react/use-chat-runtime.js';
import * as ActionBar from '../action-bar/action-bar-parts.js';
import { AiRoot, type AiTheme } from '../ai-root.js';
import * as Composer from '../composer/composer-parts.js';
import * as Message from '../message/message.js';
import { ModelInfo } from '../model-info.js';
import { useThreadContext } from './thread-context.js';
import * as Thread from './thread.js';

/**
 * A chat rebuilt from the primitives, styled with the library's own classes. Everything ChatPanel does is here in
 * parts: swap any of them. The custom composer has an extra button and its own send button (`asChild`); the
 * answers have a custom "Quote" action next to the usual ones.
 */
function CustomChat({ initialMessages, children, theme = 'system' }: { initialMessages?: ConversationMessage[] | undefined; children?: ReactNode; theme?: AiTheme }) {
  const chat = useChatRuntime({ feature: 'chat', ...(initialMessages ? { initialMessages } : {}) });
  return (
    <Thread.Root chat={chat} asChild>
      <AiRoot theme={theme} className="ia-chat" style={{ height: 'calc(100vh - 32px)' }}>
        <Thread.Viewport className="ia-chat-log">
          <Thread.Empty className="ia-chat-empty">
            <h2 className="ia-chat-empty-title">Built from primitives</h2>
            <p className="ia-chat-empty-text">Thread, Message, Composer and ActionBar, composed by hand.</p>
            <ul className="ia-chat-suggestions">
              <li>
                <Thread.Suggestion className="ia-chat-suggestion" prompt="Explain the primitives" />
              </li>
              <li>
                <Thread.Suggestion className="ia-chat-suggestion" prompt="Write a haiku about streams" method="fill" />
              </li>
            </ul>
          </Thread.Empty>
          <Thread.Messages className="ia-chat-list" components={{ UserMessage, AssistantMessage }} />
          <Thread.ScrollToBottom className="ia-chat-jump">↓</Thread.ScrollToBottom>
        </Thread.Viewport>
        <div className="ia-chat-footer">{children ?? <CustomComposer />}</div>
      </AiRoot>
    </Thread.Root>
  );
}

function UserMessage() {
  return (
    <Message.Root className="ia-chat-message">
      <div className="ia-chat-body">
        <Message.Content className="ia-chat-content" />
        <Message.Editor className="ia-chat-editor" inputClassName="ia-chat-input" buttonClassName="ia-chat-button" />
        <Message.Actions className="ia-chat-actions">
          <ActionBar.Root className="ia-chat-action-bar">
            <ActionBar.Edit className="ia-chat-button ia-chat-icon-button">
              <EditIcon />
            </ActionBar.Edit>
          </ActionBar.Root>
          <Message.VersionPicker className="ia-chat-versions" buttonClassName="ia-chat-button ia-chat-icon-button" countClassName="ia-chat-version-count" />
        </Message.Actions>
      </div>
    </Message.Root>
  );
}

/** A custom action: puts the answer's first line in the composer as a quote. */
function QuoteAction() {
  const message = Message.useMessage('QuoteAction');
  // Messages sit outside the composer: the thread hands text to it (as Thread.Suggestion method="fill" does).
  const { fillComposer, focusComposer } = useThreadContext('QuoteAction');
  const text = message?.role === 'assistant' ? (message.versions[message.selected]?.content ?? '') : '';
  return (
    <button
      type="button"
      className="ia-chat-button"
      onClick={() => {
        fillComposer.current?.(`> ${text.split('\n')[0] ?? ''}\n\n`);
        focusComposer();
      }}
    >
      Quote
    </button>
  );
}

function AssistantMessage() {
  return (
    <Message.Root className="ia-chat-message">
      <Message.Avatar className="ia-chat-avatar">
        <SparklesIcon />
      </Message.Avatar>
      <div className="ia-chat-body">
        <Message.Reasoning className="ia-chat-reasoning" />
        <Message.Content className="ia-chat-content" />
        <Message.Status className="ia-chat-badge" />
        <Message.Actions className="ia-chat-actions" data-last="">
          <ActionBar.Root className="ia-chat-action-bar">
            <ActionBar.Copy className="ia-chat-button ia-chat-icon-button">
              <CopyIcon />
            </ActionBar.Copy>
            <ActionBar.Regenerate className="ia-chat-button ia-chat-icon-button">
              <RegenerateIcon />
            </ActionBar.Regenerate>
          </ActionBar.Root>
          <QuoteAction />
          <Message.VersionPicker className="ia-chat-versions" buttonClassName="ia-chat-button ia-chat-icon-button" countClassName="ia-chat-version-count" />
          <ModelInfo className="ia-model-info" triggerClassName="ia-chat-button ia-chat-icon-button" tooltipClassName="ia-model-tooltip" />
        </Message.Actions>
      </div>
    </Message.Root>
  );
}

/** A composer of one's own: a "Template" button beside the textbox, and the app's own send button through asChild. */
function CustomComposer() {
  return (
    <Composer.Root className="ia-chat-composer">
      <Composer.Input className="ia-chat-input" placeholder="Ask anything, or start from a template…" />
      <div className="ia-chat-composer-toolbar">
        <div className="ia-chat-composer-tools">
          <TemplateButton />
        </div>
        <Composer.Send asChild>
          <button type="submit" className="ia-chat-button" data-variant="primary">
            <ArrowUpIcon /> Send
          </button>
        </Composer.Send>
        <Composer.Stop className="ia-chat-button ia-chat-send">
          <StopIcon size={14} />
        </Composer.Stop>
      </div>
    </Composer.Root>
  );
}

function TemplateButton() {
  const { setText } = Composer.useComposer('TemplateButton');
  return (
    <button type="button" className="ia-chat-button" onClick={() => setText('Summarize this in three bullet points: ')}>
      Template
    </button>
  );
}

const meta = {
  title: 'Primitives/Chat',
  component: CustomChat,
  parameters: { docs: { description: { component: 'ChatPanel rebuilt from the Thread, Message, Composer and ActionBar primitives, against the mock gateway.' } } },
} satisfies Meta<typeof CustomChat>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The custom composition, empty: suggestions from `Thread.Suggestion` (one sends, one fills the composer). */
export const CustomComposition: Story = {};

/** Driven as a user would: the template button fills the composer, the app's own send button sends, "Quote" quotes. */
export const CustomCompositionDriven: Story = {
  parameters: { gateway: { pacing: { ttftMs: 0, tokensPerSecond: 400 } } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const box = await canvas.findByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
    await userEvent.click(canvas.getByRole('button', { name: 'Template' }));
    await expect(box.value).toBe('Summarize this in three bullet points: ');
    await userEvent.type(box, 'the primitives');
    await userEvent.click(canvas.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(canvasElement.querySelector('li[data-role="assistant"]')?.getAttribute('data-status')).toBe('done'), { timeout: 10_000 });
    await userEvent.click(canvas.getByRole('button', { name: 'Quote' }));
    await expect(box.value.startsWith('> ')).toBe(true);
  },
};

const pending = createAssistantMessage('p1', 0);

/** Every state a message shows: thinking, stopped, failed before any text, cut off, versions on both sides. */
export const MessageStates: Story = {
  args: {
    initialMessages: [
      {
        id: 'u1',
        role: 'user',
        content: 'Write a short, friendly greeting for our app',
        createdAt: 1,
        branch: 1,
        branches: [
          { content: 'Write a greeting', createdAt: 0, following: [] },
          { content: 'Write a short, friendly greeting for our app', createdAt: 1, following: [] },
        ],
      },
      {
        id: 't1',
        role: 'assistant',
        selected: 1,
        versions: [sampleAnswer('a1', 'Hello there!'), sampleAnswer('a2', 'Welcome back! **Good to see you** — pick up where you left off.')],
      },
      { id: 'u2', role: 'user', content: 'Stop half way', createdAt: 2 },
      { id: 't2', role: 'assistant', selected: 0, versions: [sampleAnswer('a3', 'Here is the first half of a long', { status: 'stopped' })] },
      { id: 'u3', role: 'user', content: 'Fail before answering', createdAt: 3 },
      { id: 't3', role: 'assistant', selected: 0, versions: [sampleAnswer('a4', '', { status: 'error' })] },
      { id: 'u4', role: 'user', content: 'Fail half way', createdAt: 4 },
      { id: 't4', role: 'assistant', selected: 0, versions: [sampleAnswer('a5', 'The first two steps are clear: measure, then', { status: 'error' })] },
      { id: 'u5', role: 'user', content: 'And now think', createdAt: 5 },
      { id: 't5', role: 'assistant', selected: 0, versions: [pending] },
    ],
  },
};

/** The composer while an answer streams: the app's send button gives way to Stop, typing continues. */
export const ComposerBusy: Story = {
  parameters: { gateway: { scenario: 'stall', pacing: { ttftMs: 100, tokensPerSecond: 30 } } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(await canvas.findByRole('textbox', { name: 'Message' }), 'Keep going{Enter}');
    await canvas.findByRole('button', { name: 'Stop' });
    await expect(canvas.queryByRole('button', { name: 'Send' })).toBeNull();
  },
};
