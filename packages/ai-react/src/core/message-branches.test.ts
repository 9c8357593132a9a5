import { describe, expect, it } from 'vitest';
import { createAssistantMessage, userMessageParts, type AssistantTurn, type ConversationMessage, type UserMessage } from './chat-messages.js';
import type { MessageFilePart } from './message-parts.js';
import { editUserMessage, selectMessageBranch, versionsOf } from './message-branches.js';
import { toRequestMessages } from './request-messages.js';

const user = (id: string, content: string): UserMessage => ({ id, role: 'user', content, createdAt: 1 });
const turn = (id: string, content: string): AssistantTurn => ({ id, role: 'assistant', versions: [{ ...createAssistantMessage(`${id}-a`, 1), status: 'done', content }], selected: 0 });
const texts = (messages: readonly ConversationMessage[]) => messages.map((message) => (message.role === 'user' ? message.content : message.versions[message.selected]?.content));

describe('branching edits', () => {
  const conversation = [user('u1', 'Hi'), turn('t1', 'Hello'), user('u2', 'Long answer'), turn('t2', 'A long answer'), user('u3', 'Thanks'), turn('t3', 'Welcome')];

  it('keeps the earlier text and every later turn as a branch when a message is edited', () => {
    const edited = editUserMessage(conversation, 2, 'Short answer', 5, turn('t4', ''));
    expect(texts(edited)).toEqual(['Hi', 'Hello', 'Short answer', '']);
    expect(versionsOf(edited[2] as UserMessage)).toEqual({ current: 1, total: 2 });
    const back = selectMessageBranch(edited, 'u2', 0);
    expect(texts(back)).toEqual(['Hi', 'Hello', 'Long answer', 'A long answer', 'Thanks', 'Welcome']);
    expect(versionsOf(back[2] as UserMessage)).toEqual({ current: 0, total: 2 });
  });

  it('returns to the edited branch with what was answered there meanwhile', () => {
    const edited = editUserMessage(conversation, 2, 'Short answer', 5, turn('t4', 'Short.'));
    const away = selectMessageBranch(edited, 'u2', 0);
    expect(texts(selectMessageBranch(away, 'u2', 1))).toEqual(['Hi', 'Hello', 'Short answer', 'Short.']);
  });

  it('adds a third branch when an edited message is edited again, from whichever branch is shown', () => {
    const twice = editUserMessage(selectMessageBranch(editUserMessage(conversation, 2, 'B', 5, turn('t4', 'b')), 'u2', 0), 2, 'C', 6, turn('t5', 'c'));
    expect(versionsOf(twice[2] as UserMessage)).toEqual({ current: 2, total: 3 });
    expect(texts(selectMessageBranch(twice, 'u2', 0))).toEqual(['Hi', 'Hello', 'Long answer', 'A long answer', 'Thanks', 'Welcome']);
    expect(texts(selectMessageBranch(twice, 'u2', 1))).toEqual(['Hi', 'Hello', 'B', 'b']);
  });

  it('keeps the earlier messages and their identity', () => {
    const edited = editUserMessage(conversation, 2, 'Short', 5, turn('t4', ''));
    expect(edited[0]).toBe(conversation[0]);
    expect(edited[1]).toBe(conversation[1]);
  });

  it('sends the text an edit or another branch shows with the files of a message that has them, not its first text', () => {
    const pdf: MessageFilePart = { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'brief.pdf', size: 8, url: 'data:application/pdf;base64,JVBERi0xLjQK' };
    const withFile: UserMessage = { ...user('u1', 'Summarize this'), parts: [{ type: 'text', text: 'Summarize this' }, pdf] };
    const sentText = (messages: readonly ConversationMessage[]) => {
      const content = toRequestMessages(messages.slice(0, 1))[0]?.content;
      return Array.isArray(content) ? content.flatMap((part) => (part.type === 'text' ? [part.text] : [])) : [content];
    };
    const edited = editUserMessage([withFile, turn('t1', 'A summary')], 0, 'Translate this', 5, turn('t2', ''));
    expect(sentText(edited)).toEqual(['Translate this']);
    expect(userMessageParts(edited[0] as UserMessage)).toEqual([{ type: 'text', text: 'Translate this' }, pdf]);
    expect(sentText(selectMessageBranch(edited, 'u1', 0))).toEqual(['Summarize this']);
    // An edit down to no text sends the file alone.
    expect(sentText(editUserMessage(edited, 0, '', 6, turn('t3', '')))).toEqual([]);
  });

  it('changes nothing for a branch that does not exist or is shown', () => {
    const edited = editUserMessage(conversation, 2, 'Short', 5, turn('t4', ''));
    expect(selectMessageBranch(edited, 'u2', 1)).toBe(edited);
    expect(selectMessageBranch(edited, 'u2', 7)).toBe(edited);
    expect(selectMessageBranch(conversation, 'u1', 0)).toBe(conversation);
  });
});
