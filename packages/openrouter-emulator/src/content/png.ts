import { deflateSync } from 'node:zlib';
import { createRandom } from './hash.js';

/** Largest width or height the emulator will render (matches the 4K image_size). */
export const MAX_IMAGE_DIMENSION = 4096;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOUR_TYPE_RGB = 2;
const BIT_DEPTH_8 = 8;
const PENDING_GREY = 128;
// Level 1: images are throwaway test fixtures, so encoding speed beats file size.
const DEFLATE_LEVEL = 1;

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function assertDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_IMAGE_DIMENSION) {
    throw new RangeError(`${name} must be an integer from 1 to ${MAX_IMAGE_DIMENSION}, got ${value}`);
  }
}

/**
 * Encodes packed 8-bit RGB pixels (row-major, `width * height * 3` bytes) as a PNG file.
 * @example encodePng(1, 1, new Uint8Array([255, 0, 0])) // a single red pixel
 */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  assertDimension('width', width);
  assertDimension('height', height);
  const stride = width * 3;
  if (rgb.length !== stride * height) {
    throw new RangeError(`rgb must hold width * height * 3 = ${stride * height} bytes, got ${rgb.length}`);
  }
  // Each scanline starts with its filter byte; 0 ("None") keeps encoding a plain copy.
  const scanlines = Buffer.alloc(height * (stride + 1));
  for (let row = 0; row < height; row++) {
    scanlines.set(rgb.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(BIT_DEPTH_8, 8);
  header.writeUInt8(COLOUR_TYPE_RGB, 9);
  // Bytes 10–12 stay 0: deflate compression, adaptive filtering, no interlace.
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines, { level: DEFLATE_LEVEL })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

type Colour = readonly [number, number, number];

function colourFromHsl(hueDegrees: number, saturation: number, lightness: number): Colour {
  const hue = (((hueDegrees % 360) + 360) % 360) / 60;
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const second = chroma * (1 - Math.abs((hue % 2) - 1));
  const base = lightness - chroma / 2;
  const sector = Math.floor(hue);
  const [red, green, blue] =
    sector === 0 ? [chroma, second, 0]
    : sector === 1 ? [second, chroma, 0]
    : sector === 2 ? [0, chroma, second]
    : sector === 3 ? [0, second, chroma]
    : sector === 4 ? [second, 0, chroma]
    : [chroma, 0, second];
  return [(red + base) * 255, (green + base) * 255, (blue + base) * 255];
}

function mix(from: Colour, to: Colour, amount: number): Colour {
  return [from[0] + (to[0] - from[0]) * amount, from[1] + (to[1] - from[1]) * amount, from[2] + (to[2] - from[2]) * amount];
}

/** Blends `colour` over the pixels [fromX, toX) of one row; a per-span call keeps the per-pixel loop call-free. */
function blendSpan(
  pixels: Uint8ClampedArray,
  rowStart: number,
  fromX: number,
  toX: number,
  colour: Colour,
  alpha: number,
): void {
  const keep = 1 - alpha;
  const [red, green, blue] = [colour[0] * alpha, colour[1] * alpha, colour[2] * alpha];
  const end = rowStart + toX * 3;
  for (let index = rowStart + fromX * 3; index < end; index += 3) {
    pixels[index] = (pixels[index] ?? 0) * keep + red;
    pixels[index + 1] = (pixels[index + 1] ?? 0) * keep + green;
    pixels[index + 2] = (pixels[index + 2] ?? 0) * keep + blue;
  }
}

/** Options for {@link renderImage}. */
export interface RenderImageOptions {
  prompt: string;
  width: number;
  height: number;
  /** Varies the picture for the same prompt; defaults to 0. */
  seed?: number;
  /** Fraction of rows drawn, from the top, in (0, 1]; the rest are flat grey. Defaults to 1. */
  progress?: number;
}

/**
 * Renders a deterministic "landscape" PNG (sky gradient, sun and haze circles, cloud bands, two ridges) whose
 * palette and layout come from the prompt and seed. Equal options give byte-equal files.
 * @example renderImage({ prompt: 'a red fox', width: 512, height: 512, progress: 0.5 }) // top half drawn
 */
export function renderImage(options: RenderImageOptions): Buffer {
  return encodePng(options.width, options.height, renderPixels(options));
}

/**
 * The pixels {@link renderImage} draws, as packed 8-bit RGB (row-major, `width * height * 3` bytes), for an encoder
 * of another format.
 * @example encodeJpeg(64, 64, renderPixels({ prompt: 'a red fox', width: 64, height: 64 }), 90)
 */
export function renderPixels(options: RenderImageOptions): Uint8Array {
  const { prompt, width, height, seed = 0, progress = 1 } = options;
  assertDimension('width', width);
  assertDimension('height', height);
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  if (!(progress > 0 && progress <= 1)) throw new RangeError(`progress must be in (0, 1], got ${progress}`);

  // Every random draw happens regardless of progress, so a partial image is exactly the top of the final one.
  const random = createRandom(`${prompt}\u0000${seed}`);
  const hue = random() * 360;
  const skyTop = colourFromHsl(hue, 0.55 + random() * 0.35, 0.25 + random() * 0.2);
  const skyBottom = colourFromHsl(hue + 30 + random() * 60, 0.5 + random() * 0.4, 0.6 + random() * 0.2);
  const skyTilt = colourFromHsl(hue - 40 - random() * 40, 0.5 + random() * 0.4, 0.45 + random() * 0.2);
  const accent = colourFromHsl(hue + 150 + random() * 60, 0.8, 0.6 + random() * 0.25);
  const pixels = new Uint8ClampedArray(width * height * 3);
  const drawnRows = Math.max(1, Math.min(height, Math.ceil(progress * height)));
  const shortSide = Math.min(width, height);

  paintSky(pixels, width, height, drawnRows, skyTop, skyBottom, skyTilt);
  const circleCount = 3 + Math.floor(random() * 4);
  for (let circle = 0; circle < circleCount; circle++) {
    const isSun = circle === 0;
    const radius = shortSide * (isSun ? 0.08 + random() * 0.1 : 0.04 + random() * 0.2);
    const centreX = random() * width;
    const centreY = random() * height * (isSun ? 0.45 : 1);
    const colour = isSun ? accent : mix(skyTilt, accent, random());
    const alpha = isSun ? 0.9 : 0.15 + random() * 0.35;
    paintCircle(pixels, width, drawnRows, centreX, centreY, radius, colour, alpha);
  }
  const bandCount = 1 + Math.floor(random() * 3);
  for (let band = 0; band < bandCount; band++) {
    const centreY = random() * height * 0.6;
    const halfThickness = Math.max(1, height * (0.01 + random() * 0.04));
    paintBand(pixels, width, drawnRows, centreY, halfThickness, mix(skyBottom, [255, 255, 255], 0.6), 0.25 + random() * 0.3);
  }
  const farRidge = mix(skyTilt, skyTop, 0.5);
  paintRidge(pixels, width, height, drawnRows, random, 0.55, mix(farRidge, [0, 0, 0], 0.2));
  paintRidge(pixels, width, height, drawnRows, random, 0.72, mix(skyTop, [0, 0, 0], 0.55));

  pixels.fill(PENDING_GREY, drawnRows * width * 3);
  return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
}

function paintSky(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  drawnRows: number,
  top: Colour,
  bottom: Colour,
  tilt: Colour,
): void {
  const xStep = width > 1 ? 1 / (width - 1) : 0;
  for (let y = 0; y < drawnRows; y++) {
    const left = mix(top, bottom, height > 1 ? y / (height - 1) : 0);
    const right = mix(left, tilt, 0.6);
    const stepRed = (right[0] - left[0]) * xStep;
    const stepGreen = (right[1] - left[1]) * xStep;
    const stepBlue = (right[2] - left[2]) * xStep;
    let [red, green, blue] = left;
    const end = (y + 1) * width * 3;
    for (let index = y * width * 3; index < end; index += 3) {
      pixels[index] = red;
      pixels[index + 1] = green;
      pixels[index + 2] = blue;
      red += stepRed;
      green += stepGreen;
      blue += stepBlue;
    }
  }
}

function paintCircle(
  pixels: Uint8ClampedArray,
  width: number,
  drawnRows: number,
  centreX: number,
  centreY: number,
  radius: number,
  colour: Colour,
  alpha: number,
): void {
  const firstRow = Math.max(0, Math.ceil(centreY - radius));
  const lastRow = Math.min(drawnRows - 1, Math.floor(centreY + radius));
  for (let y = firstRow; y <= lastRow; y++) {
    const halfWidth = Math.sqrt(radius * radius - (y - centreY) ** 2);
    const fromX = Math.max(0, Math.ceil(centreX - halfWidth));
    const toX = Math.min(width, Math.floor(centreX + halfWidth) + 1);
    if (toX > fromX) blendSpan(pixels, y * width * 3, fromX, toX, colour, alpha);
  }
}

function paintBand(
  pixels: Uint8ClampedArray,
  width: number,
  drawnRows: number,
  centreY: number,
  halfThickness: number,
  colour: Colour,
  alpha: number,
): void {
  const firstRow = Math.max(0, Math.ceil(centreY - halfThickness));
  const lastRow = Math.min(drawnRows - 1, Math.floor(centreY + halfThickness));
  for (let y = firstRow; y <= lastRow; y++) {
    const softness = 1 - Math.abs(y - centreY) / halfThickness;
    blendSpan(pixels, y * width * 3, 0, width, colour, alpha * softness);
  }
}

/** A ridge line made of three sine waves around `baseline` (a fraction of the height); everything below it is filled. */
function paintRidge(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  drawnRows: number,
  random: () => number,
  baseline: number,
  colour: Colour,
): void {
  const waves = [0, 1, 2].map((octave) => ({
    frequency: (1 + random() * 2) * 2 ** octave * ((2 * Math.PI) / width),
    phase: random() * 2 * Math.PI,
    amplitude: (height * (0.06 + random() * 0.05)) / 2 ** octave,
  }));
  const ridgeTop = new Int32Array(width);
  let highest = height;
  for (let x = 0; x < width; x++) {
    let offset = 0;
    for (const wave of waves) offset += wave.amplitude * Math.sin(wave.frequency * x + wave.phase);
    const top = Math.round(height * baseline + offset);
    ridgeTop[x] = top;
    highest = Math.min(highest, top);
  }
  const [red, green, blue] = colour;
  for (let y = Math.max(0, highest); y < drawnRows; y++) {
    const rowStart = y * width * 3;
    for (let x = 0; x < width; x++) {
      if (y < (ridgeTop[x] ?? height)) continue;
      const index = rowStart + x * 3;
      pixels[index] = red;
      pixels[index + 1] = green;
      pixels[index + 2] = blue;
    }
  }
}

/**
 * Parses an OpenAI-style `size` such as "1024x1024" (or "1024X1024"); undefined when malformed or outside 1..4096.
 * @example parseImageSize('1792x1024') // { width: 1792, height: 1024 }
 */
export function parseImageSize(size: string): { width: number; height: number } | undefined {
  const match = /^\s*(\d{1,5})[xX](\d{1,5})\s*$/.exec(size);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  const inRange = (value: number) => value >= 1 && value <= MAX_IMAGE_DIMENSION;
  return inRange(width) && inRange(height) ? { width, height } : undefined;
}

export const ASPECT_RATIOS: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1, 1],
  '2:3': [2, 3],
  '3:2': [3, 2],
  '3:4': [3, 4],
  '4:3': [4, 3],
  '4:5': [4, 5],
  '5:4': [5, 4],
  '9:16': [9, 16],
  '16:9': [16, 9],
  '21:9': [21, 9],
};

