/** Runs a callback at the next frame and returns a function that cancels it. */
export type FrameScheduler = (callback: () => void) => () => void;

/** The fallback frame length where there is no `requestAnimationFrame` (Node, workers): about 60 frames a second. */
export const FALLBACK_FRAME_MS = 16;

/**
 * `requestAnimationFrame` when the page has it, else a 16 ms timer. A hidden tab gets no animation frames, so a
 * stream there is only shown when the tab is shown again — nothing is lost, the state is applied then.
 *
 * @example
 * const cancel = animationFrameScheduler(() => render());
 */
export const animationFrameScheduler: FrameScheduler = (callback) => {
  if (typeof globalThis.requestAnimationFrame === 'function') {
    const handle = globalThis.requestAnimationFrame(() => callback());
    return () => globalThis.cancelAnimationFrame(handle);
  }
  const timer = setTimeout(callback, FALLBACK_FRAME_MS);
  return () => clearTimeout(timer);
};

/** Coalesces many `schedule()` calls into one `run` per frame. */
export interface FrameBatcher {
  /** Asks for a run at the next frame; further calls before it add nothing. */
  schedule(): void;
  /** Runs now if a run is pending (a final state must not wait for a frame), and cancels the frame. */
  flush(): void;
  /** Drops a pending run. */
  cancel(): void;
}

/** A run (with the renders it causes) that takes longer than this spaces out the next ones: half a 60 Hz frame. */
export const RENDER_BUDGET_MS = 8;

const clock = () => globalThis.performance?.now() ?? Date.now();

/**
 * Coalesces updates to at most one per frame: while a stream delivers hundreds of tokens a second, subscribers (and
 * React renders) see one change per frame. A run that costs more than `RENDER_BUDGET_MS` is followed by as long
 * without one: however slow the renders get, the page keeps at least half of its time for input, scrolling and the
 * stop button. The cost is measured to the end of the run's microtasks (where React renders a store update) and to
 * the next frame (the browser's layout and paint of what changed: a long paragraph costs more there than in React).
 *
 * @example
 * const batch = createFrameBatcher(() => store.setState({ messages: working }));
 * onToken = () => batch.schedule();
 * onEnd = () => batch.flush();
 */
export function createFrameBatcher(run: () => void, scheduler: FrameScheduler = animationFrameScheduler): FrameBatcher {
  let cancelFrame: (() => void) | undefined;
  let cancelProbe: (() => void) | undefined;
  /** Frames before this time pass without a run (a slow run was just done). */
  let notBefore = 0;
  const measured = (cost: number, now: number) => {
    if (cost > RENDER_BUDGET_MS) notBefore = Math.max(notBefore, now + cost);
  };
  const fire = () => {
    cancelFrame = undefined;
    const started = clock();
    notBefore = 0;
    run();
    queueMicrotask(() => {
      const now = clock();
      measured(now - started, now);
    });
    cancelProbe?.();
    cancelProbe = scheduler(() => {
      cancelProbe = undefined;
      const now = clock();
      measured(now - started - FALLBACK_FRAME_MS, now);
    });
  };
  const onFrame = () => {
    if (clock() < notBefore) cancelFrame = scheduler(onFrame);
    else fire();
  };
  return {
    schedule() {
      cancelFrame ??= scheduler(onFrame);
    },
    flush() {
      if (!cancelFrame) return;
      cancelFrame();
      fire();
    },
    cancel() {
      cancelFrame?.();
      cancelProbe?.();
      cancelFrame = cancelProbe = undefined;
    },
  };
}
