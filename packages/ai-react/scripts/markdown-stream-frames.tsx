// Per-frame cost of a markdown answer that is one growing block, in whatever DOM is global (jsdom in Node, or
// Chromium's): the answer is mounted at a size, then grown by a few chunks, one committed render each (flushSync),
// each timed with the layout it causes (reading offsetHeight makes the browser lay the page out; jsdom has none).
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { Markdown } from '../src/markdown/markdown.js';

export interface StreamFrames {
  /** Per size: the median time of one streamed frame at that size, in ms. */
  frames: Array<{ size: number; ms: number }>;
  /** The whole answer rendered at once (a reloaded conversation), in ms. */
  oneShotMs: number;
  /** Whether the streamed answer's final HTML equals the one rendered at once. */
  sameAsOneShot: boolean;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function timed(run: () => void, container: HTMLElement): number {
  const started = performance.now();
  run();
  void container.offsetHeight;
  return performance.now() - started;
}

/** Streams `source` into one `<Markdown>`, timing `frames` frames of `chunk` characters at each of `sizes`. */
export function measureStreamFrames(source: string, sizes: readonly number[], options: { chunk?: number; frames?: number } = {}): StreamFrames {
  const { chunk = 200, frames = 5 } = options;
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  const show = (text: string) => flushSync(() => root.render(<Markdown source={text} />));
  const perSize: Array<{ size: number; ms: number }> = [];
  for (const size of sizes) {
    show(source.slice(0, size - frames * chunk));
    const times: number[] = [];
    for (let frame = frames - 1; frame >= 0; frame--) times.push(timed(() => show(source.slice(0, size - frame * chunk)), container));
    perSize.push({ size, ms: median(times) });
  }
  show(source);
  const streamed = container.innerHTML;
  root.unmount();
  const fresh = createRoot(container);
  const oneShotMs = timed(() => flushSync(() => fresh.render(<Markdown source={source} />)), container);
  const sameAsOneShot = container.innerHTML === streamed;
  fresh.unmount();
  container.remove();
  return { frames: perSize, oneShotMs, sameAsOneShot };
}
