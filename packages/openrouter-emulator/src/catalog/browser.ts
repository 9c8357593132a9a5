// The catalog's browser-safe parts: the providers that serve each model and the model types. The catalog itself
// (`createCatalog`) reads the data files and lives in the package's main entry.
export { providerProfile, providersForModel } from './providers.js';
export type { ProviderProfile } from './providers.js';
export type { CatalogModel, ModelKind, ModelPricing } from './types.js';
