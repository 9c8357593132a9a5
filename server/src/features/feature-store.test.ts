import { describe, expect, it } from 'vitest';
import { parseSeedFeature } from './feature.js';
import { MemoryFeatureStore } from './feature-store.js';

const older = { name: 'guarded', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist' as const, patterns: ['secret\\d+', '(a{1,20}){1,20}!'] }] };

describe('features given at start', () => {
  it('load with a warning when a blocklist pattern is one the save check has since refused', () => {
    const { feature, warnings } = parseSeedFeature(older);
    expect(feature.guardrails).toMatchObject([{ patterns: ['secret\\d+', '(a{1,20}){1,20}!'] }]);
    expect(warnings).toEqual([expect.stringMatching(/^feature "guarded": guardrails\.0\.patterns\.1: the pattern "\(a\{1,20\}\)\{1,20\}!" is refused: .*rewrite it, as saving the feature requires\.$/)]);
    expect(() => parseSeedFeature({ ...older, guardrails: [{ type: 'blocklist', patterns: ['(unclosed'] }] })).toThrow(/invalid feature: guardrails\.0\.patterns\.0: the pattern "\(unclosed" is refused/);
  });

  it('load into a memory store, whose saves still check the pattern', async () => {
    const store = new MemoryFeatureStore({ default: [older] });
    expect((await store.get('default', 'guarded'))?.name).toBe('guarded');
    await expect(store.put('default', (await store.get('default', 'guarded'))!)).rejects.toThrow(/is refused/);
  });
});

describe('reserved feature names', () => {
  it('given at start, named count or user in any case, still load with a warning naming the OpenRouter SDK path they take', async () => {
    const count = parseSeedFeature({ name: 'count', model: 'openai/gpt-4o-mini' });
    expect(count.feature.name).toBe('count');
    expect(count.warnings).toEqual([expect.stringMatching(/^feature "count" is reserved: GET \/v1\/models\/count is the OpenRouter SDK's models\.count.*It still runs under that name; rename it\.$/)]);
    expect(parseSeedFeature({ name: 'USER', model: 'openai/gpt-4o-mini' }).warnings).toEqual([expect.stringMatching(/^feature "USER" is reserved: GET \/v1\/models\/user is the OpenRouter SDK's models\.listForUser/)]);
    expect(await new MemoryFeatureStore({ default: [{ name: 'Count', model: 'openai/gpt-4o-mini' }] }).get('default', 'Count')).toMatchObject({ name: 'Count' });
    expect(parseSeedFeature({ name: 'user-count', model: 'openai/gpt-4o-mini' }).warnings).toEqual([]);
  });

  it('are not created by a memory store\'s save', async () => {
    const store = new MemoryFeatureStore();
    await expect(store.put('default', { ...parseSeedFeature({ name: 'chat', model: 'openai/gpt-4o-mini' }).feature, name: 'User' })).rejects.toThrow(/"User" is reserved/);
    expect(await store.list('default')).toEqual([]);
  });
});
