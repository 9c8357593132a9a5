import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import type { Feature } from '../features/feature.js';
import type { GatewayContext } from './context.js';
import { allowsWebSearch } from './extension-policy.js';
import { rawModelsAllowed, type Target } from './resolve-target.js';

/** OpenRouter's web search shortcut: a model id ending in it runs the `web` plugin, and bills its fee. */
const ONLINE = ':online';

/** Whether a model id asks OpenRouter for a web search (`openai/gpt-4o:online`). */
export const searchesOnline = (model: string): boolean => model.endsWith(ONLINE);

/** A client's `models` (OpenRouter's fallback list) as the chat sends it, or none. */
export function clientModelsOf(body: Record<string, unknown>): string[] {
  const models = body['models'];
  return Array.isArray(models) ? models.filter((model): model is string => typeof model === 'string') : [];
}

/**
 * Every model a chat may be served by: its target's, tried in turn, and on each attempt the client's `models`,
 * which OpenRouter falls back to and bills at the price of the one that answered. The estimate prices them all.
 *
 * @example
 * servedModelsOf({ target: { models: ['openai/gpt-4o-mini'] }, body: { models: ['openai/gpt-4o'] } });
 * // ['openai/gpt-4o-mini', 'openai/gpt-4o']
 */
export function servedModelsOf(run: { target: Pick<Target, 'models'>; body: Record<string, unknown> }): string[] {
  return [...new Set([...run.target.models, ...clientModelsOf(run.body)])];
}

/**
 * Whether one entry of a client's `models` may be sent: one of the feature's own models, or, where the project
 * accepts raw OpenRouter ids, a model id it could send as `model` (the catalog lists it; a catalog that cannot be
 * had does not block it, as for `model`).
 */
async function mayName(context: GatewayContext, identity: Identity, feature: Feature, model: string): Promise<boolean> {
  if (model === feature.model || feature.fallbackModels.includes(model)) return true;
  if (!(await rawModelsAllowed(context.allowRawModels, identity.projectId))) return false;
  return (await context.catalog.find(model)) !== undefined;
}

/**
 * The lifecycle's check of a client's `models`, where the feature allows them (`extensions.models: "allow"`): each
 * entry names one of the feature's models or, where the project accepts raw model ids, a model the catalog lists,
 * the same rule as `model`; with `:online` (a web search) only where the feature allows web search. Anything else
 * is a 400 naming the entry, so a fallback list cannot reach a model, or a fee, the feature's clients may not.
 */
export async function checkClientModels(context: GatewayContext, identity: Identity, feature: Feature, models: readonly string[]): Promise<void> {
  for (const [index, entry] of models.entries()) {
    const param = `models.${index}`;
    // The shortcut stays under the feature's web search rule even when an admin named it among the feature's models.
    const online = searchesOnline(entry) && entry !== feature.model && !feature.fallbackModels.includes(entry);
    if (online && !allowsWebSearch(feature)) {
      throw new GatewayError('parameter_not_allowed', `${param}: "${entry}" runs a web search (${ONLINE}), which is not allowed for clients of the "${feature.name}" feature; an admin can allow web search (extensions.serverTools.web_search: "allow").`, { param });
    }
    const model = online ? entry.slice(0, -ONLINE.length) : entry;
    if (await mayName(context, identity, feature, model)) continue;
    const own = [feature.model, ...feature.fallbackModels].join(', ');
    throw new GatewayError('parameter_not_allowed', `${param}: "${entry.slice(0, 120)}" is not a model clients of the "${feature.name}" feature may name; \`models\` lists the feature's own (${own}), or models this project accepts as \`model\`.`, { param });
  }
}
