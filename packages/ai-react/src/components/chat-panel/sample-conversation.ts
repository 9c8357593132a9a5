import type { AssistantMessage, AssistantTurn, ConversationMessage } from '../../core/chat-messages.js';

const TOPICS = ['invoices', 'deploys', 'caching', 'the schema', 'rate limits', 'onboarding', 'the roadmap', 'retries'];

/** A finished answer as the gateway would have produced it (model, usage, cost, timing). */
export function sampleAnswer(id: string, content: string, overrides: Partial<AssistantMessage> = {}): AssistantMessage {
  return {
    id,
    role: 'assistant',
    status: 'done',
    parts: [{ type: 'text', text: content }],
    content,
    reasoning: '',
    toolCalls: [],
    images: [],
    model: 'openai/gpt-4o-mini',
    provider: 'OpenAI',
    finishReason: 'stop',
    usage: { promptTokens: 42, completionTokens: 128, totalTokens: 170 },
    costUsd: 0.000083,
    timing: { startedAt: 0, firstTokenAt: 380, finishedAt: 2480, ttftMs: 380, tokensPerSecond: 61, deltas: 128 },
    ...overrides,
  };
}

/**
 * A conversation of `count` messages (questions and answers in turn, some answers in markdown), for stories and
 * tests of long conversations. Deterministic: the same count gives the same messages.
 *
 * @example
 * <ChatPanel initialMessages={sampleConversation(1000)} />
 */
export function sampleConversation(count: number): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (let index = 0; index < count; index++) {
    const topic = TOPICS[Math.floor(index / 2) % TOPICS.length] ?? 'this';
    if (index % 2 === 0) {
      messages.push({ id: `user-${index}`, role: 'user', content: `Question ${index / 2 + 1}: how should we handle ${topic}?`, createdAt: index * 1000 });
      continue;
    }
    const content =
      index % 6 === 1
        ? `For **${topic}**, three steps:\n\n1. Measure first.\n2. Change one thing.\n3. Check \`the numbers\` again.`
        : `Handling ${topic} well mostly means small, checked steps. Write down what success looks like, then measure before changing anything.`;
    const turn: AssistantTurn = { id: `turn-${index}`, role: 'assistant', versions: [sampleAnswer(`answer-${index}`, content)], selected: 0 };
    messages.push(turn);
  }
  return messages;
}
