/**
 * Preloaded into a gateway by bench/allocations.ts (`node --import <this, bundled>`): the first SIGUSR2 starts V8's
 * sampling heap profiler with the objects both collectors freed kept in it (so it counts what was allocated, not
 * what is still alive), the second stops it and writes the profile to `BENCH_HEAP_SAMPLES` (then `<it>.started`
 * before it, when sampling began). The memory probe, also preloaded, collects garbage on the same signal: harmless
 * here, since collected objects stay counted.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env['BENCH_HEAP_SAMPLES'];
const session = new Session();
session.connect();
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
let sampling = false;

process.on('SIGUSR2', () => {
  if (!out) return;
  void (async () => {
    if (!sampling) {
      sampling = true;
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      writeFileSync(`${out}.started`, '');
      return;
    }
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(out, JSON.stringify(profile));
  })();
});
