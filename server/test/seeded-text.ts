/**
 * A text of `length` characters drawn from `alphabet` (a string's UTF-16 units, or a list of strings), the same for the
 * same seed: a linear congruential generator, so a failing case can be run again by its seed.
 * @example
 * const text = seededText('ab @.-x1 \n', 600, 7);
 */
export function seededText(alphabet: string | readonly string[], length: number, seed: number): string {
  let state = seed;
  let text = '';
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += alphabet[state % alphabet.length];
  }
  return text;
}
