/**
 * Emulator benchmark: the emulator must never be the bottleneck of a gateway benchmark, and its pacing must be
 * what a test asked for. Prints figures and where each goal stands; it asserts nothing (timings vary by machine).
 *
 *   pnpm --filter @insforge/openrouter-emulator bench [-- --runs 50]
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator } from '../src/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' }, short: { type: 'boolean', default: false } } });
const runs = values.short ? 5 : Number(values.runs);

interface StreamTiming {
  totalMs: number;
  /** Milliseconds from the request to each content chunk. */
  tokenTimes: number[];
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Streams one chat completion over a keep-alive connection, timing each content chunk as it arrives. */
function timeStream(emulator: Emulator, scenario: string): Promise<StreamTiming> {
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, max_tokens: 5000, messages: [{ role: 'user', content: 'benchmark' }] });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${emulator.url}/chat/completions`,
      { method: 'POST', agent, headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json', 'x-emulator-scenario': scenario } },
      (res) => {
        const tokenTimes: number[] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const at = performance.now() - started;
          buffer += text;
          let boundary = buffer.indexOf('\n\n');
          while (boundary >= 0) {
            if (buffer.startsWith('data: {') && buffer.slice(0, boundary).includes('"content":"') && !buffer.slice(0, boundary).includes('"content":""')) tokenTimes.push(at);
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
          }
        });
        res.on('end', () => resolve({ totalMs: performance.now() - started, tokenTimes }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const fixed = (value: number, digits = 1) => value.toFixed(digits);
const verdict = (ok: boolean) => (ok ? 'meets goal' : 'MISSES goal');

async function main() {
  const emulator = await startEmulator();
  try {
    for (let warm = 0; warm < 5; warm += 1) await timeStream(emulator, 'tokens=1000');
    const unlimited: number[] = [];
    let tokens = 0;
    for (let run = 0; run < runs; run += 1) {
      const timing = await timeStream(emulator, 'tokens=1000');
      unlimited.push(timing.totalMs);
      tokens = timing.tokenTimes.length;
    }
    const p50 = percentile(unlimited, 50);
    const p95 = percentile(unlimited, 95);
    console.log(`\n1,000-token stream at unlimited pace (${runs} runs, ${tokens} content chunks each)`);
    console.log(`  total time p50 ${fixed(p50, 2)} ms, p95 ${fixed(p95, 2)} ms, max ${fixed(Math.max(...unlimited), 2)} ms — goal < 50 ms: ${verdict(p95 < 50)}`);

    console.log('\nPacing accuracy (time to first token and tokens per second, within 10% of what was asked)');
    console.log('  asked ttft | measured ttft | error  || asked tps | measured tps | error  | verdict');
    for (const [ttft, tps, count] of [[200, 50, 60], [500, 20, 30], [100, 200, 200], [50, 1000, 500]] as const) {
      const samples = await Promise.all(Array.from({ length: values.short ? 1 : 3 }, () => timeStream(emulator, `ttft=${ttft};tps=${tps};tokens=${count}`)));
      const ttfts = samples.map((sample) => sample.tokenTimes[0] ?? NaN);
      const rates = samples.map((sample) => {
        const times = sample.tokenTimes;
        return ((times.length - 1) * 1000) / ((times.at(-1) ?? 0) - (times[0] ?? 0));
      });
      const measuredTtft = percentile(ttfts, 50);
      const measuredTps = percentile(rates, 50);
      const ttftError = (measuredTtft - ttft) / ttft;
      const tpsError = (measuredTps - tps) / tps;
      const ok = Math.abs(ttftError) <= 0.1 && Math.abs(tpsError) <= 0.1;
      console.log(
        `  ${String(ttft).padStart(7)} ms | ${fixed(measuredTtft).padStart(10)} ms | ${fixed(ttftError * 100).padStart(5)}% || ${String(tps).padStart(9)} | ${fixed(measuredTps).padStart(12)} | ${fixed(tpsError * 100).padStart(5)}% | ${verdict(ok)}`,
      );
    }
  } finally {
    agent.destroy();
    await emulator.close();
  }
}

await main();
