import { parseFeature, parseSeedFeature, reservedFeatureNameProblem, type Feature, type FeatureInput } from './feature.js';

/** Where features live; the persistent stores implement the same three methods. */
export interface FeatureStore {
  get(projectId: string, name: string): Promise<Feature | undefined>;
  list(projectId: string): Promise<Feature[]>;
  put(projectId: string, feature: Feature): Promise<Feature>;
}

/**
 * Features in memory, per project. The initial features are read as the gateway reads features given at start
 * (`parseSeedFeature`): a blocklist pattern the save check has since made stricter loads; `put` checks it. Neither
 * creates a feature under a reserved name (`RESERVED_FEATURE_NAMES`).
 */
export class MemoryFeatureStore implements FeatureStore {
  readonly #projects = new Map<string, Map<string, Feature>>();

  constructor(initial: Record<string, FeatureInput[]> = {}) {
    for (const [projectId, features] of Object.entries(initial)) {
      for (const feature of features) this.#project(projectId).set(feature.name, parseSeedFeature(feature).feature);
    }
  }

  async get(projectId: string, name: string): Promise<Feature | undefined> {
    return this.#projects.get(projectId)?.get(name);
  }

  async list(projectId: string): Promise<Feature[]> {
    return [...(this.#projects.get(projectId)?.values() ?? [])];
  }

  async put(projectId: string, feature: Feature): Promise<Feature> {
    const parsed = parseFeature(feature);
    const reserved = this.#project(projectId).has(parsed.name) ? undefined : reservedFeatureNameProblem(parsed.name);
    if (reserved !== undefined) throw new Error(`invalid feature: name: ${reserved}`);
    this.#project(projectId).set(parsed.name, parsed);
    return parsed;
  }

  #project(projectId: string): Map<string, Feature> {
    let features = this.#projects.get(projectId);
    if (!features) {
      features = new Map();
      this.#projects.set(projectId, features);
    }
    return features;
  }
}
