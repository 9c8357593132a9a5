/**
 * The upstream of every target: the emulator at unlimited pace, in its own process so its work never shares an event
 * loop with the load generator. Prints one JSON line `{ url, origin, apiKey }`.
 */
import { startEmulator } from '../packages/openrouter-emulator/src/index.js';
import { EMULATOR_RULES } from './workload.js';

const emulator = await startEmulator();
for (const rule of EMULATOR_RULES) emulator.addRule(rule);
console.log(JSON.stringify({ url: emulator.url, origin: emulator.origin, apiKey: emulator.apiKey }));
process.on('SIGTERM', () => {
  void emulator.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
