/**
 * What an input video is billed by: its length. Gemini, the family that reads video on OpenRouter, bills about 263
 * tokens a second (a frame a second at 258 tokens, plus its sound at 32 a second, less at low resolution).
 */
export const VIDEO_TOKENS_PER_SECOND = 263;
/** Bitrate assumed for a video whose length its bytes do not say (1 Mbit/s, a small web video). */
const ASSUMED_BYTES_PER_SECOND = 125_000;

const u32 = (bytes: Uint8Array, at: number) => ((bytes[at] ?? 0) * 2 ** 24) + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
const u64 = (bytes: Uint8Array, at: number) => u32(bytes, at) * 2 ** 32 + u32(bytes, at + 4);
const fourCc = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

/** The boxes of an ISO media file (MP4, MOV) between two offsets: their type and where their content lies. */
function* boxes(bytes: Uint8Array, start: number, end: number): Generator<{ type: string; from: number; to: number }> {
  let at = start;
  while (at + 8 <= end) {
    let size = u32(bytes, at);
    let header = 8;
    if (size === 1) {
      size = u64(bytes, at + 8);
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header) return;
    yield { type: fourCc(bytes, at + 4), from: at + header, to: Math.min(end, at + size) };
    at += size;
  }
}

/**
 * The length in seconds of an MP4 or MOV, from its movie header (`moov/mvhd`); undefined for other bytes.
 *
 * @example
 * mp4Seconds(bytes); // 12.5
 */
export function mp4Seconds(bytes: Uint8Array): number | undefined {
  for (const movie of boxes(bytes, 0, bytes.length)) {
    if (movie.type !== 'moov') continue;
    for (const box of boxes(bytes, movie.from, movie.to)) {
      if (box.type !== 'mvhd') continue;
      const version = bytes[box.from] ?? 0;
      // Version 1 has 64-bit times: creation, modification, then timescale and duration.
      const timescale = u32(bytes, box.from + (version === 1 ? 20 : 12));
      const duration = version === 1 ? u64(bytes, box.from + 24) : u32(bytes, box.from + 16);
      return timescale > 0 ? duration / timescale : undefined;
    }
  }
  return undefined;
}

/**
 * The prompt tokens of an input video: by its length where its header says it, else by its size at a small web
 * video's bitrate; at least a second.
 *
 * @example
 * videoInputTokens(tenSecondMp4); // 2630
 */
export function videoInputTokens(bytes: Uint8Array): { seconds: number; tokens: number } {
  const seconds = Math.max(1, mp4Seconds(bytes) ?? bytes.length / ASSUMED_BYTES_PER_SECOND);
  return { seconds, tokens: Math.ceil(seconds * VIDEO_TOKENS_PER_SECOND) };
}
