import { describe, expect, it } from 'vitest';
import { HeldArguments, JsonStringDecoder, jsonStringText, rawSliceOf, type DecodedText, type JsonRun } from './streamed-arguments.js';
import { jsonStrings } from './text-slots.js';

const isString = (run: JsonRun): run is DecodedText => !('syntax' in run);

/** A JSON text cut into pieces: its first `cut` code units, then pieces of `size`. */
const piecesOf = (json: string, cut: number, size: number) => [json.slice(0, cut), ...(json.slice(cut).match(new RegExp(`[^]{1,${size}}`, 'g')) ?? [])];

describe('streamed tool-call arguments', () => {
  const json = JSON.stringify({ 'k\\"ey': 'C:\\Windows\\System32', to: 'ada\u0040example.com', list: ['say "hi"\n', 5, 'é😀'], nested: { deep: ['x'] } })
    .replace('@', '\\u0040')
    .replace('😀', '\\ud83d\\ude00');

  it('decode the strings of JSON that comes in pieces as JSON.parse does, and give back its raw text whole, wherever a piece ends', () => {
    const expected = jsonStrings(json);
    for (let cut = 0; cut <= json.length; cut++) {
      for (const size of [1, 3, json.length]) {
        const decoder = new JsonStringDecoder();
        const strings: string[] = [];
        let raw = '';
        for (const piece of piecesOf(json, cut, size)) {
          for (const run of decoder.write(piece)) {
            if (!isString(run)) {
              raw += run.syntax;
              continue;
            }
            raw += run.raw;
            if (run.opens) strings.push(run.text);
            else strings[strings.length - 1] += run.text;
          }
        }
        expect(strings.sort()).toEqual([...(expected ?? [])].sort());
        expect(raw).toBe(json);
      }
    }
  });

  it('tell a key from a value, and where each decoded code unit came from in the raw text', () => {
    const decoder = new JsonStringDecoder();
    const runs = decoder.write('{"a":["b",{"c":"x\\');
    expect(runs.filter(isString).map(({ text, key }) => [text, key])).toEqual([['a', true], ['b', false], ['c', true], ['x', false]]);
    const [run] = decoder.write('u0040y\\n", "d": 1}').filter(isString);
    expect(run).toMatchObject({ text: '@y\n', raw: '\\u0040y\\n', opens: false, closes: true, key: false });
    expect(run && rawSliceOf(run, 0, 2)).toBe('\\u0040y');
    expect(run && rawSliceOf(run, 2)).toBe('\\n');
  });

  it('hold back the end of a string with what follows, and join it to the next run of the same string', () => {
    const held = new HeldArguments();
    const runs = held.take('{"to":"Write ada\\u0040ex', false);
    const last = runs.at(-1);
    expect(last && isString(last) && last.text).toBe('Write ada@ex');
    if (!last || !isString(last)) return;
    held.hold(last, 'Write '.length, []);
    const next = held.take('ample.com"}', false);
    expect(next).toEqual([{ text: 'ada@example.com', raw: 'ada\\u0040example.com', offsets: expect.any(Array) as unknown, opens: false, closes: true, key: false }, { syntax: '"}' }]);
    // An escape the arguments end inside of is sent as it came.
    expect(new HeldArguments().take('{"a":"\\u00', true).at(-1)).toEqual({ syntax: '\\u00' });
  });

  it('write a redaction as JSON string content', () => {
    expect(JSON.parse(`"${jsonStringText('a "quoted"\\ line\n')}"`)).toBe('a "quoted"\\ line\n');
  });
});
