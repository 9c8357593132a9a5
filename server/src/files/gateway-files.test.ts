import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGatewayStores, type GatewayStores } from '../store/gateway-stores.js';
import { fileIdOf, type FileOwner } from './file-store.js';
import { FileUrlSigner, parseSignedFileUrl } from './file-urls.js';
import { GatewayFiles } from './gateway-files.js';
import { SqlFileStore } from './sql-file-store.js';

const BYTES = Buffer.from('a logo every user of the project uploads');
const id = fileIdOf(BYTES);
let stores: GatewayStores;
let files: GatewayFiles;
const owners: FileOwner[] = Array.from({ length: 1_100 }, (_, index) => ({ projectId: 'p1', owner: `user:u-${index}` }));

beforeAll(async () => {
  stores = await openGatewayStores({ database: ':memory:', defaultProjectId: 'p1' });
  files = new GatewayFiles(new SqlFileStore(stores.database.db), new FileUrlSigner([randomBytes(32)]), undefined);
  for (const owner of owners) await files.store.put(owner, { bytes: BYTES, mediaType: 'image/png' }, 'upload');
});
afterAll(() => stores?.close());

describe('a signed URL of a file many owners hold', () => {
  it('is its own owner\'s, whichever of them it was made for', async () => {
    for (const owner of [owners[0]!, owners[999]!, owners[1_099]!]) {
      const signed = parseSignedFileUrl(files.signedUrl(owner, id, 'https://a'))!;
      expect(await files.signedOwner(signed)).toEqual(owner);
    }
  });

  it('is refused when its sealed owner is another owner of the file, or was forged', async () => {
    const signed = parseSignedFileUrl(files.signedUrl(owners[5]!, id, 'https://a'))!;
    const another = parseSignedFileUrl(files.signedUrl(owners[6]!, id, 'https://a'))!;
    expect(await files.signedOwner({ ...signed, owner: another.owner })).toBeUndefined();
    expect(await files.signedOwner({ ...signed, owner: 'A'.repeat(80) })).toBeUndefined();
    expect(await files.signedOwner({ ...signed, signature: 'A'.repeat(43) })).toBeUndefined();
  });

  it('made before URLs named their owner, still works for the first owners of the file until it expires', async () => {
    const { owner: _sealed, ...unnamed } = parseSignedFileUrl(files.signedUrl(owners[3]!, id, 'https://a'))!;
    expect(await files.signedOwner(unnamed)).toEqual(owners[3]);
  });
});
