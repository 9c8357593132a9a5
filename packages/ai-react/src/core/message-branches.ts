import type { AssistantTurn, ConversationMessage, MessageBranch, UserMessage } from './chat-messages.js';

/** The branches of a message, the shown one holding the message's text (a message never edited has one). */
function branchesOf(message: UserMessage): { branches: MessageBranch[]; shown: number } {
  const branches = message.branches ? [...message.branches] : [{ content: message.content, createdAt: message.createdAt, following: [] }];
  const shown = Math.min(Math.max(0, message.branch ?? branches.length - 1), branches.length - 1);
  return { branches, shown };
}

/**
 * The message showing `content`: with files, its text part too, as the parts are what a request sends (an edit must
 * not show the new text and send the old).
 */
function withText(message: UserMessage, content: string, createdAt: number): UserMessage {
  const files = message.parts?.filter((part) => part.type !== 'text');
  return { ...message, content, createdAt, ...(files && { parts: content.trim() ? [{ type: 'text', text: content }, ...files] : files }) };
}

/**
 * The conversation after editing the user message at `index`: the message shows `text`, followed by `turn` (the new
 * answer to come), and the earlier text with everything that followed it stays as another branch of the message.
 * Pure; the same message id is kept, so the message stays where it is on screen.
 *
 * @example
 * const messages = editUserMessage(state.messages, 2, 'Shorter, please', Date.now(), newTurn());
 */
export function editUserMessage(messages: readonly ConversationMessage[], index: number, text: string, createdAt: number, turn: AssistantTurn): ConversationMessage[] {
  const message = messages[index];
  if (message?.role !== 'user') throw new RangeError(`editUserMessage: no user message at ${index}.`);
  const { branches, shown } = branchesOf(message);
  branches[shown] = { content: message.content, createdAt: message.createdAt, following: messages.slice(index + 1) };
  branches.push({ content: text, createdAt, following: [] });
  const edited: UserMessage = { ...withText(message, text, createdAt), branches, branch: branches.length - 1 };
  return [...messages.slice(0, index), edited, turn];
}

/**
 * The conversation showing another branch of an edited user message: its text and the messages that followed it
 * then. The branch left keeps what follows it now. The same array comes back when the message or branch does not
 * exist, or is already shown.
 *
 * @example
 * store.setState({ messages: selectMessageBranch(state.messages, messageId, 0) });
 */
export function selectMessageBranch(messages: readonly ConversationMessage[], messageId: string, target: number): readonly ConversationMessage[] {
  const index = messages.findIndex((message) => message.role === 'user' && message.id === messageId);
  const message = messages[index] as UserMessage | undefined;
  if (!message?.branches || !Number.isInteger(target) || target < 0 || target >= message.branches.length) return messages;
  const { branches, shown } = branchesOf(message);
  if (target === shown) return messages;
  branches[shown] = { content: message.content, createdAt: message.createdAt, following: messages.slice(index + 1) };
  const next = branches[target] as MessageBranch;
  branches[target] = { ...next, following: [] };
  return [...messages.slice(0, index), { ...withText(message, next.content, next.createdAt), branches, branch: target }, ...next.following];
}

/**
 * The versions a message offers (`‹ current/total ›`): the branches of an edited user message, the answers of an
 * assistant turn; `total` 1 when there is nothing to switch.
 *
 * @example
 * const { current, total } = versionsOf(message);
 */
export function versionsOf(message: ConversationMessage): { current: number; total: number } {
  if (message.role === 'assistant') return { current: Math.min(message.selected, message.versions.length - 1), total: message.versions.length };
  if (!message.branches) return { current: 0, total: 1 };
  return { current: branchesOf(message).shown, total: message.branches.length };
}
