import { describe, expect, it } from 'vitest';
import { defaultSettingsDialogLabels } from '../components/settings-dialog/settings-dialog-labels.js';
import { defaultFeatureHistoryLabels, defaultUsagePanelLabels } from './admin-labels.js';
import { describeConfigurationChange } from './configuration-changes.js';
import { dailySeries, usageRowOf } from './usage-series.js';

describe('usage series', () => {
  it('draws a bar for every day of the period, days without requests at zero', () => {
    const summary = {
      from: '2026-03-01T12:00:00.000Z',
      to: '2026-03-04T08:00:00.000Z',
      groupBy: ['day'],
      groups: [
        { day: '2026-03-02', requests: 3, costUsd: 0.25, promptTokens: 10, completionTokens: 5 },
        { day: '2026-03-04', requests: 1, costUsd: 0.5, promptTokens: 1, completionTokens: 1 },
      ],
    };
    expect(dailySeries(summary, 'costUsd', Date.parse('2026-03-04T08:00:00Z'))).toEqual([
      { label: '2026-03-01', value: 0 },
      { label: '2026-03-02', value: 0.25 },
      { label: '2026-03-03', value: 0 },
      { label: '2026-03-04', value: 0.5 },
    ]);
    expect(dailySeries(summary, 'totalTokens', 0)[1]).toEqual({ label: '2026-03-02', value: 15 });
    expect(dailySeries(undefined, 'requests', 0)).toEqual([]);
  });

  it('labels every day with its whole date, however far the period lies: one bar per day, never one label for many', () => {
    const days = (from: string, to: string) => dailySeries({ from, to, groupBy: ['day'], groups: [] }, 'requests', 0).map((bar) => bar.label);
    expect(days('+010000-01-30T12:00:00.000Z', '+010000-02-02T00:00:00.000Z')).toEqual(['+010000-01-30', '+010000-01-31', '+010000-02-01', '+010000-02-02']);
    expect(days('-000001-12-31T00:00:00.000Z', '-000001-12-31T23:00:00.000Z')).toEqual(['-000001-12-31']);
    const last = days('+275760-09-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z');
    expect(new Set(last).size).toBe(last.length);
    expect(last.at(-1)).toBe('+275760-09-13');
  });

  it('reads a group defensively', () => {
    expect(usageRowOf({ model: null, requests: 2, costUsd: Number.NaN }, 'model')).toMatchObject({ key: null, requests: 2, costUsd: 0, totalTokens: 0, latencyP50Ms: null });
  });
});

describe('configuration changes', () => {
  const base = { name: 'chat', modality: 'text' as const, provider: 'openrouter' as const, modelId: 'a', model: 'a', fallbackModels: [], systemPrompt: 'One.', params: { temperature: 0.3, top_p: 0.9 }, clientOverrides: {}, roles: ['admin' as const, 'user' as const], cache: { enabled: false, ttlSeconds: 3600, cacheNonDeterministic: false }, guardrails: [], guardrailMessage: null, extensions: {} };

  it('says what changed from one version to the next', () => {
    const next = { ...base, model: 'b', fallbackModels: ['c'], params: { temperature: 0.5, extra: { seed: 1 } }, roles: ['admin' as const] };
    expect(describeConfigurationChange(base, next, defaultFeatureHistoryLabels)).toEqual([
      'Model: a → b',
      'Fallback models: — → c',
      'temperature: 0.3 → 0.5',
      'seed set to 1',
      "top_p removed (the model's default)",
      'Who may call it: admin, user → admin',
    ]);
    expect(describeConfigurationChange(base, { ...base, roles: ['user', 'admin'] }, defaultFeatureHistoryLabels)).toEqual(['Saved with no change.']);
  });
});

describe('money as the admin widgets and the settings dialog show it', () => {
  it('puts the sign before the dollar sign, as a credit or a key past its limit reads', () => {
    const { formatMoney } = defaultUsagePanelLabels;
    expect([formatMoney(0), formatMoney(0.004), formatMoney(12.5), formatMoney(-5), formatMoney(-0.004)]).toEqual(['$0', '$0.0040', '$12.50', '-$5.00', '-$0.0040']);
    const accepted = (limitRemaining: number) => defaultSettingsDialogLabels.keyAccepted({ limit: 10, limitRemaining });
    expect(accepted(-5)).toBe('OpenRouter accepted the key; limit $10.00, -$5.00 left.');
    expect(accepted(0.5)).toBe('OpenRouter accepted the key; limit $10.00, $0.5000 left.');
  });
});
