import { describe, expect, it } from 'vitest';
import { restoreMessages, shownAnswer, type AssistantTurn, type StoredConversation, type UserMessage } from '../chat-messages.js';
import { toRequestMessages } from '../request-messages.js';
import { readConversationSummary, readStoredConversation } from './stored-conversation.js';

const answer = (id: string, text: string) => ({ id, role: 'assistant', status: 'done', parts: [{ type: 'text', text }], content: text, reasoning: '', toolCalls: [], images: [], timing: { startedAt: 1, deltas: 1 } });
const valid: StoredConversation = JSON.parse(
  JSON.stringify({
    id: 'kept',
    title: 'Plan a trip',
    feature: 'chat',
    createdAt: 1,
    updatedAt: 2,
    messages: [
      { id: 'u1', role: 'user', content: 'Plan a trip', createdAt: 1, parts: [{ type: 'text', text: 'Plan a trip' }], branches: [{ content: 'Plan a hike', createdAt: 0, following: [] }, { content: 'Plan a trip', createdAt: 1, following: [] }], branch: 1 },
      { id: 't1', role: 'assistant', selected: 0, versions: [answer('a1', 'Lisbon, then Porto.')] },
    ],
  }),
) as StoredConversation;

describe('readStoredConversation', () => {
  it('gives back a conversation in the shape it renders as it is, the same object', () => {
    expect(readStoredConversation(valid)).toBe(valid);
  });

  it('is undefined for JSON that is not a conversation', () => {
    for (const other of [null, 42, 'text', [], {}, { messages: null }, { messages: {} }, { id: 7, messages: [] }]) expect(readStoredConversation(other)).toBeUndefined();
  });

  it('reads a title, feature or time of another type as none, and takes the id it is stored under', () => {
    const read = readStoredConversation({ ...valid, id: 7, title: { text: 'Trip' }, feature: ['chat'], createdAt: 'yesterday', updatedAt: null }, 'kept');
    expect(read).toMatchObject({ id: 'kept', title: null, feature: null, createdAt: 0, updatedAt: 0 });
    expect(read?.messages).toBe(valid.messages);
  });

  it('leaves out the messages, parts and answers that cannot be shown, and keeps the rest', () => {
    const read = readStoredConversation({
      ...valid,
      messages: [
        null,
        'Hello',
        { role: 'user', content: 'No id', createdAt: 1 },
        { id: 'u1', role: 'user', content: 'Plan a trip', createdAt: 1, parts: [null, { type: 'text', text: 'Plan a trip' }, { type: 'text', text: 42 }, { type: 'reasoning', text: 'not in a user message', details: [] }, { type: 'video' }] },
        { id: 'u2', role: 'user', content: 42, createdAt: 'now', branches: [null, { content: 'Earlier', createdAt: 0, following: [null, { id: 'u0', role: 'system' }] }], branch: 'one' },
        { id: 't1', role: 'assistant', selected: 5, versions: [null, { ...answer('a1', 'Lisbon.'), parts: [null, { type: 'text', text: 'Lisbon.' }, { type: 'source', number: 1, url: 'https://example.com', title: { text: 'Example' } }, { type: 'tool-call', toolCallId: 'c1' }], usage: 'many', error: { code: 'offline' }, model: {}, timing: [] }] },
        { id: 't2', role: 'assistant', selected: 0, versions: {} },
        { id: 't3', role: 'assistant', selected: 0, versions: [{ id: 'a3', status: 'thinking', content: ['Porto'], reasoning: null, toolCalls: [null, { index: 0, id: 'c1', name: 'map', arguments: '{}' }], images: ['data:image/png;base64,AAAA', 7], timing: { startedAt: 1, deltas: 1 } }] },
        { id: 'x1', role: 'tool', content: 'Unknown role' },
      ],
    });
    const messages = restoreMessages(read?.messages ?? []);
    expect(messages.map((message) => message.id)).toEqual(['u1', 'u2', 't1', 't3']);
    expect((messages[0] as UserMessage).parts).toEqual([{ type: 'text', text: 'Plan a trip' }]);
    expect(messages[1]).toEqual({ id: 'u2', role: 'user', content: '', createdAt: 0, branches: [{ content: 'Earlier', createdAt: 0, following: [] }] });
    const turn = messages[2] as AssistantTurn;
    expect(turn.selected).toBe(0);
    expect(shownAnswer(turn)).toEqual({ ...answer('a1', 'Lisbon.'), parts: [{ type: 'text', text: 'Lisbon.' }, { type: 'source', number: 1, url: 'https://example.com' }], timing: { startedAt: 0, deltas: 0 } });
    // An answer saved before parts, with an unknown status: what can be read of it is shown, as stopped.
    expect(shownAnswer(messages[3] as AssistantTurn)).toMatchObject({ status: 'stopped', content: '', reasoning: '', images: ['data:image/png;base64,AAAA'], parts: [{ type: 'tool-call', toolCallId: 'c1', name: 'map' }, { type: 'image' }] });
    expect(() => toRequestMessages(messages)).not.toThrow();
  });
});

describe('readConversationSummary', () => {
  it('needs an id, and reads a title, time or count of another type as none', () => {
    const summary = { id: 'kept', title: 'Plan a trip', feature: 'chat', createdAt: 1, updatedAt: 2, messageCount: 2 };
    expect(readConversationSummary(summary)).toBe(summary);
    expect(readConversationSummary({ id: 'odd', title: { text: 'Trip' }, createdAt: Number.NaN, messageCount: '2' })).toEqual({ id: 'odd', title: null, feature: null, createdAt: 0, updatedAt: 0, messageCount: 0 });
    for (const other of [null, [], { title: 'No id' }]) expect(readConversationSummary(other)).toBeUndefined();
  });
});
