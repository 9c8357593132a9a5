import { describe, expect, it } from 'vitest';
import { parseFeature } from './feature.js';
import { unsafePatternReason } from './safe-pattern.js';

describe('blocklist pattern safety', () => {
  it('accepts ordinary patterns', () => {
    for (const pattern of ['promo\\d{3}', '\\bfree money\\b', '(?:buy|sell) now', 'a+b*c', '[a-z]+@[a-z]+', '(ab){2}']) expect(unsafePatternReason(pattern)).toBeUndefined();
  });

  it('refuses patterns that can backtrack catastrophically, backreferences, lookarounds and invalid ones', () => {
    for (const pattern of ['(a+)+$', '(a*)*b', '(a|aa)+', '((a+)b)*', '(x+x+)+y', '(\\w{1,}){2,}', '(a)\\1', '(?=a)a', '(unclosed']) {
      expect(unsafePatternReason(pattern), pattern).toBeDefined();
    }
  });

  it('makes a feature with such a pattern invalid, naming it', () => {
    expect(() => parseFeature({ name: 'f', model: 'm', guardrails: [{ type: 'blocklist', patterns: ['(a+)+$'] }] })).toThrow(/\(a\+\)\+\$/);
  });
});
