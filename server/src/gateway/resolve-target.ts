import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import { parseFeature, type Feature, type Modality } from '../features/feature.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { ModelCatalog } from '../upstream/model-catalog.js';

/** Whether a project accepts raw OpenRouter model ids besides its features. */
export type RawModelPolicy = boolean | ((projectId: string) => boolean | Promise<boolean>);

export interface TargetResolver {
  features: FeatureStore;
  catalog: ModelCatalog;
  allowRawModels: RawModelPolicy;
}

/** What a request's `model` field resolved to: a feature, or a raw model id wrapped as a feature with no policy. */
export interface Target {
  feature: Feature;
  /** False when `model` was a raw OpenRouter id. */
  isFeature: boolean;
  /** The feature's model, then its fallbacks, in the order they are tried. */
  models: string[];
}

const MODALITY_ROUTES: Record<Modality, string> = { text: '/v1/chat/completions', image: '/v1/images/generations', embedding: '/v1/embeddings' };
/** How a message names a feature of each modality: "a text feature", "an image feature". */
const MODALITY_NAMES: Record<Modality, string> = { text: 'a text', image: 'an image', embedding: 'an embedding' };

export async function rawModelsAllowed(policy: RawModelPolicy, projectId: string): Promise<boolean> {
  return typeof policy === 'function' ? policy(projectId) : policy;
}

/**
 * Resolves `model` for a route of one modality: the caller's project feature of that name, else (where the
 * project allows raw ids) an OpenRouter model; otherwise a 400 `model_not_found` that lists the features.
 */
export async function resolveTarget(resolver: TargetResolver, identity: Identity, model: string, modality: Modality): Promise<Target> {
  const feature = await resolver.features.get(identity.projectId, model);
  if (feature) {
    if (feature.modality !== modality) {
      throw new GatewayError('invalid_request', `"${model}" is ${MODALITY_NAMES[feature.modality]} feature; call ${MODALITY_ROUTES[feature.modality]} with it.`, { param: 'model' });
    }
    if (!feature.roles.includes(identity.role)) {
      throw new GatewayError('forbidden', `The "${model}" feature is not available to your role.`, { param: 'model' });
    }
    return { feature, isFeature: true, models: [feature.model, ...feature.fallbackModels] };
  }
  if (await rawModelsAllowed(resolver.allowRawModels, identity.projectId)) {
    const known = await resolver.catalog.find(model);
    // A catalog that cannot be fetched does not block raw ids: OpenRouter itself will refuse an unknown one.
    if (known !== undefined) return { feature: parseFeature({ name: 'raw', modality, model }), isFeature: false, models: [model] };
  }
  const names = (await resolver.features.list(identity.projectId)).filter((candidate) => candidate.modality === modality && candidate.roles.includes(identity.role)).map((candidate) => candidate.name);
  const hint = names.length > 0 ? ` Available: ${names.join(', ')}.` : '';
  throw new GatewayError('model_not_found', `The model "${model}" does not exist or is not available to you.${hint}`, { param: 'model' });
}
