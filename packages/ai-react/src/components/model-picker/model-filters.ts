import type { ModelEntry } from '../../core/chat-types.js';
import { providerDisplayNameOf, providerIdOf, providerPrefixOf } from './provider-names.js';

export type ModelModality = ModelEntry['modalities'][number];

/** `provider`: providers A–Z, names A–Z; `price`: cheapest first; `context`: largest first; `newest`: latest first. */
export type ModelPickerSort = 'provider' | 'price' | 'context' | 'newest';

/** What narrows the models a picker offers; every field is optional and an absent one matches everything. */
export interface ModelFilters {
  /** Words that must all appear in the id, name or provider (any case, any order). */
  search?: string | undefined;
  modality?: ModelModality | undefined;
  /** A provider as `providersOf` lists it: its slug without OpenRouter's `~` alias marker (`meta` for Meta). */
  provider?: string | undefined;
  /**
   * The highest input price per million tokens (OpenRouter's own catalog filters on the prompt price too); 0 keeps
   * only free models.
   */
  maxPrice?: number | undefined;
  /** The smallest context length, in tokens. */
  minContext?: number | undefined;
}

/** The models of one provider, in the order they are shown. */
export interface ModelGroup {
  provider: string;
  /** The provider as people write it ("OpenAI"), taken from its models' names ("OpenAI: GPT-4o") or a known name. */
  label: string;
  models: ModelEntry[];
}

// Built once per entry: a keystroke then costs one `includes` per word per model, not a string build.
const haystacks = new WeakMap<ModelEntry, string>();
function haystackOf(entry: ModelEntry): string {
  let haystack = haystacks.get(entry);
  if (haystack === undefined) {
    haystack = `${entry.id} ${entry.name} ${entry.provider} ${entry.model}`.toLowerCase();
    haystacks.set(entry, haystack);
  }
  return haystack;
}

/**
 * Whether a model costs nothing: a `:free` variant, or zero prompt and completion prices with no per-image or
 * per-request price. A model with no known price is not free.
 *
 * @example
 * isFreeModel(entry) && <span>Free</span>;
 */
export function isFreeModel(entry: ModelEntry): boolean {
  if (entry.model.endsWith(':free') || entry.id.endsWith(':free')) return true;
  const { promptPerMillion, completionPerMillion, perImage, perRequest } = entry.pricing;
  return promptPerMillion === 0 && (completionPerMillion ?? 0) === 0 && !perImage && !perRequest;
}

/**
 * The models that pass every filter, in their original order; a new array, the entries themselves shared.
 *
 * @example
 * filterModels(models, { search: 'claude', minContext: 200_000, maxPrice: 3 });
 */
export function filterModels(models: readonly ModelEntry[], filters: ModelFilters): ModelEntry[] {
  const words = (filters.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const { modality, provider, maxPrice, minContext } = filters;
  return models.filter((entry) => {
    if (modality !== undefined && !entry.modalities.includes(modality)) return false;
    if (provider !== undefined && providerIdOf(entry) !== provider) return false;
    // A ceiling of 0 means free: a zero prompt price with a price per image or completion is not.
    if (maxPrice === 0 && !isFreeModel(entry)) return false;
    if (maxPrice !== undefined && !((entry.pricing.promptPerMillion ?? (isFreeModel(entry) ? 0 : Infinity)) <= maxPrice)) return false;
    if (minContext !== undefined && (entry.contextLength ?? 0) < minContext) return false;
    if (words.length === 0) return true;
    const haystack = haystackOf(entry);
    return words.every((word) => haystack.includes(word));
  });
}

const priceOf = (entry: ModelEntry) => {
  const { promptPerMillion, completionPerMillion } = entry.pricing;
  if (promptPerMillion === undefined && completionPerMillion === undefined) return isFreeModel(entry) ? 0 : Infinity;
  return (promptPerMillion ?? 0) + (completionPerMillion ?? 0);
};

/** `created` (epoch seconds) where the entry carries it; else the catalog's order, which lists the newest first. */
const createdOf = (entry: ModelEntry): number | undefined => {
  const created = (entry as ModelEntry & { created?: unknown }).created;
  return typeof created === 'number' ? created : undefined;
};

/**
 * The models in the order a sort asks for; a new array. Ties keep the catalog's order (the sort is stable).
 *
 * @example
 * sortModels(filterModels(models, filters), 'price');
 */
export function sortModels(models: readonly ModelEntry[], sort: ModelPickerSort): ModelEntry[] {
  const sorted = [...models];
  if (sort === 'provider') sorted.sort((a, b) => providerIdOf(a).localeCompare(providerIdOf(b)) || a.name.localeCompare(b.name));
  if (sort === 'price') sorted.sort((a, b) => priceOf(a) - priceOf(b));
  if (sort === 'context') sorted.sort((a, b) => (b.contextLength ?? 0) - (a.contextLength ?? 0));
  if (sort === 'newest') {
    const order = new Map(models.map((entry, index) => [entry, index]));
    sorted.sort((a, b) => {
      const [createdA, createdB] = [createdOf(a), createdOf(b)];
      if (createdA !== undefined && createdB !== undefined && createdA !== createdB) return createdB - createdA;
      return (order.get(a) ?? 0) - (order.get(b) ?? 0);
    });
  }
  return sorted;
}

/**
 * Sorted models grouped by provider, each group where its first model falls, so the first model shown is still
 * the first the sort chose (the cheapest, the largest context…).
 *
 * @example
 * groupModelsByProvider(sortModels(models, 'price')).map((group) => group.label);
 */
export function groupModelsByProvider(models: readonly ModelEntry[]): ModelGroup[] {
  const groups = new Map<string, ModelGroup & { named: boolean }>();
  for (const entry of models) {
    const provider = providerIdOf(entry);
    let group = groups.get(provider);
    if (!group) {
      group = { provider, label: providerDisplayNameOf(provider), models: [], named: false };
      groups.set(provider, group);
    }
    // The models' own prefix wins over a guessed name ("Z.ai", not "Z").
    const prefix = group.named ? undefined : providerPrefixOf(entry);
    if (prefix !== undefined) Object.assign(group, { label: prefix, named: true });
    group.models.push(entry);
  }
  return [...groups.values()].map(({ provider, label, models: members }) => ({ provider, label, models: members }));
}

/**
 * The providers of a list of models, each with its label, A–Z: the choices of a provider filter.
 *
 * @example
 * providersOf(models).map(({ provider, label }) => <option value={provider}>{label}</option>);
 */
export function providersOf(models: readonly ModelEntry[]): Array<{ provider: string; label: string }> {
  return groupModelsByProvider(models)
    .map(({ provider, label }) => ({ provider, label }))
    .sort((a, b) => a.label.localeCompare(b.label));
}
