// A baseline JPEG encoder for the emulator's synthetic pictures: YCbCr without chroma subsampling, the example
// quantization tables of ITU T.81 Annex K scaled by quality as libjpeg scales them, and its example Huffman tables,
// so any decoder reads the file without the encoder having to count symbols first.

import { ByteSink } from './byte-sink.js';

/** The natural (row-major) index of each zig-zag position of an 8×8 block. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

const LUMA_QUANTIZATION = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

const CHROMA_QUANTIZATION = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...Array<number>(32).fill(99),
];

/** A Huffman table as a JPEG file carries it: how many codes of each length 1–16, then the symbols in code order. */
interface HuffmanSpec {
  counts: readonly number[];
  symbols: readonly number[];
}

/** Bytes written as space-separated hex pairs. */
const hexBytes = (text: string) => text.split(' ').map((hex) => Number.parseInt(hex, 16));

const LUMA_DC: HuffmanSpec = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const CHROMA_DC: HuffmanSpec = { counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const LUMA_AC: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: hexBytes(
    '01 02 03 00 04 11 05 12 21 31 41 06 13 51 61 07 22 71 14 32 81 91 a1 08 23 42 b1 c1 15 52 d1 f0 24 33 62 72 82 09 0a 16 17 18 19 1a 25 26 27 28 29 2a 34 35 36 37 38 39 3a 43 44 45 46 47 48 49 4a 53 54 55 56 57 58 59 5a 63 64 65 66 67 68 69 6a 73 74 75 76 77 78 79 7a 83 84 85 86 87 88 89 8a 92 93 94 95 96 97 98 99 9a a2 a3 a4 a5 a6 a7 a8 a9 aa b2 b3 b4 b5 b6 b7 b8 b9 ba c2 c3 c4 c5 c6 c7 c8 c9 ca d2 d3 d4 d5 d6 d7 d8 d9 da e1 e2 e3 e4 e5 e6 e7 e8 e9 ea f1 f2 f3 f4 f5 f6 f7 f8 f9 fa',
  ),
};
const CHROMA_AC: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: hexBytes(
    '00 01 02 03 11 04 05 21 31 06 12 41 51 07 61 71 13 22 32 81 08 14 42 91 a1 b1 c1 09 23 33 52 f0 15 62 72 d1 0a 16 24 34 e1 25 f1 17 18 19 1a 26 27 28 29 2a 35 36 37 38 39 3a 43 44 45 46 47 48 49 4a 53 54 55 56 57 58 59 5a 63 64 65 66 67 68 69 6a 73 74 75 76 77 78 79 7a 82 83 84 85 86 87 88 89 8a 92 93 94 95 96 97 98 99 9a a2 a3 a4 a5 a6 a7 a8 a9 aa b2 b3 b4 b5 b6 b7 b8 b9 ba c2 c3 c4 c5 c6 c7 c8 c9 ca d2 d3 d4 d5 d6 d7 d8 d9 da e2 e3 e4 e5 e6 e7 e8 e9 ea f2 f3 f4 f5 f6 f7 f8 f9 fa',
  ),
};

/** The example tables of Annex K, exported for the test that checks each lists as many symbols as it counts codes. */
export const JPEG_HUFFMAN_TABLES = { LUMA_DC, LUMA_AC, CHROMA_DC, CHROMA_AC } as const;

/** Each symbol's code and its length in bits, assigned in order as T.81 Annex C does. */
function huffmanCodes(spec: HuffmanSpec): { codes: Uint16Array; lengths: Uint8Array } {
  const codes = new Uint16Array(256);
  const lengths = new Uint8Array(256);
  let code = 0;
  let next = 0;
  spec.counts.forEach((count, index) => {
    for (let taken = 0; taken < count; taken++) {
      const symbol = spec.symbols[next++] ?? 0;
      codes[symbol] = code++;
      lengths[symbol] = index + 1;
    }
    code <<= 1;
  });
  return { codes, lengths };
}

/** libjpeg's quality scaling of a base table: 50 keeps it, 100 makes every step 1, 1 makes them coarsest. */
function scaledQuantization(base: readonly number[], quality: number): Uint8Array {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  return Uint8Array.from(base, (step) => Math.min(255, Math.max(1, Math.floor((step * scale + 50) / 100))));
}

/** `COSINES[u * 8 + x]` = C(u)/2 · cos((2x+1)uπ/16): the 8-point DCT of T.81 A.3.3 as a matrix. */
const COSINES = Float64Array.from({ length: 64 }, (_, index) => {
  const frequency = Math.floor(index / 8);
  const sample = index % 8;
  return (frequency === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * sample + 1) * frequency * Math.PI) / 16);
});

/** Writes bits most significant first, with a 0x00 after every 0xFF byte, as entropy-coded JPEG data needs. */
class JpegBitWriter {
  readonly #sink = new ByteSink();
  #buffer = 0;
  #count = 0;

