import { cleanup, render, waitFor } from '@testing-library/react';
import { memo } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { shownAnswer, type AssistantTurn, type ConversationMessage } from '../core/chat-messages.js';
import { memoryStorage } from '../core/storage/conversation-storage.js';
import { AiProvider } from './ai-provider.js';
import { useChat, type UseChatResult } from './use-chat.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
});

const FRAME_MS = 1000 / 60;

describe('useChat rendering while streaming', () => {
  it('re-renders the streaming message at most once per frame, and earlier messages never', async () => {
    const renders = new Map<string, number>();
    // A message component as an app would write it: memoized, so it renders again only when its message changes.
    const Message = memo(function Message({ message }: { message: ConversationMessage }) {
      renders.set(message.id, (renders.get(message.id) ?? 0) + 1);
      return <p>{message.role === 'user' ? message.content : shownAnswer(message).content}</p>;
    });
    let chat: UseChatResult | undefined;
    function Chat() {
      chat = useChat({ feature: 'chat' });
      return (
        <div>
          {chat.messages.map((message) => (
            <Message key={message.id} message={message} />
          ))}
        </div>
      );
    }
    const storage = memoryStorage();
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch} storage={storage}>
        <Chat />
      </AiProvider>,
    );
    await chat!.send('A short first question');
    await waitFor(() => expect(chat!.status).toBe('ready'));
    const earlier = chat!.messages.map((message) => message.id);
    const earlierRenders = earlier.map((id) => renders.get(id));

    harness.emulator.addRule({ match: { contains: 'stream fast' }, scenario: 'tps=1000;tokens=500' });
    const started = performance.now();
    await chat!.send('Now stream fast, please');
    await waitFor(() => expect(chat!.status).toBe('ready'));
    const elapsed = performance.now() - started;

    const [user, turn] = chat!.messages.slice(2) as [ConversationMessage, AssistantTurn];
    const answer = shownAnswer(turn);
    expect(answer.status).toBe('done');
    expect(answer.timing.deltas).toBeGreaterThanOrEqual(400);
    const streamingRenders = renders.get(turn.id) ?? 0;
    const frames = elapsed / FRAME_MS;
    // Hundreds of tokens, yet one render per frame at most (plus the first render and the final one).
    expect(streamingRenders).toBeLessThanOrEqual(Math.ceil(frames) + 2);
    expect(streamingRenders).toBeLessThan(answer.timing.deltas / 5);
    // It did stream: several frames showed a growing answer.
    expect(streamingRenders).toBeGreaterThan(3);
    // Messages that did not change kept their identity: not one re-render.
    expect(earlier.map((id) => renders.get(id))).toEqual(earlierRenders);
    expect(renders.get(user.id)).toBe(1);
  });
});
