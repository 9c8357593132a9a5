// The page script of `bench:markdown --chromium`: the streaming measurement, run in Chromium's DOM.
import { longBlocks } from '../test/long-blocks.js';
import { measureStreamFrames } from './markdown-stream-frames.js';

declare global {
  interface Window {
    measureStreamFrames: (name: string, size: number, sizes: number[]) => ReturnType<typeof measureStreamFrames>;
  }
}

window.measureStreamFrames = (name, size, sizes) => measureStreamFrames(longBlocks(size)[name] ?? '', sizes);
