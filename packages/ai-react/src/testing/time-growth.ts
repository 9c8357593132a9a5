/** The fastest of `attempts` runs, in ms: other processes on a busy machine add noise, never a quadratic's growth. */
export function fastestMs(run: () => unknown, attempts = 3): number {
  let best = Infinity;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * How many times longer `run` takes on the large input than on the small one, after a warm-up on the small one (so
 * neither figure is the first JIT pass). A linear parser grows with the input's ratio; a quadratic with its square.
 * Tests bound this shape; the absolute speed goals live in benchmarks.
 */
export function timeGrowth<T>(run: (input: T) => unknown, small: T, large: T): number {
  fastestMs(() => run(small), 1);
  return fastestMs(() => run(large)) / Math.max(fastestMs(() => run(small)), 0.05);
}
