import { describe, expect, it } from 'vitest';
import { runSteps, type Steps } from './steps.js';

/** Adds what each value yields to a total; a failed wait is caught and counted as -1 when `recover` is set. */
function* sum(values: unknown[], recover = false): Steps<number> {
  let total = 0;
  for (const value of values) {
    try {
      total += (yield value) as number;
    } catch (error) {
      if (!recover) throw error;
      total -= 1;
    }
  }
  return total;
}

describe('runSteps', () => {
  it('runs steps whose values are all there to the end at once, with no promise', () => {
    expect(runSteps(sum([1, 2, 3]))).toBe(6);
  });

  it('waits from the first promise on, then gives the same result', async () => {
    const result = runSteps(sum([1, Promise.resolve(2), 3, Promise.resolve(4)]));
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe(10);
  });

  it('waits for any thenable, not only a native promise', async () => {
    const thenable: PromiseLike<number> = { then: (resolve) => Promise.resolve(5).then(resolve) };
    expect(await runSteps(sum([1, thenable]))).toBe(6);
  });

  it('throws a failed wait into the step that waited, which may handle it and go on', async () => {
    expect(await runSteps(sum([Promise.reject(new Error('down')), 2, Promise.resolve(3)], true))).toBe(4);
    await expect(runSteps(sum([1, Promise.reject(new Error('down'))]))).rejects.toThrow('down');
  });

  it('passes on what the steps throw, at once before any wait and as a rejection after one', async () => {
    function* failing(afterWait: boolean): Steps<void> {
      if (afterWait) yield Promise.resolve();
      throw new RangeError('bad amount');
    }
    expect(() => runSteps(failing(false))).toThrow(RangeError);
    await expect(runSteps(failing(true))).rejects.toThrow(RangeError);
  });
});
