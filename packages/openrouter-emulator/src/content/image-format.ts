import { encodeJpeg } from './jpeg.js';
import { encodePng } from './png.js';
import { encodeWebp } from './webp.js';

/** The encodings the Image API takes as `output_format`. */
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** The media type of each format, as an answer's `media_type` names it. */
export const IMAGE_MEDIA_TYPES: Readonly<Record<ImageFormat, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** `output_compression` when a request gives none: 100, OpenAI's default, the least lossy. */
export const DEFAULT_OUTPUT_COMPRESSION = 100;

/**
 * Encodes packed 8-bit RGB pixels in `format`. `compression` (0–100, as `output_compression`) is the JPEG's quality;
 * PNG and the emulator's WebP are lossless, so it changes nothing for them.
 * @example encodeImage('webp', 64, 64, renderPixels({ prompt: 'a kite', width: 64, height: 64 }))
 */
export function encodeImage(format: ImageFormat, width: number, height: number, rgb: Uint8Array, compression = DEFAULT_OUTPUT_COMPRESSION): Buffer {
  if (format === 'jpeg') return encodeJpeg(width, height, rgb, compression);
  if (format === 'webp') return encodeWebp(width, height, rgb);
  return encodePng(width, height, rgb);
}
