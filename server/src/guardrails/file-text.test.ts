import { describe, expect, it } from 'vitest';
import { dataUrlText, linkText } from './file-text.js';

describe('the text of a data URL', () => {
  it('reads text-like media types, base64 or percent-encoded, and writes a changed text back the same way', () => {
    const base64 = dataUrlText(`data:text/markdown;base64,${Buffer.from('# Héllo').toString('base64')}`);
    expect(base64?.text).toBe('# Héllo');
    expect(base64?.rewrite?.('# Bye')).toBe(`data:text/markdown;base64,${Buffer.from('# Bye').toString('base64')}`);
    const percent = dataUrlText('DATA:application/json,%7B%22a%22%3A%22%C3%A9%22%7D');
    expect(percent?.text).toBe('{"a":"é"}');
    expect(percent?.rewrite?.('{}')).toBe('DATA:application/json,%7B%7D');
    expect(dataUrlText('data:application/ld+json;base64,e30=')?.text).toBe('{}');
  });

  it('reads another charset, or bytes that are not UTF-8, without rewriting them', () => {
    const latin1 = dataUrlText(`data:text/plain;charset=iso-8859-1;base64,${Buffer.from('café', 'latin1').toString('base64')}`);
    expect(latin1).toEqual({ text: 'café\ncaf\ufffd', rewrite: undefined });
    expect(dataUrlText(`data:text/plain;base64,${Buffer.from([0x61, 0xff, 0x62]).toString('base64')}`)).toEqual({ text: 'a\ufffdb', rewrite: undefined });
  });

  it('reads a file in another charset as UTF-8 too, as a provider that ignores the label reads it', () => {
    // UTF-8 bytes labelled UTF-16: decoded as labelled they are CJK, which no rule matches; decoded as UTF-8, a word.
    const mislabelled = dataUrlText(`data:text/plain;charset=utf-16le;base64,${Buffer.from('the nightingale!').toString('base64')}`);
    expect(mislabelled?.text).toContain('the nightingale!');
    expect(mislabelled?.rewrite).toBeUndefined();
    const cyrillic = dataUrlText(`data:text/plain;charset=windows-1252;base64,${Buffer.from('nightingаle').toString('base64')}`);
    expect(cyrillic?.text).toContain('nightingаle');
    // Where both readings agree (ASCII), the text is read once.
    expect(dataUrlText(`data:text/plain;charset=iso-8859-1;base64,${Buffer.from('plain').toString('base64')}`)?.text).toBe('plain');
  });

  it('reads nothing of a PDF, an image, a link or what is not a data URL', () => {
    expect(dataUrlText('data:application/pdf;base64,JVBERi0xLjQ=')).toBeUndefined();
    expect(dataUrlText('data:image/png;base64,iVBORw0KGgo=')).toBeUndefined();
    expect(dataUrlText('https://example.com/notes.txt')).toBeUndefined();
    expect(dataUrlText(42)).toBeUndefined();
  });
});

describe('the text of a link', () => {
  it('reads an http(s) link with its escapes decoded and the spaces of its query', () => {
    expect(linkText('https://birds.test/night%69ngale.png')).toBe('https://birds.test/nightingale.png');
    expect(linkText('HTTP://birds.test/a+b/find?q=the+nightingale&to=ada%40example.com')).toBe('HTTP://birds.test/a+b/find?q=the nightingale&to=ada@example.com');
    expect(linkText('https://birds.test/caf%C3%A9/%ff%')).toBe('https://birds.test/café/\ufffd%');
  });

  it('reads nothing of a data URL or what is not a link', () => {
    expect(linkText('data:text/plain;base64,aGk=')).toBeUndefined();
    expect(linkText('file-ref:abc')).toBeUndefined();
    expect(linkText(42)).toBeUndefined();
  });
});
