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
 * How many times longer `run` takes on the large input than on the small one: the fastest of five runs each, small
 * and large in turn so a busy moment hits both alike, after a warm-up (so neither figure is the first JIT pass). A
 * linear parser grows with the inputs' ratio; a quadratic with its square. Tests bound this shape with a wide margin
 * (a quadratic is off by the ratio itself); the absolute speed goals live in benchmarks.
 */
export function timeGrowth<T>(run: (input: T) => unknown, small: T, large: T): number {
  run(small);
  run(large);
  let [smallBest, largeBest] = [Infinity, Infinity];
  for (let round = 0; round < 5; round++) {
    smallBest = Math.min(smallBest, fastestMs(() => run(small), 1));
    largeBest = Math.min(largeBest, fastestMs(() => run(large), 1));
  }
  return largeBest / Math.max(smallBest, 0.05);
}
