import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyEncryption } from '../crypto/key-encryption.js';
import { attachmentSlots } from './attachment-slots.js';
import { base64DataUrl } from './data-urls.js';
import { fileIdOf, type FileOwner } from './file-store.js';
import { FileUrlSigner, fileReference, parseFileReference, parseSignedFileUrl } from './file-urls.js';

const alice: FileOwner = { projectId: 'project-north', owner: 'user:alice' };
const id = fileIdOf(Buffer.from('a photo'));
const NOW = Date.UTC(2030, 0, 1);

describe('signed file URLs', () => {
  const signer = new FileUrlSigner([randomBytes(32)], { ttlSeconds: 3_600 });

  it('serve one owner\'s file until they expire, and nothing else', () => {
    const url = signer.url('https://app.example/ai/', alice, id, NOW);
    expect(url).toMatch(new RegExp(`^https://app\\.example/ai/api/ai/files/${id}\\?expires=\\d+&owner=[\\w-]+&signature=[\\w-]{43}$`));
    const signed = parseSignedFileUrl(url)!;
    expect(signed.id).toBe(id);
    expect(signed.expires * 1000).toBeGreaterThanOrEqual(NOW + 3_600_000);
    expect(signer.verify(alice, id, signed, { now: NOW })).toBe(true);
    expect(signer.verify(alice, id, signed, { now: signed.expires * 1000 })).toBe(false);
    expect(signer.verify(alice, id, signed, { now: signed.expires * 1000, ignoreExpiry: true })).toBe(true);
    expect(signer.verify({ ...alice, owner: 'user:bob' }, id, signed, { now: NOW })).toBe(false);
    expect(signer.verify({ ...alice, projectId: 'p2' }, id, signed, { now: NOW })).toBe(false);
    expect(signer.verify(alice, fileIdOf(Buffer.from('another')), signed, { now: NOW })).toBe(false);
    expect(signer.verify(alice, id, { ...signed, expires: signed.expires + 300 }, { now: NOW })).toBe(false);
    expect(new FileUrlSigner([randomBytes(32)]).verify(alice, id, signed, { now: NOW })).toBe(false);
  });

  it('name their owner sealed: readable by the gateway alone, and by no other gateway', () => {
    const url = signer.url('https://a', alice, id, NOW);
    const signed = parseSignedFileUrl(url)!;
    expect(signer.ownerOf(signed.owner!)).toEqual(alice);
    // Nothing of the owner shows, in any spelling a reader could undo.
    for (const spelling of ['alice', 'project-north', Buffer.from('alice').toString('base64url'), Buffer.from('"user:alice"').toString('base64url').slice(0, 8)]) expect(url).not.toContain(spelling);
    expect(new FileUrlSigner([randomBytes(32)]).ownerOf(signed.owner!)).toBeUndefined();
    const flipped = `${signed.owner![0] === 'A' ? 'B' : 'A'}${signed.owner!.slice(1)}`;
    expect(signer.ownerOf(flipped)).toBeUndefined();
    expect(signer.ownerOf('A'.repeat(60))).toBeUndefined();
    // Another owner's URL of the same file seals another owner.
    const bob = { ...alice, owner: 'user:bob' };
    expect(parseSignedFileUrl(signer.url('https://a', bob, id, NOW))!.owner).not.toBe(signed.owner);
  });

  it('give the same URL for reads a few minutes apart, so a browser caches the file', () => {
    expect(signer.url('https://a', alice, id, NOW + 1_000)).toBe(signer.url('https://a', alice, id, NOW + 60_000));
  });

  it('keep working across a master key rotation, signed under keys derived from it', () => {
    const old = { id: 'old', key: randomBytes(32) };
    const current = { id: 'new', key: randomBytes(32) };
    const before = new FileUrlSigner(new KeyEncryption([old]).deriveKeys('insforge-ai/file-urls'));
    const after = new FileUrlSigner(new KeyEncryption([current, old]).deriveKeys('insforge-ai/file-urls'));
    const signed = parseSignedFileUrl(before.url('https://a', alice, id, NOW))!;
    expect(after.verify(alice, id, signed, { now: NOW })).toBe(true);
    // Derived, not the master key itself, and different for another purpose.
    const [derived] = new KeyEncryption([old]).deriveKeys('insforge-ai/file-urls');
    expect(derived!.equals(old.key)).toBe(false);
    expect(derived!.equals(new KeyEncryption([old]).deriveKeys('another purpose')[0]!)).toBe(false);
  });

  it('are told apart from other URLs', () => {
    for (const value of ['https://cdn.example/cat.png', `https://a/api/ai/files/${id}`, `https://a/api/ai/files/${id}?expires=1&signature=short`, `https://a/api/ai/files/../${id}?expires=1&signature=${'A'.repeat(43)}`, 'data:image/png;base64,AAAA']) {
      expect(parseSignedFileUrl(value)).toBeUndefined();
    }
    expect(parseSignedFileUrl(`/ai/api/ai/files/${id}?expires=12&signature=${'A'.repeat(43)}`)).toEqual({ id, expires: 12, signature: 'A'.repeat(43) });
    expect(parseSignedFileUrl(`/ai/api/ai/files/${id}?expires=12&owner=${'B'.repeat(60)}&signature=${'A'.repeat(43)}`)).toEqual({ id, expires: 12, owner: 'B'.repeat(60), signature: 'A'.repeat(43) });
    expect(parseSignedFileUrl(`/ai/api/ai/files/${id}?expires=12&owner=not*base64&signature=${'A'.repeat(43)}`)).toBeUndefined();
  });
});

