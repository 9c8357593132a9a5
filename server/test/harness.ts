// The package's own tests use the harness it exports as `@insforge/ai-server/testing`.
export * from '../src/testing/harness.js';
