import { describe, expect, it } from 'vitest';
import { limitPolicySchema } from './limit-policy.js';

describe('limitPolicySchema', () => {
  it('keeps overrides for names that Object.prototype also has, as own properties', () => {
    const policy = limitPolicySchema.parse(JSON.parse('{"features":{"constructor":{"requestsPerMinute":1}},"users":{"overrides":{"toString":{"requestsPerMinute":2}}}}'));
    expect(Object.hasOwn(policy.features, 'constructor')).toBe(true);
    expect(policy.users.overrides['toString']).toEqual({ requestsPerMinute: 2 });
  });

  it('refuses a feature or user named __proto__ instead of dropping its override without a word', () => {
    for (const text of ['{"users":{"overrides":{"__proto__":{"requestsPerMinute":1}}}}', '{"features":{"__proto__":{"requestsPerMinute":1}}}']) {
      const result = limitPolicySchema.safeParse(JSON.parse(text));
      expect(result.success, text).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('__proto__');
      expect(result.error?.issues[0]?.path.at(-1)).toBe('__proto__');
    }
  });
});
