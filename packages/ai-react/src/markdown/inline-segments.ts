import { parseInlineParts, type InlinePart } from './parse-inline.js';

/** How long a part of a long paragraph is at least: longer parts mean fewer elements, shorter ones less work per frame. */
export const SEGMENT_LENGTH = 2048;

/** A paragraph's inline text cut into parts that parse as the whole does (see `parseInlineParts`). */
export interface InlineSegments {
  text: string;
  /** The parts, in order: their texts joined are `text`. All but the last stay the same objects while the text grows. */
  parts: readonly InlinePart[];
}

/**
 * Cuts `text` into parts that each render on their own as they would within the whole, reusing `previous` (the
 * same paragraph one frame of a stream earlier) when `text` continues it: only the text after its last cut is read
 * again, so a frame costs what arrived, not the paragraph. The parts depend on the text alone, never on how it
 * arrived, so a streamed paragraph ends with the parts of one rendered at once. Text up to `length` long is one part.
 *
 * @example
 * let segments = segmentInline(undefined, 'First sentence. ', 8);
 * segments = segmentInline(segments, 'First sentence. Second one.', 8); // parts: 'First sentence. ', 'Second one.'
 */
export function segmentInline(previous: InlineSegments | undefined, text: string, length = SEGMENT_LENGTH): InlineSegments {
  const kept = previous ? previous.parts.slice(0, -1) : [];
  let start = 0;
  for (const part of kept) start += part.text.length;
  // The parts before the last one are kept while the text still starts with them (a stream only appends).
  const stable = previous !== undefined && start > 0 && text.startsWith(previous.text.slice(0, start));
  const tail = stable ? text.slice(start) : text;
  return { text, parts: [...(stable ? kept : []), ...parseInlineParts(tail, length)] };
}
