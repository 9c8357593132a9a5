import { describe, expect, it } from 'vitest';
import { seededText } from '../../test/seeded-text.js';
import { matchingView, matchingWordSource } from './matching-view.js';

/** A text in NFKC without the accents the view folds, whole: what the view makes of it character by character. */
const withoutAccents = (text: string) => text.normalize('NFD').replace(/(?![\u3099\u309a])[\p{Script=Inherited}\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]/gu, '').normalize('NFC');

/** The text as sent that a span of the view came from. */
const sentOf = (text: string, start: number, end: number) => {
  const span = matchingView(text).original({ start, end });
  return text.slice(span.start, span.end);
};

describe('matchingView', () => {
  it('drops invisible code points, keeping them inside the spans they split', () => {
    const invisible = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufe0f', '\u202e', '\u2066', '\ufeff', '\u{e0041}', '\u180e', '\u034f'];
    for (const mark of invisible) {
      const text = `say night${mark}ingale${mark}.`;
      const view = matchingView(text);
      expect(view.text, JSON.stringify(mark)).toBe('say nightingale.');
      expect(sentOf(text, 4, 15)).toBe(`night${mark}ingale`);
    }
  });

  it('folds compatibility forms: fullwidth, ligatures, circled and mathematical letters', () => {
    expect(matchingView('say ｎｉｇｈｔｉｎｇａｌｅ!').text).toBe('say nightingale!');
    expect(matchingView('ⓝⓘⓖⓗⓣ 𝐧𝐢𝐠𝐡𝐭 𝓷𝓲𝓰𝓱𝓽 ﬁne ①').text).toBe('night night night fine 1');
    // A span of the view covers whole characters as sent: a ligature, a surrogate pair.
    expect(sentOf('ﬁne', 1, 4)).toBe('ﬁne');
    expect(sentOf('a 𝐧𝐢𝐠𝐡𝐭', 2, 7)).toBe('𝐧𝐢𝐠𝐡𝐭');
  });

  it('makes Cyrillic and Greek look-alike letters Latin, keeping their case', () => {
    expect(matchingView('nightingаle').text).toBe('nightingale');
    expect(matchingView('Васе Рор АТМ').text).toBe('Bace Pop ATM');
    expect(matchingView('ΑΒΕΗΙΚΜΝΟΡΤΥΧΖ οαρνιυγ').text).toBe('ABEHIKMNOPTYXZ oapviuy');
    expect(matchingView('привет').text).toBe('пpивeт');
    expect(sentOf('say nightingаle', 4, 15)).toBe('nightingаle');
  });

  it('folds accents, composed or combining, keeping the characters as sent inside the spans', () => {
    expect(matchingView('un café, un cafe\u0301, UN CAFÉ, naïve, Ångström, Ελλάδα, ёж').text).toBe('un cafe, un cafe, UN CAFE, naive, Angstrom, Eλλaδa, eж');
    expect(sentOf('un cafe\u0301!', 3, 7)).toBe('cafe\u0301');
    expect(sentOf('un café!', 3, 7)).toBe('café');
    // Marks hidden behind invisible code points, or stacked, go with the letter they are drawn on.
    expect(matchingView('cafe\u200b\u0301\u0301\u0323s').text).toBe('cafes');
    expect(sentOf('cafe\u200b\u0301\u0323s', 0, 4)).toBe('cafe\u200b\u0301\u0323');
  });

  it('folds letters drawn with a stroke or a bar, which NFD leaves whole, keeping their case', () => {
    expect(matchingView('cøcaine, łódź, đuro, ħello, ŧest, ƀox, ŁÓDŹ, ØRE, ĐAN, Ðan, ǿ').text).toBe('cocaine, lodz, duro, hello, test, box, LODZ, ORE, DAN, Dan, o');
    expect(sentOf('say cøcaine!', 4, 11)).toBe('cøcaine');
  });

  it('spells out the ligatures NFKC leaves whole, a span taking one of their letters mapping to the whole ligature', () => {
    expect(matchingView('Æsir, œuvre, Straße, STRAẞE').text).toBe('AEsir, oeuvre, Strasse, STRASSE');
    expect(sentOf('a Straße!', 2, 9)).toBe('Straße');
    expect(sentOf('a Straße!', 7, 9)).toBe('ße');
    expect(sentOf('a Straße!', 6, 7)).toBe('ß');
  });

  it('drops the vowel points ordinary Arabic and Hebrew leave out, and keeps marks that make another letter of their script', () => {
    expect(matchingView('كَتَبَ שָׁלוֹם').text).toBe('كتب שלום');
    // Devanagari vowel signs and the virama, Thai vowels and tones, kana voicing marks: other words without them.
    for (const text of ['काम कम नमस्ते', 'ที่ ไม้', 'がき かき パン', 'ガキ']) expect(matchingView(text).text).toBe(text);
    expect(matchingView('ｶﾞｷ').text).toBe('ガキ');
  });

  it('reads each character as NFKC reads the whole text, invisible code points dropped', () => {
    const alphabet = ['a', 'e', 'i', ' ', '\u0301', '\u0308', '\u0323', '\u200b', '\u00ad', 'ﬁ', 'Ａ', 'ｶ', 'ﾞ', 'ﾟ', '\u1100', '\u1161', '\u11a8', '가', 'ก', '\u0e33', 'क', '\u093f', '\u094d', 'ம', '\u0bc6', '\u0bbe', '😀', '\u{1d400}', '①', '½', 'é', 'Å', '\u3099', 'か', 'ש', '\u05c1', '\u05b8', 'ك', '\u064e'];
    for (let seed = 1; seed <= 300; seed += 1) {
      const text = seededText(alphabet, 40, seed);
      const view = matchingView(text);
      expect(view.text, JSON.stringify(text)).toBe(withoutAccents(text.replace(/\p{Default_Ignorable_Code_Point}/gu, '').normalize('NFKC')));
      // Any span of the view comes from characters whose own view holds it.
      for (let start = 0; start < view.text.length; start += 3) {
        const end = Math.min(view.text.length, start + 1 + (seed % 7));
        expect(matchingView(sentOf(text, start, end)).text).toContain(view.text.slice(start, end));
      }
    }
  });

  it('is the text itself when nothing changes', () => {
    for (const text of ['plain ASCII text', 'naive cafe — 你好, 日本語, λεξη, नमस्ते, がき, with curly ’quotes’']) {
      const view = matchingView(text);
      expect(view.text).toBe(text);
      expect(view.original({ start: 2, end: 9 })).toEqual({ start: 2, end: 9 });
    }
  });
});

