import type { FeatureConfigVersion } from '../core/admin-types.js';
import { sameJson } from '../core/settings-draft-store.js';

type Configuration = FeatureConfigVersion['configuration'];

export interface ConfigurationChangeLabels {
  model(before: string, after: string): string;
  fallbackModels(before: string, after: string): string;
  systemPrompt(before: string, after: string): string;
  parameterSet(name: string, value: string): string;
  parameterChanged(name: string, before: string, after: string): string;
  parameterRemoved(name: string): string;
  clientOverrides: string;
  roles(before: string, after: string): string;
  modality(before: string, after: string): string;
  none: string;
}

const SHORT = 48;
const short = (text: string) => (text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text);
const shown = (value: unknown) => short(typeof value === 'string' ? value : JSON.stringify(value) ?? '');
const list = (values: readonly string[]) => (values.length === 0 ? '—' : values.join(', '));

/** The parameters as flat pairs: the extras beside the named ones (that is how they reach OpenRouter). */
function flatParameters(params: Configuration['params']): Map<string, unknown> {
  const { extra, ...named } = params;
  return new Map(Object.entries({ ...named, ...extra }).filter(([, value]) => value !== undefined));
}

/**
 * What changed from one saved version of a feature to the next, a line per change, in words.
 *
 * @example
 * describeConfigurationChange(v1, v2, labels); // ['Model: openai/gpt-4o-mini → anthropic/claude-sonnet-4', 'temperature: 0.3 → 0.9']
 */
export function describeConfigurationChange(before: Configuration, after: Configuration, labels: ConfigurationChangeLabels): string[] {
  const lines: string[] = [];
  if (before.modality !== after.modality) lines.push(labels.modality(before.modality, after.modality));
  if (before.model !== after.model) lines.push(labels.model(before.model, after.model));
  if (!sameJson(before.fallbackModels, after.fallbackModels)) lines.push(labels.fallbackModels(list(before.fallbackModels), list(after.fallbackModels)));
  if (before.systemPrompt !== after.systemPrompt) lines.push(labels.systemPrompt(shown(before.systemPrompt), shown(after.systemPrompt)));
  const old = flatParameters(before.params);
  const next = flatParameters(after.params);
  for (const [name, value] of next) {
    if (!old.has(name)) lines.push(labels.parameterSet(name, shown(value)));
    else if (!sameJson(old.get(name), value)) lines.push(labels.parameterChanged(name, shown(old.get(name)), shown(value)));
  }
  for (const name of old.keys()) if (!next.has(name)) lines.push(labels.parameterRemoved(name));
  if (!sameJson(before.clientOverrides, after.clientOverrides)) lines.push(labels.clientOverrides);
  if (!sameJson([...before.roles].sort(), [...after.roles].sort())) lines.push(labels.roles(list(before.roles), list(after.roles)));
  return lines.length > 0 ? lines : [labels.none];
}
