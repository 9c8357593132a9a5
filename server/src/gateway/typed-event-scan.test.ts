import { describe, expect, it } from 'vitest';
import { ByteSearch, integerAfter } from './typed-event-scan.js';

const SEQUENCE = new ByteSearch(Buffer.from('"sequence_number":'));
const read = (text: string) => {
  const bytes = Buffer.from(text);
  return integerAfter(bytes, SEQUENCE, 0, bytes.length);
};

describe('integerAfter: a number read from the raw bytes only when it is written as String writes one', () => {
  it('reads an integer followed by a comma or the closing brace', () => {
    expect(read('{"sequence_number":12,"delta":"a"}')).toBe(12);
    expect(read('{"delta":"a","sequence_number":0}')).toBe(0);
    expect(read('{"sequence_number":9007199254740991}')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('says -1 when the key is absent, and -1 when it is only past the range searched', () => {
    expect(read('{"delta":"a"}')).toBe(-1);
    const bytes = Buffer.from('{"delta":"a"} {"sequence_number":3}');
    expect(integerAfter(bytes, SEQUENCE, 0, 14)).toBe(-1);
  });

  it('says -2 (parse the event) for anything else: a leading zero, a sign, a fraction, an exponent, a space, too many digits', () => {
    for (const value of ['012', '-1', '1.5', '1e3', ' 1', '1 ', '""', 'null', '9007199254740993', '12345678901234567', '']) {
      expect(read(`{"sequence_number":${value},"delta":"a"}`), value).toBe(-2);
    }
  });
});
