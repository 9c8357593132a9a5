/**
 * `@insforge/ai-server/testing`: start a gateway in front of the OpenRouter emulator in a test, as this package's own
 * tests and the React library's do. Needs `@insforge/openrouter-emulator` (an optional peer dependency) and, for the
 * default in-memory database, `better-sqlite3`.
 *
 * @example
 * import { startHarness, CLIENT_KEY } from '@insforge/ai-server/testing';
 * const harness = await startHarness();
 * await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}` }, body });
 * await harness.close();
 */
export { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness } from './harness.js';
export type { Harness } from './harness.js';
