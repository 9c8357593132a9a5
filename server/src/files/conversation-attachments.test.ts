import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { openGatewayStores, type GatewayStores } from '../store/gateway-stores.js';
import { ConversationAttachments } from './conversation-attachments.js';
import type { FileOwner, StoredFile } from './file-store.js';
import { FileUrlSigner } from './file-urls.js';
import { GatewayFiles } from './gateway-files.js';
import { SqlFileStore } from './sql-file-store.js';

/** The file store, counting the reads that load a file's bytes into memory. */
class CountingFileStore extends SqlFileStore {
  reads = 0;

  override async read(owner: FileOwner, id: string): Promise<(StoredFile & { bytes: Buffer }) | undefined> {
    this.reads += 1;
    return super.read(owner, id);
  }
}

const owner: FileOwner = { projectId: 'p1', owner: 'user:u1' };
const FILE_BYTES = 400_000;
const MAX_SENDING_BYTES = 1_000_000;
const dataUrl = (bytes: Buffer) => `data:application/octet-stream;base64,${bytes.toString('base64')}`;

let stores: GatewayStores;
let store: CountingFileStore;
let files: GatewayFiles;
let attachments: ConversationAttachments;
/** A conversation with three attachments of 400 KB: 1.2 MB inline, past the 1 MB of answers that may wait at once. */
let stored: Array<{ id: string } & Record<string, unknown>>;

beforeAll(async () => {
  stores = await openGatewayStores({ database: ':memory:', defaultProjectId: 'p1' });
  store = new CountingFileStore(stores.database.db, { limits: { maxFileBytes: 1_000_000, maxBytesPerOwner: 5_000_000 } });
  files = new GatewayFiles(store, new FileUrlSigner([randomBytes(32)]), undefined, MAX_SENDING_BYTES);
  attachments = new ConversationAttachments(files);
  const parts = Array.from({ length: 3 }, () => ({ type: 'file', kind: 'file', mediaType: 'application/octet-stream', url: dataUrl(randomBytes(FILE_BYTES)) }));
  stored = (await attachments.prepare(owner, [{ id: 'u1', role: 'user', parts }])).messages;
});
afterAll(() => stores?.close());

describe('a conversation read that inlines its attachments', () => {
  it('is refused with a 503 while other answers hold the sending budget, without reading any file', async () => {
    const waiting = files.startSending(900_000);
    try {
      store.reads = 0;
      const refused = await attachments.present(owner, stored, 'inline', 'https://app.example/ai').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GatewayError);
      expect(refused).toMatchObject({ code: 'service_unavailable' });
      expect(store.reads).toBe(0);
    } finally {
      waiting.release();
    }
  });

  it('alone, is answered even when its files come to more than the budget, and holds them until its answer has left', async () => {
    let release: (() => void) | undefined;
    const read = await attachments.present(owner, stored, 'inline', 'https://app.example/ai', (held) => (release = held));
    expect(JSON.stringify(read)).not.toContain('insforge-file:');
    expect(() => files.startSending(1)).toThrow(GatewayError);
    release?.();
    files.startSending(MAX_SENDING_BYTES).release();
  });

  it('past the owner\'s file cap, is a 413 naming the part before any file is read', async () => {
    const capped = new ConversationAttachments(new GatewayFiles(store, files.signer, undefined, MAX_SENDING_BYTES));
    const many = [{ id: 'u2', role: 'user', parts: Array.from({ length: 14 }, () => ({ ...(stored[0]!['parts'] as object[])[0] })) }];
    store.reads = 0;
    const refused = await capped.present(owner, many, 'inline', 'https://app.example/ai').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'request_too_large', options: { param: 'messages.0.parts.12.url' } });
    expect(store.reads).toBe(0);
  });
});