describe('file references', () => {
  it('name a file, and keep the data URL header to give it back with', () => {
    expect(parseFileReference(fileReference(id))).toEqual({ id, header: undefined });
    expect(parseFileReference(fileReference(id, 'image/png;base64'))).toEqual({ id, header: 'image/png;base64' });
    for (const value of [`insforge-file:${id.slice(1)}`, `insforge-file:${id.toUpperCase()}`, `insforge-file:${id}#`, `insforge-file:${id}#a b`, `file:${id}`]) expect(parseFileReference(value)).toBeUndefined();
  });
});

describe('the files a message carries', () => {
  it('are found in the client\'s parts and OpenAI\'s, wherever they sit, each once', () => {
    const message = {
      parts: [{ type: 'file', url: 'a' }, { type: 'image', url: 'b' }, { type: 'text', text: 'c', url: 'not a file' }],
      content: [{ type: 'image_url', image_url: { url: 'd' } }, { type: 'file', file: { file_data: 'e' } }, { type: 'input_audio', input_audio: { data: 'f', format: 'wav' } }],
      images: [{ type: 'image_url', image_url: { type: 'image', url: 'g' } }],
    };
    const slots = attachmentSlots([message], 'messages');
    expect(slots.map((slot) => [slot.path, slot.value, slot.form, slot.mediaType])).toEqual([
      ['messages.0.parts.0.url', 'a', 'url', undefined],
      ['messages.0.parts.1.url', 'b', 'url', undefined],
      ['messages.0.content.0.image_url.url', 'd', 'url', undefined],
      ['messages.0.content.1.file.file_data', 'e', 'url', undefined],
      ['messages.0.content.2.input_audio.data', 'f', 'base64', 'audio/wav'],
      ['messages.0.images.0.image_url.url', 'g', 'url', undefined],
    ]);
    slots[0]!.set('A');
    expect(message.parts[0]!.url).toBe('A');
  });

  it('move into the store only as data URLs that encode back to the very text sent', () => {
    expect(base64DataUrl('data:image/png;base64,QUJD')).toMatchObject({ header: 'image/png;base64', mediaType: 'image/png' });
    expect(base64DataUrl('data:Image/PNG;name=a.png;base64,QUJD')).toMatchObject({ header: 'Image/PNG;name=a.png;base64', mediaType: 'image/png' });
    for (const value of ['data:image/png;base64,QUJ', 'data:image/png;base64,QUJE\n', 'data:image/png;base64,QUJ=', 'data:image/png;base64,QR==', 'data:image/png,abc', 'data:;base64,QUJD', 'data:image/png;base64,', 'https://x']) {
      expect(base64DataUrl(value)).toBeUndefined();
    }
  });
});
