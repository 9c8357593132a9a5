/** A value now, or a promise of it: what a quota backend answers (the in-process one at once, Redis later). */
export type Awaitable<T> = T | PromiseLike<T>;

/** Steps that yield what they wait for and get it back as the result of the `yield` (see `runSteps`). */
export type Steps<R> = Generator<unknown, R, unknown>;

/** Whether a value is still to come (a promise, or any thenable a backend returns). */
export function isPending(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Runs steps that wait on values which may already be there: each value a step yields comes back as the result of
 * its `yield`, a rejected promise is thrown there, and the steps go on in the same turn of the event loop until one
 * yields a promise. So the limits of a request counted in the process cost no promise per counter, and the same
 * code waits for Redis when the counters are there. Returns the steps' result, or a promise of it once one waited.
 * @example
 * function* both(): Steps<number> { const a = (yield backend.current('a')) as number; return a + ((yield backend.current('b')) as number); }
 * const total = await runSteps(both());
 */
export function runSteps<R>(steps: Steps<R>): Awaitable<R> {
  let next = steps.next();
  while (!next.done) {
    if (isPending(next.value)) return finishSteps(steps, next.value);
    next = steps.next(next.value);
  }
  return next.value;
}

async function finishSteps<R>(steps: Steps<R>, pending: PromiseLike<unknown>): Promise<R> {
  let waiting = pending;
  for (;;) {
    let value: unknown;
    let failure: { cause: unknown } | undefined;
    try {
      value = await waiting;
    } catch (cause) {
      failure = { cause };
    }
    // The step that waited hears a failed wait; what the steps throw themselves rejects the result.
    let next = failure ? steps.throw(failure.cause) : steps.next(value);
    for (;;) {
      if (next.done) return next.value;
      if (isPending(next.value)) break;
      next = steps.next(next.value);
    }
    waiting = next.value;
  }
}
