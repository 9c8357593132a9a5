import { describe, expect, it } from 'vitest';
import type { ModelEndpoint } from '../upstream/model-endpoints.js';
import { endpointsAllowedBy } from './provider-routing.js';

// A model served by three hosts, one of them in two variants (its tag names the variant after a slash).
const ENDPOINTS: ModelEndpoint[] = [
  { provider_name: 'Groq', tag: 'groq' },
  { provider_name: 'DeepInfra', tag: 'deepinfra/fp8' },
  { provider_name: 'DeepInfra', tag: 'deepinfra/turbo' },
  { provider_name: 'Amazon Bedrock', tag: 'amazon-bedrock' },
];
const providersOf = (preferences: unknown) => endpointsAllowedBy(ENDPOINTS, preferences).map((endpoint) => endpoint.tag);

describe('endpointsAllowedBy', () => {
  it('keeps every endpoint where nothing rules one out: no preferences, a sort, an order with fallbacks, a price ceiling', () => {
    for (const preferences of [undefined, null, 'groq', {}, { sort: 'throughput' }, { order: ['groq'] }, { order: ['groq'], allow_fallbacks: true }, { max_price: { prompt: 0.1 } }]) {
      expect(endpointsAllowedBy(ENDPOINTS, preferences), JSON.stringify(preferences)).toBe(ENDPOINTS);
    }
  });

  it('keeps those `only` names, and with allow_fallbacks: false those `order` names, by display name, slug or tag', () => {
    expect(providersOf({ only: ['Groq'] })).toEqual(['groq']);
    expect(providersOf({ only: ['amazon-bedrock', 'GROQ'] })).toEqual(['groq', 'amazon-bedrock']);
    expect(providersOf({ only: ['Amazon Bedrock'] })).toEqual(['amazon-bedrock']);
    expect(providersOf({ only: ['deepinfra'] })).toEqual(['deepinfra/fp8', 'deepinfra/turbo']);
    expect(providersOf({ only: ['deepinfra/turbo'] })).toEqual(['deepinfra/turbo']);
    expect(providersOf({ order: ['deepinfra', 'groq'], allow_fallbacks: false })).toEqual(['groq', 'deepinfra/fp8', 'deepinfra/turbo']);
    expect(providersOf({ only: ['groq', 'deepinfra'], order: ['groq'], allow_fallbacks: false })).toEqual(['groq']);
  });

  it('leaves out those `ignore` names', () => {
    expect(providersOf({ ignore: ['deepinfra'] })).toEqual(['groq', 'amazon-bedrock']);
    expect(providersOf({ ignore: ['DeepInfra/FP8', 'nobody'] })).toEqual(['groq', 'deepinfra/turbo', 'amazon-bedrock']);
    expect(providersOf({ only: ['groq', 'deepinfra'], ignore: ['groq'] })).toEqual(['deepinfra/fp8', 'deepinfra/turbo']);
  });

  it('narrows nothing by a list naming a provider it does not know, nor when nothing would be left', () => {
    // OpenRouter may know the provider by that name, and it may be the dearest.
    expect(endpointsAllowedBy(ENDPOINTS, { only: ['groq', 'someone-else'] })).toBe(ENDPOINTS);
    expect(endpointsAllowedBy(ENDPOINTS, { order: ['someone-else'], allow_fallbacks: false })).toBe(ENDPOINTS);
    // A request nothing can serve is refused unbilled: any endpoint may stand for it.
    expect(endpointsAllowedBy(ENDPOINTS, { only: ['groq'], ignore: ['groq'] })).toBe(ENDPOINTS);
  });
});
