import { afterEach, describe, expect, it, vi } from 'vitest';
import { animationFrameScheduler, createFrameBatcher, FALLBACK_FRAME_MS, type FrameScheduler } from './frame-scheduler.js';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('createFrameBatcher', () => {
  it('runs once per frame however many updates were scheduled', () => {
    const frames: Array<() => void> = [];
    const scheduler: FrameScheduler = (callback) => {
      frames.push(callback);
      return () => frames.splice(frames.indexOf(callback), 1);
    };
    let runs = 0;
    const batch = createFrameBatcher(() => (runs += 1), scheduler);
    for (let token = 0; token < 100; token += 1) batch.schedule();
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(runs).toBe(1);
    batch.schedule();
    batch.flush();
    expect([runs, frames.length]).toEqual([2, 0]);
    batch.flush();
    batch.schedule();
    batch.cancel();
    expect([runs, frames.length]).toEqual([2, 0]);
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
