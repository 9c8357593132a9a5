import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { AiError } from '../../core/errors.js';
import { memoryStorage, type ConversationStorage } from '../../core/storage/conversation-storage.js';
import type { AiTheme } from '../../primitives/ai-root.js';
import { AiProvider } from '../../react/ai-provider.js';
import { mockClient } from '../../testing/mock-gateway.js';
import { ChatPanel } from '../chat-panel/chat-panel.js';
import { sampleAnswer } from '../chat-panel/sample-conversation.js';
import { ThreadList } from './thread-list.js';

const stored = [
  ['trip', 'Plan four days in Lisbon', 'Day one: Alfama and the castle at sunset.'],
  ['tax', 'Explain my tax return', 'Your refund comes from the withholding on your salary.'],
  ['cook', 'What can I cook with leeks?', 'Leek and potato soup, or leeks vinaigrette.'],
].map(([id, question, answer], index) => ({
  id: id as string,
  title: question as string,
  feature: 'chat',
  createdAt: index,
  updatedAt: 1000 - index,
  messages: [
    { id: `${id}-u`, role: 'user' as const, content: question as string, createdAt: index },
    { id: `${id}-t`, role: 'assistant' as const, selected: 0, versions: [sampleAnswer(`${id}-a`, answer as string)] },
  ],
}));

/** A storage that cannot be reached: every read and write fails, as a server storage does while the network is down. */
function unreachable(storage: ConversationStorage): ConversationStorage {
  const offline = () => Promise.reject(new AiError({ code: 'offline', message: 'The conversations cannot be reached (story).' }));
  return { ...storage, load: offline, save: offline, remove: offline, list: offline };
}

/** The conversation list beside a chat, as an app lays them out (the list collapses above the chat when narrow). */
function ChatWithHistory({ storageFails = false, theme = 'system' }: { storageFails?: boolean; theme?: AiTheme }) {
  const [storage] = useState(() => (storageFails ? unreachable(memoryStorage(stored)) : memoryStorage(stored)));
  const [client] = useState(() => mockClient({ pacing: { ttftMs: 200, tokensPerSecond: 80 } }));
  const [id, setId] = useState('trip');
  return (
    <AiProvider client={client} storage={storage}>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 260px), 1fr))', gap: 0, height: 'calc(100vh - 32px)' }}>
        <ThreadList theme={theme} activeId={id} onSelect={setId} onNewChat={() => setId(`chat-${Date.now()}`)} style={{ maxHeight: 'calc(100vh - 32px)' }} />
        <ChatPanel theme={theme} conversationId={id} onConversationIdChange={setId} style={{ gridColumn: 'span 2', minHeight: 480 }} />
      </div>
    </AiProvider>
  );
}

const meta = {
  title: 'ThreadList',
  component: ChatWithHistory,
  parameters: { docs: { description: { component: 'The user’s conversations: new, open, rename, delete and search, beside a ChatPanel.' } } },
} satisfies Meta<typeof ChatWithHistory>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Three stored conversations, the first one open. */
export const WithChat: Story = {};

/** Searching narrows the list by title. */
export const Searching: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(await canvas.findByRole('searchbox', { name: 'Search conversations' }), 'lisbon');
    await waitFor(() => expect(within(canvas.getByRole('list', { name: 'Conversations' })).getAllByRole('listitem')).toHaveLength(1));
  },
};

/** The storage cannot be reached: the list says so with a way to try again, and the chat that it could not be loaded. */
export const StorageUnavailable: Story = {
  args: { storageFails: true },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('button', { name: 'Try again' });
    await waitFor(() => expect(canvas.getByText(/This conversation could not be loaded/)).toBeInTheDocument());
  },
};
