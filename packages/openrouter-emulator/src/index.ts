export { startEmulator, createEmulatorServer, createSecureEmulatorServer } from './server.js';
export { createSelfSignedCertificate } from './tls-certificate.js';
export type { SelfSignedCertificate } from './tls-certificate.js';
export type { Emulator, EmulatorOptions } from './server.js';
export { parseScenario, splitModelScenario, SCENARIO_KNOBS, ScenarioError } from './scenario.js';
export type { Scenario } from './scenario.js';
export type { RuleInput } from './routes/control.js';
export type { ScenarioRule } from './context.js';
export type { GenerationProbe, GenerationKind, GenerationStatus, BilledUsage } from './generations.js';
export type { KeyAccount, KeyOptions } from './keys.js';
export { generateKey } from './keys.js';
export { createCatalog, pricesFor } from './catalog/catalog.js';
export type { Catalog, CatalogSource, TokenPrices } from './catalog/catalog.js';
export type { CatalogModel, ModelPricing, ModelKind } from './catalog/types.js';
export { MODERATION_MARKER } from './content/moderation.js';
// Attachments for tests: a real PNG of any size, and a PDF of N pages.
export { renderImage } from './content/png.js';
export { renderPdf } from './content/pdf.js';