describe('matchingWordSource', () => {
  const matches = (word: string, text: string) => new RegExp(matchingWordSource(word), 'iu').test(matchingView(text).text);

  it('reads a word as the view reads a text', () => {
    expect(matches('nightingale', 'NIGHT\u200bINGALE')).toBe(true);
    expect(matches('night\u00adingale', 'nightingale')).toBe(true);
    expect(matches('ｎｉｇｈｔｉｎｇａｌｅ', 'nightingаle')).toBe(true);
    expect(matchingWordSource('\u200b\u00ad')).toBe('');
  });

  it('matches a word with or without its accents', () => {
    expect(matches('cafe', 'CAFÉ')).toBe(true);
    expect(matches('café', 'cafe')).toBe(true);
    expect(matches('cafe\u0301', 'café')).toBe(true);
    expect(matchingWordSource('\u0301')).toBe('');
  });

  it('matches a word with or without a stroke through a letter, or a ligature, in either case', () => {
    expect(matches('cocaine', 'CØCAINE')).toBe(true);
    expect(matches('cøcaine', 'cocaine')).toBe(true);
    expect(matches('strasse', 'STRAẞE')).toBe(true);
    expect(matches('Straße', 'strasse')).toBe(true);
    expect(matches('œuvre', 'OEUVRE')).toBe(true);
  });

  it('matches a word of look-alike letters in either case', () => {
    expect(matches('νερο', 'ΝΕΡΟ')).toBe(true);
    expect(matches('ΝΕΡΟ', 'νερο')).toBe(true);
    expect(matches('привет', 'ПРИВЕТ')).toBe(true);
    expect(matches('ВОДА', 'вода')).toBe(true);
    expect(matches('nightingale', 'nightingalе')).toBe(true);
  });
});
