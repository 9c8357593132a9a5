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
