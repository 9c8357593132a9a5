import { describe, expect, it } from 'vitest';
import { PII_KINDS } from '../features/feature-policies.js';
import { findPii, passesIbanCheck, passesLuhn, redactPii } from './pii.js';

const kindsIn = (text: string) => findPii(text, PII_KINDS).map((match) => match.kind);

describe('PII detection', () => {
  it('finds e-mail addresses, phone numbers, cards, IBANs and API keys', () => {
    expect(kindsIn('write to ada.lovelace+ai@example.co.uk today')).toEqual(['email']);
    expect(kindsIn('call +49 30 1234567 or (555) 123-4567')).toEqual(['phone', 'phone']);
    expect(kindsIn('my card is 4111 1111 1111 1111, thanks')).toEqual(['card']);
    expect(kindsIn('IBAN DE89 3704 0044 0532 0130 00 please')).toEqual(['iban']);
    expect(kindsIn('key sk-or-v1-0123456789abcdef0123456789abcdef')).toEqual(['secret']);
    expect(kindsIn('aws AKIAIOSFODNN7EXAMPLE and ghp_0123456789abcdefghijABCDEFGHIJ012345')).toEqual(['secret', 'secret']);
  });

  it('ignores digit runs that fail the Luhn check and IBANs with wrong check digits', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(kindsIn('order 4111 1111 1111 1112')).not.toContain('card');
    expect(passesIbanCheck('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(passesIbanCheck('GB83 WEST 1234 5698 7654 32')).toBe(false);
  });

  it('redacts each match with its kind and counts them', () => {
    expect(redactPii('mail ada@example.com, card 4111-1111-1111-1111.', ['email', 'card'])).toEqual({ text: 'mail [REDACTED_EMAIL], card [REDACTED_CARD].', count: 2 });
    expect(redactPii('nothing here', PII_KINDS)).toEqual({ text: 'nothing here', count: 0 });
  });

  it('finds personal data written with invisible characters, fullwidth digits or look-alike letters, and redacts all of it', () => {
    expect(redactPii('mail ada\u200b@example.com now', ['email'])).toEqual({ text: 'mail [REDACTED_EMAIL] now', count: 1 });
    expect(redactPii('mail аda@exаmple.com now', ['email'])).toEqual({ text: 'mail [REDACTED_EMAIL] now', count: 1 });
    expect(redactPii('card ４１１１ １１１１ １１１１ １１１１.', ['card'])).toEqual({ text: 'card [REDACTED_CARD].', count: 1 });
    expect(redactPii('card 4111\u00ad1111\u200d1111\u20601111.', ['card'])).toEqual({ text: 'card [REDACTED_CARD].', count: 1 });
    expect(kindsIn('key sk-or-v1-０１２３４５６７８９abcdef0123456789abcdef')).toEqual(['secret']);
  });

  it('finds card and phone numbers written in the digits of another script, and redacts all of it', () => {
    // A model reads Arabic-Indic, Devanagari or Thai digits as the number they spell, and may write it back in ASCII.
    expect(redactPii('card ٤١١١ ١١١١ ١١١١ ١١١١.', ['card'])).toEqual({ text: 'card [REDACTED_CARD].', count: 1 });
    expect(redactPii('card ४१११-११११-११११-११११.', ['card'])).toEqual({ text: 'card [REDACTED_CARD].', count: 1 });
    expect(redactPii('card ๔๑๑๑ ๑๑๑๑ ๑๑๑๑ ๑๑๑๑.', ['card'])).toEqual({ text: 'card [REDACTED_CARD].', count: 1 });
    expect(redactPii('call +١ ٢٠٢ ٥٥٥ ٠١٩٩ today', ['phone'])).toEqual({ text: 'call [REDACTED_PHONE] today', count: 1 });
    // Digits of astral scripts (Osmanya) map back to whole characters as sent.
    expect(redactPii('card 𐒤𐒡𐒡𐒡 𐒡𐒡𐒡𐒡 𐒡𐒡𐒡𐒡 𐒡𐒡𐒡𐒡.', ['card'])).toEqual({ text: 'card [REDACTED_CARD].', count: 1 });
    expect(findPii('٤١١١ ١١١١ ١١١١ ١١١٢', ['card'])).toEqual([]);
  });

  it('stays fast on a megabyte of personal data, however many matches it holds', () => {
    const many = 'card 4111 1111 1111 1111, call +1 202 555 0199, mail ada@example.com. '.repeat(15_000);
    expect(many.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    expect(redactPii(many, PII_KINDS).count).toBe(45_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stays fast on a long hostile input', () => {
    const hostile = `${'1 '.repeat(50_000)}${'a@'.repeat(50_000)}`;
    const started = performance.now();
    findPii(hostile, PII_KINDS);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
