import type { OutgoingRequest } from '../gateway/metered-request.js';

/** One piece of text a request sends, which a guardrail reads and may replace in place. */
export interface TextSlot {
  text: string;
  replace(text: string): void;
}

/**
 * The texts a request sends that came from the client: each message's text (a string or its text parts), each
 * embeddings input, an image prompt. The feature's own system prompt is left out: it is the server's, not the client's.
 */
export function textSlotsOf(request: OutgoingRequest): { slots: TextSlot[]; messageCount: number } {
  const slots: TextSlot[] = [];
  const body = request.body;
  if (request.kind === 'images') {
    if (typeof body['prompt'] === 'string') slots.push({ text: body['prompt'], replace: (text) => (body['prompt'] = text) });
    return { slots, messageCount: 0 };
  }
  if (request.kind === 'embeddings') {
    const input = body['input'];
    if (typeof input === 'string') slots.push({ text: input, replace: (text) => (body['input'] = text) });
    else if (Array.isArray(input)) {
      input.forEach((item, index) => {
        if (typeof item === 'string') slots.push({ text: item, replace: (text) => (input[index] = text) });
      });
    }
    return { slots, messageCount: 0 };
  }
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Array<Record<string, unknown>>) : [];
  const systemPrompt = request.feature?.systemPrompt;
  let messageCount = 0;
  messages.forEach((message, index) => {
    if (index === 0 && systemPrompt && message['role'] === 'system' && message['content'] === systemPrompt) return;
    messageCount += 1;
    const content = message['content'];
    if (typeof content === 'string') slots.push({ text: content, replace: (text) => (message['content'] = text) });
    else if (Array.isArray(content)) {
      for (const part of content as Array<Record<string, unknown>>) {
        if (part && typeof part['text'] === 'string') slots.push({ text: part['text'], replace: (text) => (part['text'] = text) });
      }
    }
  });
  return { slots, messageCount };
}
