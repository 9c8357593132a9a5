import { afterEach, describe, expect, it, vi } from 'vitest';
import { animationFrameScheduler, createFrameBatcher, FALLBACK_FRAME_MS, RENDER_BUDGET_MS, type FrameScheduler } from './frame-scheduler.js';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A frame clock driven by the test: `frames` holds the callbacks waiting for the next frame. */
function manualFrames() {
  const frames: Array<() => void> = [];
  const scheduler: FrameScheduler = (callback) => {
    frames.push(callback);
    return () => frames.splice(frames.indexOf(callback) >>> 0, 1);
  };
  const nextFrame = () => {
    for (const callback of frames.splice(0)) callback();
  };
  return { frames, scheduler, nextFrame };
}

/** Lets the microtasks after a run happen (where React renders a store update). */
const microtasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('createFrameBatcher', () => {
  it('runs once per frame however many updates were scheduled', async () => {
    const { frames, scheduler, nextFrame } = manualFrames();
    let runs = 0;
    const batch = createFrameBatcher(() => (runs += 1), scheduler);
    for (let token = 0; token < 100; token += 1) batch.schedule();
    expect(frames).toHaveLength(1);
    nextFrame();
    expect(runs).toBe(1);
    await microtasks();
    nextFrame(); // the frame after a run, which measures what it cost
    batch.schedule();
    batch.flush();
    expect(runs).toBe(2);
    batch.flush();
    expect(runs).toBe(2);
    batch.schedule();
    batch.cancel();
    expect([runs, frames.length]).toEqual([2, 0]);
  });

  it('runs every frame while runs stay within the budget', async () => {
    const { scheduler, nextFrame } = manualFrames();
    let runs = 0;
    const batch = createFrameBatcher(() => (runs += 1), scheduler);
    for (let frame = 0; frame < 5; frame++) {
      batch.schedule();
      nextFrame();
      await microtasks();
    }
    expect(runs).toBe(5);
  });

  it('leaves as long as a slow run took without one, and a flush still runs at once', async () => {
    const { scheduler, nextFrame } = manualFrames();
    const slow = RENDER_BUDGET_MS * 4;
    const ranAt: number[] = [];
    const batch = createFrameBatcher(() => {
      const started = performance.now();
      while (performance.now() - started < slow); // a render that takes 32 ms
      ranAt.push(performance.now());
    }, scheduler);
    batch.schedule();
    nextFrame();
    await microtasks();
    batch.schedule();
    nextFrame();
    expect(ranAt).toHaveLength(1); // the frame right after passed: the run waits for a later one
    // Frames every 4 ms (a loaded machine may stretch them): the second run comes once as long as the first took passed.
    for (let waited = 0; ranAt.length < 2 && waited < 100 * slow; waited += 4) {
      await new Promise((resolve) => setTimeout(resolve, 4));
      nextFrame();
    }
    expect(ranAt).toHaveLength(2);
    expect(ranAt[1]! - ranAt[0]!).toBeGreaterThanOrEqual(slow * 2 - 1);
    batch.schedule();
    batch.flush();
    expect(ranAt).toHaveLength(3);
  });

  it('counts the time to the next frame (layout and paint) as part of the cost', async () => {
    const { scheduler, nextFrame } = manualFrames();
    let runs = 0;
    const batch = createFrameBatcher(() => (runs += 1), scheduler);
    batch.schedule();
    nextFrame();
    await microtasks(); // the run itself was quick
    const started = performance.now();
    while (performance.now() - started < RENDER_BUDGET_MS * 5); // the browser lays out the page before the next frame
    batch.schedule();
    nextFrame();
    expect(runs).toBe(1);
  });
});

describe('animationFrameScheduler', () => {
  it('uses a 16 ms timer without requestAnimationFrame (Node)', () => {
    vi.useFakeTimers();
    const callback = vi.fn();
    animationFrameScheduler(callback);
    vi.advanceTimersByTime(FALLBACK_FRAME_MS - 1);
    expect(callback).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(callback).toHaveBeenCalledOnce();
    const cancelled = vi.fn();
    animationFrameScheduler(cancelled)();
    vi.advanceTimersByTime(100);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('uses requestAnimationFrame where the page has it', () => {
    const requested: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => requested.push(callback));
    vi.stubGlobal('cancelAnimationFrame', vi.fn());
    const callback = vi.fn();
    animationFrameScheduler(callback)();
    expect(requested).toHaveLength(1);
    expect(globalThis.cancelAnimationFrame).toHaveBeenCalledWith(1);
  });
});
