/**
 * Preloaded into every measured process (`node --expose-gc --import <this, bundled>`): on SIGUSR2 it collects
 * garbage and prints its memory on stdout, so memory per stream compares live memory, not garbage awaiting a GC.
 */
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`bench-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
