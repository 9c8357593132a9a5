import { unlistedModelProblem } from '../upstream/listed-models.js';
import type { ModelCatalog } from '../upstream/model-catalog.js';
import { modelFieldsOf, type Feature } from './feature.js';

/**
 * Says once, when OpenRouter's catalog can be had, which models of the features given at start (the host's code,
 * `serve --features`) it does not list, with the ids closest to each: refused like an admin's save, they would stop
 * the gateway, and said nowhere, every request to them would fail at OpenRouter. A catalog that cannot be had says
 * nothing.
 * @example
 * void warnOfUnlistedModels(context.catalog, seedFeatures, (message) => logger.warn(message));
 */
export async function warnOfUnlistedModels(catalog: Pick<ModelCatalog, 'unlisted'>, features: readonly Feature[], warn: (message: string) => void): Promise<void> {
  const named = features.flatMap((feature) => modelFieldsOf(feature).map((model) => ({ feature: feature.name, ...model })));
  const unlisted = await catalog.unlisted(named.map(({ id }) => id)).catch(() => null);
  if (!unlisted || unlisted.length === 0) return;
  const problems = named.flatMap(({ feature, field, id }) => {
    const found = unlisted.find((entry) => entry.id === id);
    return found ? [`feature "${feature}": ${field} ${unlistedModelProblem(found)}`] : [];
  });
  warn(`${problems.join('; ')}. Requests to these models will fail until the features name models OpenRouter lists (GET /api/ai/models lists them).`);
}
