import { describe, expect, it } from 'vitest';
import { modelSearchingPastMaxUses } from './model-facts.js';

describe('modelSearchingPastMaxUses', () => {
  it('names the first model whose own search is not known to keep max_uses: any maker but Anthropic, an alias of one', () => {
    expect(modelSearchingPastMaxUses(['anthropic/claude-sonnet-4', '~anthropic/claude-sonnet-latest'])).toBeUndefined();
    expect(modelSearchingPastMaxUses(['anthropic/claude-sonnet-4', 'openai/gpt-5.4-mini'])).toBe('openai/gpt-5.4-mini');
    expect(modelSearchingPastMaxUses(['x-ai/grok-4.3:online'])).toBe('x-ai/grok-4.3:online');
    expect(modelSearchingPastMaxUses(['Perplexity/sonar-pro'])).toBe('Perplexity/sonar-pro');
    expect(modelSearchingPastMaxUses(['~openai/gpt-latest'])).toBe('~openai/gpt-latest');
    expect(modelSearchingPastMaxUses(['anthropic/claude-sonnet-4', 'google/gemini-2.5-flash'])).toBe('google/gemini-2.5-flash');
  });

  it('names a router, whose pick is not known before it answers', () => {
    expect(modelSearchingPastMaxUses(['openrouter/free'])).toBe('openrouter/free');
    expect(modelSearchingPastMaxUses(['anthropic/claude-sonnet-4', 'openrouter/auto'])).toBe('openrouter/auto');
  });
});
