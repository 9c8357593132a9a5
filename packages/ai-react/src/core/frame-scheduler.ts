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

/**
 * Coalesces updates to at most one per frame: while a stream delivers hundreds of tokens a second, subscribers (and
 * React renders) see one change per frame.
 *
 * @example
 * const batch = createFrameBatcher(() => store.setState({ messages: working }));
 * onToken = () => batch.schedule();
 * onEnd = () => batch.flush();
 */
export function createFrameBatcher(run: () => void, scheduler: FrameScheduler = animationFrameScheduler): FrameBatcher {
  let cancelFrame: (() => void) | undefined;
  const fire = () => {
    cancelFrame = undefined;
    run();
  };
  return {
    schedule() {
      cancelFrame ??= scheduler(fire);
    },
    flush() {
      if (!cancelFrame) return;
      cancelFrame();
      fire();
    },
    cancel() {
      cancelFrame?.();
      cancelFrame = undefined;
    },
  };
}
