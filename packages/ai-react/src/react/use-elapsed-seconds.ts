'use client';
import { useEffect, useState } from 'react';

const secondsSince = (startedAt: number | undefined, now: number) => (startedAt === undefined ? 0 : Math.max(0, Math.floor((now - startedAt) / 1000)));

/**
 * Whole seconds since `startedAt`, ticking while `running`; the component re-renders once a second, not per tick.
 *
 * @example
 * const seconds = useElapsedSeconds(generation.startedAt, generation.status === 'pending');
 */
export function useElapsedSeconds(startedAt: number | undefined, running: boolean, now: () => number = Date.now): number {
  const [seconds, setSeconds] = useState(() => secondsSince(startedAt, now()));
  useEffect(() => {
    setSeconds(secondsSince(startedAt, now()));
    if (!running) return;
    // A quarter-second tick keeps the shown second within 250 ms of the truth; equal values do not re-render.
    const timer = setInterval(() => setSeconds(secondsSince(startedAt, now())), 250);
    return () => clearInterval(timer);
  }, [startedAt, running, now]);
  return seconds;
}
