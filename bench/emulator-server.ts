/**
 * The upstream of every target: the emulator at unlimited pace, in its own process so its work never shares an event
 * loop with the load generator. Prints one JSON line `{ url, origin, apiKey, ca }`. BENCH_EMULATOR_TLS=1 serves
 * HTTPS with HTTP/2, as OpenRouter does (`ca`: its self-signed certificate, for the clients to trust).
 */
import { startEmulator } from '../packages/openrouter-emulator/src/index.js';
import { EMULATOR_RULES } from './workload.js';

const emulator = await startEmulator({ tls: process.env['BENCH_EMULATOR_TLS'] === '1' });
for (const rule of EMULATOR_RULES) emulator.addRule(rule);
console.log(JSON.stringify({ url: emulator.url, origin: emulator.origin, apiKey: emulator.apiKey, ca: emulator.ca }));
process.on('SIGTERM', () => {
  void emulator.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
