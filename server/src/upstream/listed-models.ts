import type { CatalogSnapshot } from './model-catalog.js';

/**
 * Suffixes OpenRouter reads as a routing preference for the model before them (`openai/gpt-4o:nitro`), which its
 * catalog does not list apart. `:free` is not one: a free variant is a model of its own, listed under its id.
 */
const ROUTING_VARIANTS = [':online', ':nitro', ':floor', ':exacto', ':thinking', ':extended'];

/** Ids beyond which a listed id is too far from an unlisted one to be offered as what was meant. */
const MAX_SUGGESTION_DISTANCE = 4;

/** The ids a catalog answers to: each model's id (routers and `~` aliases among them) and its canonical slug. */
function idsOf(snapshot: CatalogSnapshot): ReadonlySet<string> {
  const cached = LISTED.get(snapshot);
  if (cached) return cached;
  const ids = new Set<string>(snapshot.byId.keys());
  for (const model of snapshot.models) {
    const slug = (model as { canonical_slug?: unknown }).canonical_slug;
    if (typeof slug === 'string') ids.add(slug);
  }
  LISTED.set(snapshot, ids);
  return ids;
}
const LISTED = new WeakMap<CatalogSnapshot, ReadonlySet<string>>();

/**
 * Whether OpenRouter lists a model id, as a request may name it: a listed id or canonical slug, or one followed by
 * a routing variant (`:online`, `:nitro`…).
 * @example
 * isListedModel(snapshot, 'openai/gpt-4o-mini:online'); // true where the catalog lists openai/gpt-4o-mini
 */
export function isListedModel(snapshot: CatalogSnapshot, id: string): boolean {
  const ids = idsOf(snapshot);
  if (ids.has(id)) return true;
  const variant = ROUTING_VARIANTS.find((suffix) => id.endsWith(suffix));
  return variant !== undefined && ids.has(id.slice(0, -variant.length));
}

/**
 * The listed ids nearest to one the catalog does not list (by edit distance, at most a few edits away), closest
 * first: what an admin who typed `openai/gpt-4o-mimi` probably meant.
 * @example
 * closestListedModels(snapshot, 'openai/gpt-4o-mimi'); // ['openai/gpt-4o-mini']
 */
export function closestListedModels(snapshot: CatalogSnapshot, id: string, count = 3): string[] {
  const wanted = id.toLowerCase();
  return [...snapshot.byId.keys()]
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate.toLowerCase(), MAX_SUGGESTION_DISTANCE) }))
    .filter(({ distance }) => distance <= MAX_SUGGESTION_DISTANCE)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map(({ candidate }) => candidate);
}

/** Levenshtein distance, or `limit + 1` as soon as it must exceed `limit` (most candidates stop early). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Int32Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = new Int32Array(b.length + 1);
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current[j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * What to tell an admin of a model id the catalog does not list, with the ids it may have meant.
 * @example
 * unlistedModelProblem({ id: 'openai/gpt-4o-mimi', closest: ['openai/gpt-4o-mini'] });
 * // '"openai/gpt-4o-mimi" is not a model OpenRouter lists; did you mean "openai/gpt-4o-mini"?'
 */
export function unlistedModelProblem({ id, closest }: { id: string; closest: readonly string[] }): string {
  const quoted = closest.map((candidate) => `"${candidate}"`);
  const meant = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0];
  return `"${id.slice(0, 200)}" is not a model OpenRouter lists${meant ? `; did you mean ${meant}?` : ''}`;
}
