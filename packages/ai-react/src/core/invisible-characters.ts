/**
 * Bidi controls and invisible characters (format characters, line and paragraph separators) written out as `\uXXXX`,
 * each UTF-16 unit. Shown raw, they disguise a value: `report\u202Efdp.exe` reads "reportexe.pdf", and a zero-width
 * space makes two names that look the same. In JSON they only occur inside strings, so JSON stays the same JSON.
 *
 * @example
 * showInvisibleCharacters('report\u202Efdp.exe'); // 'report\\u202efdp.exe'
 */
export function showInvisibleCharacters(text: string): string {
  return text.replace(/[\p{Cf}\u2028\u2029]/gu, (char) => char.replace(/[^]/g, (unit) => `\\u${(unit.charCodeAt(0) + 0x10000).toString(16).slice(1)}`));
}
