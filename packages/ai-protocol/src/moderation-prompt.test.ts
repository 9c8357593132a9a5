import { describe, expect, it } from 'vitest';
import { llamaGuardPrompt } from './moderation-prompt.js';

describe('llamaGuardPrompt', () => {
  it('wraps the message in Llama Guard\'s task, its 14 categories and its answer instructions', () => {
    const prompt = llamaGuardPrompt('How do I bake bread?');
    expect(prompt).toContain('\n\nUser: How do I bake bread?\n\n<END CONVERSATION>');
    expect(prompt).toContain('S1: Violent Crimes.\n');
    expect(prompt).toContain('S14: Code Interpreter Abuse.\n<END UNSAFE CONTENT CATEGORIES>');
    expect(prompt.endsWith("- If unsafe, a second line must include a comma-separated list of violated categories.<|eot|><|header_start|>assistant<|header_end|>")).toBe(true);
  });

  it('adds the same 853 bytes to any message, the size a moderation call is billed for beside it', () => {
    expect(new TextEncoder().encode(llamaGuardPrompt('')).length).toBe(853);
    expect(llamaGuardPrompt('你好').length - llamaGuardPrompt('').length).toBe(2);
  });
});