export const LONG_SIDE_BY_IMAGE_SIZE: Readonly<Record<string, number>> = { '1K': 1024, '2K': 2048, '4K': 4096 };

/**
 * Pixel size for OpenRouter's `image_config` (`aspect_ratio`, `image_size`): the long side is 1024/2048/4096 for
 * 1K/2K/4K and the short side is rounded to a multiple of 8. Unknown ratios fall back to 1:1, unknown sizes to 1K.
 * @example sizeForAspectRatio('16:9', '1K') // { width: 1024, height: 576 }
 */
export function sizeForAspectRatio(
  aspectRatio: string | undefined,
  imageSize: string | undefined,
): { width: number; height: number } {
  const [ratioWidth, ratioHeight] = (aspectRatio === undefined ? undefined : ASPECT_RATIOS[aspectRatio.trim()]) ?? [1, 1];
  const longSide = (imageSize === undefined ? undefined : LONG_SIDE_BY_IMAGE_SIZE[imageSize.trim().toUpperCase()]) ?? 1024;
  const shortSide = (ratio: number) => Math.max(8, Math.round((longSide * ratio) / 8) * 8);
  return ratioWidth >= ratioHeight
    ? { width: longSide, height: shortSide(ratioHeight / ratioWidth) }
    : { width: shortSide(ratioWidth / ratioHeight), height: longSide };
}
