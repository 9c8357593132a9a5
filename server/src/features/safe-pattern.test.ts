import { describe, expect, it } from 'vitest';
import { parseFeature } from './feature.js';
import { unsafePatternReason } from './safe-pattern.js';

const refused = (pattern: string) => expect(unsafePatternReason(pattern), pattern).toBeDefined();
const accepted = (pattern: string) => expect(unsafePatternReason(pattern), pattern).toBeUndefined();

describe('blocklist pattern safety', () => {
  it('accepts the patterns people write: words, alternations of words, codes, phone numbers, e-mail addresses', () => {
    for (const pattern of [
      'promo\\d{3}', '\\bfree money\\b', '(?:buy|sell) now', 'bad|worse|worst', '(?:casino|cash) ?bonus', 'a+b*c', '[a-z]+@[a-z]+', '(ab){2}', '^secret$', '(?<word>hello) world',
      '\\d{3}-\\d{4}', '(?:\\d{3}-){2}\\d{4}', '\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}', '\\d{1,3}(?:,\\d{3})*', '\\d+(?:[.,]\\d+)?', 'colou?r', 'https?://\\S+',
      '[\\w.+-]+@[\\w-]+\\.[\\w.]+', '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}', 'sk-[a-z0-9]{20,}', 'free\\s+money', '\\w+\\s\\w+', '\\p{L}+\\s\\p{L}+', '(?:Mr|Mrs|Ms)\\.? \\w+',
    ]) accepted(pattern);
  });

  it('refuses a repeated group holding a quantifier whose count varies, bounded ones included, or an alternation', () => {
    for (const pattern of ['(a+)+$', '(a*)*b', '((a+)b)*', '(x+x+)+y', '(\\w{1,}){2,}', '(a{1,20}){1,20}!', '(a?){25}', '(?:a{1,3}){2}', 'x(?:a+){3}', '(a|aa)+', '(a|a)*', '(?:a|b)+']) refused(pattern);
  });

  it('refuses varying parts that can match the same characters one after the other', () => {
    for (const pattern of [
      '.*.*', '.*.*.*.*!', '\\w+\\w*', '\\w+\\d+', 'a{0,9}a{0,9}', '\\d+-?\\d+', '\\s?-?\\s?', '.+\\s*.+!', '(?:\\w+)?\\w+', '\\w+(?:-|)\\w+', 'x\\w+(?:y|\\d+)',
      '(a|a)(a|a)', '(a|ab)(b|)', '(?:a|ab)b*', '[\\u212a]+k+', '\\p{Script=Greek}+\\p{Lowercase}+',
    ]) refused(pattern);
  });

  it('lets something that has to match another character keep two quantifiers apart', () => {
    for (const pattern of ['\\w+@\\w+', '\\d+x\\d+', '[a-z.]+\\.[a-z]+', '\\d+(?:,\\d{3})+', '(?:cat|car)(?:cat|car)']) accepted(pattern);
  });

  it('refuses backreferences, lookarounds and invalid patterns, naming why', () => {
    expect(unsafePatternReason('(a)\\1')).toBe('backreferences are not allowed');
    expect(unsafePatternReason('(?<x>a)\\k<x>')).toBe('backreferences are not allowed');
    expect(unsafePatternReason('(?=a)a')).toBe('lookarounds are not allowed');
    expect(unsafePatternReason('(?<!a)b')).toBe('lookarounds are not allowed');
    expect(unsafePatternReason('(unclosed')).toMatch(/^not a valid regular expression/);
    expect(unsafePatternReason('(a{1,20}){1,20}!')).toMatch(/^\(a\{1,20\}\)\{1,20\} is a repeated group/);
    expect(unsafePatternReason('.*.*')).toMatch(/^\.\* and \.\* can match the same characters/);
  });

  it('makes a feature with such a pattern invalid, naming it', () => {
    expect(() => parseFeature({ name: 'f', model: 'm', guardrails: [{ type: 'blocklist', patterns: ['(a+)+$'] }] })).toThrow(/\(a\+\)\+\$/);
    expect(() => parseFeature({ name: 'f', model: 'm', guardrails: [{ type: 'blocklist', patterns: ['(a{1,20}){1,20}!'] }] })).toThrow(/\(a\{1,20\}\)\{1,20\}!/);
  });
});