  /** Writes the low `bits` (at most 16) of `value`. */
  write(value: number, bits: number): void {
    this.#buffer = (this.#buffer << bits) | (value & ((1 << bits) - 1));
    this.#count += bits;
    while (this.#count >= 8) {
      this.#count -= 8;
      const byte = (this.#buffer >>> this.#count) & 0xff;
      this.#sink.push(byte);
      if (byte === 0xff) this.#sink.push(0);
    }
    this.#buffer &= (1 << this.#count) - 1;
  }

  /** Pads the last byte with 1 bits and returns the bytes. */
  finish(): Uint8Array {
    if (this.#count > 0) this.write(0x7f, 8 - this.#count);
    return this.#sink.bytes();
  }

}

/** The bit count of a coefficient's magnitude (its JPEG "category"), and its bits as T.81 F.1.2.1 writes them. */
function category(value: number): { size: number; bits: number } {
  let size = 0;
  for (let magnitude = Math.abs(value); magnitude > 0; magnitude >>= 1) size++;
  return { size, bits: value < 0 ? (value - 1) & ((1 << size) - 1) : value };
}

interface Component {
  quantization: Uint8Array;
  dc: ReturnType<typeof huffmanCodes>;
  ac: ReturnType<typeof huffmanCodes>;
  previousDc: number;
}

/** Transforms, quantizes and writes one 8×8 block of level-shifted samples. */
function writeBlock(writer: JpegBitWriter, samples: Float64Array, component: Component): void {
  const rows = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let x = 0; x < 8; x++) sum += (COSINES[u * 8 + x] ?? 0) * (samples[y * 8 + x] ?? 0);
      rows[y * 8 + u] = sum;
    }
  }
  const quantized = new Int32Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) sum += (COSINES[v * 8 + y] ?? 0) * (rows[y * 8 + u] ?? 0);
      quantized[v * 8 + u] = Math.round(sum / (component.quantization[v * 8 + u] ?? 1));
    }
  }
  const dc = quantized[0] ?? 0;
  const difference = category(dc - component.previousDc);
  component.previousDc = dc;
  writer.write(component.dc.codes[difference.size] ?? 0, component.dc.lengths[difference.size] ?? 0);
  writer.write(difference.bits, difference.size);
  let zeros = 0;
  for (let position = 1; position < 64; position++) {
    const coefficient = quantized[ZIGZAG[position] ?? 0] ?? 0;
    if (coefficient === 0) {
      zeros++;
      continue;
    }
    for (; zeros > 15; zeros -= 16) writer.write(component.ac.codes[0xf0] ?? 0, component.ac.lengths[0xf0] ?? 0);
    const { size, bits } = category(coefficient);
    const symbol = (zeros << 4) | size;
    writer.write(component.ac.codes[symbol] ?? 0, component.ac.lengths[symbol] ?? 0);
    writer.write(bits, size);
    zeros = 0;
  }
  if (zeros > 0) writer.write(component.ac.codes[0] ?? 0, component.ac.lengths[0] ?? 0);
}

function segment(marker: number, payload: readonly number[] | Uint8Array): Buffer {
  const header = Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([header, Buffer.from(payload)]);
}

const huffmanSegmentPart = (tableClassAndId: number, spec: HuffmanSpec) => [tableClassAndId, ...spec.counts, ...spec.symbols];

/**
 * Encodes packed 8-bit RGB pixels (row-major, `width * height * 3` bytes) as a baseline JFIF JPEG of the given quality
 * (1–100, as libjpeg's `-quality`). Width and height are checked by the caller.
 * @example encodeJpeg(1, 1, new Uint8Array([255, 0, 0]), 90) // a single red pixel
 */
export function encodeJpeg(width: number, height: number, rgb: Uint8Array, quality: number): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`rgb must hold width * height * 3 = ${width * height * 3} bytes, got ${rgb.length}`);
  const clamped = Math.min(100, Math.max(1, Math.round(quality)));
  const luma = scaledQuantization(LUMA_QUANTIZATION, clamped);
  const chroma = scaledQuantization(CHROMA_QUANTIZATION, clamped);
  const components: Component[] = [
    { quantization: luma, dc: huffmanCodes(LUMA_DC), ac: huffmanCodes(LUMA_AC), previousDc: 0 },
    { quantization: chroma, dc: huffmanCodes(CHROMA_DC), ac: huffmanCodes(CHROMA_AC), previousDc: 0 },
    { quantization: chroma, dc: huffmanCodes(CHROMA_DC), ac: huffmanCodes(CHROMA_AC), previousDc: 0 },
  ];
  const writer = new JpegBitWriter();
  const blocks = [new Float64Array(64), new Float64Array(64), new Float64Array(64)] as const;
  for (let top = 0; top < height; top += 8) {
    for (let left = 0; left < width; left += 8) {
      for (let index = 0; index < 64; index++) {
        // Edge blocks repeat the last column and row, which keeps the padding from ringing into the picture.
        const x = Math.min(width - 1, left + (index % 8));
        const y = Math.min(height - 1, top + (index >> 3));
        const at = (y * width + x) * 3;
        const red = rgb[at] ?? 0;
        const green = rgb[at + 1] ?? 0;
        const blue = rgb[at + 2] ?? 0;
        blocks[0][index] = 0.299 * red + 0.587 * green + 0.114 * blue - 128;
        blocks[1][index] = -0.168736 * red - 0.331264 * green + 0.5 * blue;
        blocks[2][index] = 0.5 * red - 0.418688 * green - 0.081312 * blue;
      }
      components.forEach((component, index) => writeBlock(writer, blocks[index as 0 | 1 | 2], component));
    }
  }
  const zigzagged = (table: Uint8Array) => ZIGZAG.map((natural) => table[natural] ?? 1);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xdb, [0x00, ...zigzagged(luma), 0x01, ...zigzagged(chroma)]),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]),
    segment(0xc4, [...huffmanSegmentPart(0x00, LUMA_DC), ...huffmanSegmentPart(0x10, LUMA_AC), ...huffmanSegmentPart(0x01, CHROMA_DC), ...huffmanSegmentPart(0x11, CHROMA_AC)]),
    segment(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]),
    Buffer.from(writer.finish()),
    Buffer.from([0xff, 0xd9]),
  ]);
}
