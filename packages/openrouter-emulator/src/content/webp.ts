// A lossless WebP (VP8L, RFC 9649) encoder for the emulator's synthetic pictures. It applies the subtract-green
// transform and the predictor transform with the left pixel everywhere (the pictures are smooth gradients and flat
// shapes, so the residuals are mostly 0 and ±1), then writes each pixel's residuals as literals under Huffman codes
// built from their counts: no back references and no colour cache, which keeps it short at some cost in size.

import { ByteSink } from './byte-sink.js';

const SUBTRACT_GREEN_TRANSFORM = 2;
const PREDICTOR_TRANSFORM = 0;
/** Predictor blocks of 512×512 pixels (the largest VP8L allows): one mode for all of them. */
const PREDICTOR_BLOCK_BITS = 9;
const PREDICT_FROM_LEFT = 1;
/** Green's alphabet: 256 literals and 24 back-reference lengths (there is no colour cache). */
const GREEN_ALPHABET = 256 + 24;
const DISTANCE_ALPHABET = 40;
const MAX_CODE_LENGTH = 15;
const MAX_CODE_LENGTH_CODE_LENGTH = 7;
/** The order in which the lengths of the code-length code are written. */
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/** Writes bits least significant first, as VP8L reads them. */
class LsbBitWriter {
  readonly #sink = new ByteSink();
  #buffer = 0;
  #count = 0;

  /** Writes the low `bits` (at most 24) of `value`. */
  write(value: number, bits: number): void {
    this.#buffer |= (value & ((1 << bits) - 1)) << this.#count;
    this.#count += bits;
    while (this.#count >= 8) {
      this.#sink.push(this.#buffer & 0xff);
      this.#buffer >>>= 8;
      this.#count -= 8;
    }
  }

