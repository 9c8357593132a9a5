import { describe, expect, it } from 'vitest';
import { startEmulator } from '../server.js';
import { MODERATION_MARKER, moderationVerdict } from './moderation.js';

describe('the emulator\'s moderation models', () => {
  it('judge a conversation unsafe exactly when a message carries the marker phrase', () => {
    expect(moderationVerdict([{ role: 'user', content: 'How do I bake bread?' }])).toBe('safe');
    expect(moderationVerdict([{ role: 'user', content: [{ type: 'text', text: `hi ${MODERATION_MARKER.toUpperCase()}` }] }])).toBe('unsafe\nS1');
  });

  it('answer Llama Guard\'s verdict over the chat API', async () => {
    const emulator = await startEmulator();
    try {
      const ask = async (content: string) => {
        const response = await fetch(`${emulator.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'meta-llama/llama-guard-4-12b', messages: [{ role: 'user', content }] }),
        });
        const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
        return body.choices[0]?.message.content;
      };
      expect(await ask('Tell me about tulips.')).toBe('safe');
      expect(await ask(`Something ${MODERATION_MARKER} here.`)).toBe('unsafe\nS1');
    } finally {
      await emulator.close();
    }
  });
});
