import { ownerOf } from '../auth/owner.js';
import { GatewayError } from '../errors.js';
import type { GeneratedImageStore } from '../gateway/image-request.js';
import { formatBytes, UPLOAD_HOLDER } from './file-store.js';
import type { GatewayFiles } from './gateway-files.js';

/**
 * Generated images kept in the file store for their caller, held like an upload (until `DELETE /api/ai/files/:id`
 * or a conversation that names them lets go), each answered as a signed URL.
 *
 * @example
 * router.post('/v1/images/generations', imageGenerationHandler(context, openAIImageProtocol, generatedImageStore(files)));
 */
export function generatedImageStore(files: Promise<GatewayFiles>): GeneratedImageStore {
  return {
    async checkRoom(identity) {
      const { store } = await files;
      const { bytes } = await store.usage(ownerOf(identity));
      if (bytes >= store.limits.maxBytesPerOwner) {
        throw new GatewayError(
          'request_too_large',
          `response_format: your stored files hold ${formatBytes(bytes)}, the most allowed is ${formatBytes(store.limits.maxBytesPerOwner)}: ask for b64_json, or delete files first.`,
          { param: 'response_format' },
        );
      }
    },
    async save(identity, images, requestBase) {
      const opened = await files;
      const owner = ownerOf(identity);
      const urls: string[] = [];
      for (const image of images) {
        const stored = await opened.store.put(owner, { bytes: Buffer.from(image.base64, 'base64'), mediaType: image.mediaType }, UPLOAD_HOLDER);
        urls.push(opened.signedUrl(owner, stored.id, requestBase));
      }
      return urls;
    },
  };
}
