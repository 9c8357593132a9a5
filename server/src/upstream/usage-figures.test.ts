import { describe, expect, it } from 'vitest';
import { usageFigures } from './usage-figures.js';

describe('usageFigures', () => {
  it('reads a chat usage, a Responses usage and a Messages usage as the same figures', () => {
    const chat = usageFigures({ prompt_tokens: 120, completion_tokens: 30, cost: 0.001, completion_tokens_details: { reasoning_tokens: 4 }, prompt_tokens_details: { cached_tokens: 100 } });
    const responses = usageFigures({ input_tokens: 120, output_tokens: 30, cost: 0.001, output_tokens_details: { reasoning_tokens: 4 }, input_tokens_details: { cached_tokens: 100 } });
    // Anthropic counts the prompt's cached reads and cache writes apart from `input_tokens`.
    const messages = usageFigures({ input_tokens: 15, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 30, cost: 0.001 });
    expect(chat).toEqual({ promptTokens: 120, completionTokens: 30, reasoningTokens: 4, costUsd: 0.001 });
    expect(responses).toEqual(chat);
    expect(messages).toEqual({ promptTokens: 120, completionTokens: 30, reasoningTokens: 0, costUsd: 0.001 });
  });

  it('reads cache counts that are not numbers as none', () => {
    expect(usageFigures({ input_tokens: 15, cache_read_input_tokens: 'many', cache_creation_input_tokens: -3, output_tokens: 2 })).toEqual({ promptTokens: 15, completionTokens: 2, reasoningTokens: 0 });
  });
});
