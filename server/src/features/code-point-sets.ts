/** A set of code points as sorted, disjoint, inclusive ranges. */
export type CodePointSet = ReadonlyArray<readonly [number, number]>;

const BMP_WITHOUT_SURROGATES = 0x10000 - 0x800;

/**
 * Every code point but the surrogates, once each, in order (2.2 million UTF-16 units). A class's members are found
 * by letting the engine itself match the class against it, so case folding and `\p{…}` mean what they mean at run
 * time. Built when a check needs it and not kept: patterns are checked when saved, and their sets are cached.
 */
function everyCodePoint(): string {
  const units = new Uint16Array(BMP_WITHOUT_SURROGATES + 0x100000 * 2);
  let at = 0;
  for (let codePoint = 0; codePoint < 0x10000; codePoint += 1) if (codePoint < 0xd800 || codePoint > 0xdfff) units[at++] = codePoint;
  for (let offset = 0; offset < 0x100000; offset += 1) {
    units[at++] = 0xd800 + (offset >> 10);
    units[at++] = 0xdc00 + (offset & 0x3ff);
  }
  return Buffer.from(units.buffer).toString('utf16le');
}

const codePointAt = (unitIndex: number) =>
  unitIndex < BMP_WITHOUT_SURROGATES ? (unitIndex < 0xd800 ? unitIndex : unitIndex + 0x800) : 0x10000 + (unitIndex - BMP_WITHOUT_SURROGATES) / 2;

const cache = new Map<string, CodePointSet>();
const CACHE_LIMIT = 1000;

/**
 * The code points one character of a pattern (`a`, `\w`, `[^@\s]`, `.`) matches with the blocklist's flags.
 * @example
 * codePointsOf('[a-c]', everyCodePoint); // [[65, 67], [97, 99]] — case-insensitive
 */
export function codePointsOf(source: string, universe: () => string): CodePointSet {
  let set = cache.get(source);
  if (set) return set;
  const ranges: Array<[number, number]> = [];
  for (const run of universe().matchAll(new RegExp(`(?:${source})+`, 'giu'))) {
    const end = run.index + run[0].length;
    // An astral code point is two units from BMP_WITHOUT_SURROGATES on, so the last one starts two units back.
    ranges.push([codePointAt(run.index), codePointAt(end > BMP_WITHOUT_SURROGATES ? end - 2 : end - 1)]);
  }
  set = ranges;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, set);
  return set;
}

/** A lazy universe for `codePointsOf`, built at most once per call site. */
export function lazyUniverse(): () => string {
  let universe: string | undefined;
  return () => (universe ??= everyCodePoint());
}

export function union(a: CodePointSet, b: CodePointSet): CodePointSet {
  const sorted = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const [low, high] of sorted) {
    const last = merged[merged.length - 1];
    if (last && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged;
}

export function intersection(a: CodePointSet, b: CodePointSet): CodePointSet {
  const result: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [aLow, aHigh] = a[i] as readonly [number, number];
    const [bLow, bHigh] = b[j] as readonly [number, number];
    const low = Math.max(aLow, bLow);
    const high = Math.min(aHigh, bHigh);
    if (low <= high) result.push([low, high]);
    if (aHigh < bHigh) i += 1;
    else j += 1;
  }
  return result;
}
