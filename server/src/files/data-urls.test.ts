import { describe, expect, it } from 'vitest';
import { imageTypeOf } from './data-urls.js';

const bytes = (hex: string, text = '') => Buffer.concat([Buffer.from(hex, 'hex'), Buffer.from(text, 'latin1')]);

describe('imageTypeOf', () => {
  it.each([
    ['image/png', bytes('89504e470d0a1a0a0000000d49484452')],
    ['image/jpeg', bytes('ffd8ffe000104a464946')],
    ['image/gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
    ['image/gif', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1')],
    ['image/webp', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1')],
    ['image/avif', bytes('0000001c', 'ftypavif\x00\x00\x00\x00')],
  ])('names %s from the bytes\' signature', (mediaType, image) => {
    expect(imageTypeOf(image)).toBe(mediaType);
  });

  it.each([
    ['no bytes', Buffer.alloc(0)],
    ['text', Buffer.from('ABC')],
    ['a signature cut short', bytes('89504e470d0a1a')],
    ['a RIFF that is not WebP', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')],
    ['HTML', Buffer.from('<!doctype html><svg onload=alert(1)>')],
  ])('names nothing for %s', (_name, image) => {
    expect(imageTypeOf(image)).toBeUndefined();
  });
});