  finish(): Uint8Array {
    if (this.#count > 0) this.#sink.push(this.#buffer & 0xff);
    this.#buffer = 0;
    this.#count = 0;
    return this.#sink.bytes();
  }

}

/** Huffman code lengths for `counts`, none longer than `limit`: rare symbols are counted as more common until they fit. */
export function huffmanLengths(counts: ArrayLike<number>, limit: number): Uint8Array {
  const lengths = new Uint8Array(counts.length);
  const used = Array.from(counts, (count, symbol) => ({ count, symbol })).filter((entry) => entry.count > 0);
  if (used.length === 1) lengths[used[0]?.symbol ?? 0] = 1;
  if (used.length < 2) return lengths;
  for (let floor = 1; ; floor *= 2) {
    interface Node { weight: number; symbols: number[] }
    let nodes: Node[] = used.map((entry) => ({ weight: Math.max(entry.count, floor), symbols: [entry.symbol] }));
    lengths.fill(0);
    while (nodes.length > 1) {
      nodes.sort((first, second) => first.weight - second.weight);
      const [first, second, ...rest] = nodes as [Node, Node, ...Node[]];
      for (const symbol of [...first.symbols, ...second.symbols]) lengths[symbol] = (lengths[symbol] ?? 0) + 1;
      nodes = [...rest, { weight: first.weight + second.weight, symbols: [...first.symbols, ...second.symbols] }];
    }
    if (Math.max(...lengths) <= limit) return lengths;
  }
}

/** A prefix code ready to write: each symbol's code, bit-reversed for the LSB-first stream, and its length. */
interface PrefixCode {
  codes: Uint16Array;
  lengths: Uint8Array;
  /** A code of one symbol takes no bits at all. */
  single: boolean;
}

/** Canonical codes for `lengths`, assigned in symbol order within each length, as VP8L (and deflate) does. */
function prefixCode(lengths: Uint8Array): PrefixCode {
  const perLength = new Uint16Array(MAX_CODE_LENGTH + 1);
  for (const length of lengths) if (length > 0) perLength[length] = (perLength[length] ?? 0) + 1;
  const next = new Uint16Array(MAX_CODE_LENGTH + 2);
  for (let length = 1, code = 0; length <= MAX_CODE_LENGTH; length++) {
    code = (code + (perLength[length - 1] ?? 0)) << 1;
    next[length] = code;
  }
  const codes = new Uint16Array(lengths.length);
  lengths.forEach((length, symbol) => {
    if (length === 0) return;
    const code = next[length] ?? 0;
    next[length] = code + 1;
    let reversed = 0;
    for (let bit = 0; bit < length; bit++) reversed |= ((code >> bit) & 1) << (length - 1 - bit);
    codes[symbol] = reversed;
  });
  return { codes, lengths, single: lengths.filter((length) => length > 0).length === 1 };
}

function writeSymbol(writer: LsbBitWriter, code: PrefixCode, symbol: number): void {
  if (!code.single) writer.write(code.codes[symbol] ?? 0, code.lengths[symbol] ?? 0);
}

/**
 * Writes the prefix code for `counts` (an alphabet's histogram) and returns it: a "simple" code when at most two
 * literals occur, else a "normal" one whose code lengths are themselves written with a code-length code.
 */
function writePrefixCode(writer: LsbBitWriter, counts: Uint32Array): PrefixCode {
  const used = [...counts.keys()].filter((symbol) => (counts[symbol] ?? 0) > 0);
  if (used.length <= 2 && used.every((symbol) => symbol < 256)) {
    const symbols = used.length === 0 ? [0] : used;
    writer.write(1, 1);
    writer.write(symbols.length - 1, 1);
    const [first = 0, second] = symbols;
    writer.write(first < 2 ? 0 : 1, 1);
    writer.write(first, first < 2 ? 1 : 8);
    if (second !== undefined) writer.write(second, 8);
    const lengths = new Uint8Array(counts.length);
    for (const symbol of symbols) lengths[symbol] = 1;
    return prefixCode(lengths);
  }
  const lengths = huffmanLengths(counts, MAX_CODE_LENGTH);
  const lengthCounts = new Uint32Array(CODE_LENGTH_ORDER.length);
  for (const length of lengths) lengthCounts[length] = (lengthCounts[length] ?? 0) + 1;
  const lengthCode = prefixCode(huffmanLengths(lengthCounts, MAX_CODE_LENGTH_CODE_LENGTH));
  let written = CODE_LENGTH_ORDER.length;
  while (written > 4 && (lengthCode.lengths[CODE_LENGTH_ORDER[written - 1] ?? 0] ?? 0) === 0) written--;
  writer.write(0, 1);
  writer.write(written - 4, 4);
  for (let index = 0; index < written; index++) writer.write(lengthCode.lengths[CODE_LENGTH_ORDER[index] ?? 0] ?? 0, 3);
  // 0: every symbol of the alphabet has its length written (no early end).
  writer.write(0, 1);
  for (const length of lengths) writeSymbol(writer, lengthCode, length);
  return prefixCode(lengths);
}

/** A literal pixel's residuals per channel, in the order VP8L reads them. */
type Residuals = readonly [green: Uint8Array, red: Uint8Array, blue: Uint8Array, alpha: Uint8Array];

/** Writes one prefix-code group (green, red, blue, alpha, distance) for these residuals, then each pixel's literals. */
function writeLiteralPixels(writer: LsbBitWriter, residuals: Residuals): void {
  const [green, red, blue, alpha] = residuals;
  const [greenCode, redCode, blueCode, alphaCode] = residuals.map((channel, index) => {
    const counts = new Uint32Array(index === 0 ? GREEN_ALPHABET : 256);
    for (const value of channel) counts[value] = (counts[value] ?? 0) + 1;
    return writePrefixCode(writer, counts);
  }) as [PrefixCode, PrefixCode, PrefixCode, PrefixCode];
  writePrefixCode(writer, new Uint32Array(DISTANCE_ALPHABET));
  for (let pixel = 0; pixel < green.length; pixel++) {
    writeSymbol(writer, greenCode, green[pixel] ?? 0);
    writeSymbol(writer, redCode, red[pixel] ?? 0);
    writeSymbol(writer, blueCode, blue[pixel] ?? 0);
    writeSymbol(writer, alphaCode, alpha[pixel] ?? 0);
  }
}

/**
 * Encodes packed 8-bit RGB pixels (row-major, `width * height * 3` bytes, sides 1–16384) as a lossless WebP file.
 * @example encodeWebp(1, 1, new Uint8Array([255, 0, 0])) // a single red pixel
 */
export function encodeWebp(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`rgb must hold width * height * 3 = ${width * height * 3} bytes, got ${rgb.length}`);
  const pixels = width * height;
  const green = new Uint8Array(pixels);
  const red = new Uint8Array(pixels);
  const blue = new Uint8Array(pixels);
  // Subtract green, then each channel minus its left neighbour's (the top one's in the first column; the first pixel
  // is predicted as black). Opaque alpha minus the prediction's opaque alpha leaves alpha's residuals all 0.
  const transformed = new Uint8Array(rgb.length);
  for (let at = 0; at < rgb.length; at += 3) {
    const greenValue = rgb[at + 1] ?? 0;
    transformed[at] = (rgb[at] ?? 0) - greenValue;
    transformed[at + 1] = greenValue;
    transformed[at + 2] = (rgb[at + 2] ?? 0) - greenValue;
  }
  for (let pixel = 0, x = 0; pixel < pixels; pixel++, x = x + 1 === width ? 0 : x + 1) {
    const at = pixel * 3;
    const neighbour = (x > 0 ? pixel - 1 : pixel - width) * 3;
    const [predictedRed, predictedGreen, predictedBlue] = neighbour >= 0 ? [transformed[neighbour] ?? 0, transformed[neighbour + 1] ?? 0, transformed[neighbour + 2] ?? 0] : [0, 0, 0];
    red[pixel] = (transformed[at] ?? 0) - predictedRed;
    green[pixel] = (transformed[at + 1] ?? 0) - predictedGreen;
    blue[pixel] = (transformed[at + 2] ?? 0) - predictedBlue;
  }
  const writer = new LsbBitWriter();
  writer.write(0x2f, 8);
  writer.write(width - 1, 14);
  writer.write(height - 1, 14);
  writer.write(0, 1); // alpha is not used
  writer.write(0, 3); // version 0
  writer.write(1, 1);
  writer.write(SUBTRACT_GREEN_TRANSFORM, 2);
  writer.write(1, 1);
  writer.write(PREDICTOR_TRANSFORM, 2);
  writer.write(PREDICTOR_BLOCK_BITS - 2, 3);
  const blockSide = 1 << PREDICTOR_BLOCK_BITS;
  const blocks = Math.ceil(width / blockSide) * Math.ceil(height / blockSide);
  // The predictor image, an entropy-coded image without colour cache: each block's mode in its green channel.
  writer.write(0, 1);
  writeLiteralPixels(writer, [new Uint8Array(blocks).fill(PREDICT_FROM_LEFT), new Uint8Array(blocks), new Uint8Array(blocks), new Uint8Array(blocks)]);
  writer.write(0, 1); // no more transforms
  writer.write(0, 1); // the main image: no colour cache,
  writer.write(0, 1); // and one prefix-code group for every pixel (no meta prefix codes)
  writeLiteralPixels(writer, [green, red, blue, new Uint8Array(pixels)]);
  const lossless = writer.finish();
  const header = Buffer.alloc(20);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(12 + lossless.length + (lossless.length % 2), 4);
  header.write('WEBPVP8L', 8, 'latin1');
  header.writeUInt32LE(lossless.length, 16);
  return Buffer.concat([header, lossless, Buffer.alloc(lossless.length % 2)]);
}
