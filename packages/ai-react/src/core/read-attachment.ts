import { attachmentKindOf } from './attachments.js';
import type { MessageFilePart } from './message-parts.js';

// Reading a file is apart from the attachment rules: a chat loads it on demand, the first time a file is attached.

/** Reads a Blob as a data URL, reporting progress (0–1) for large files where the platform can. */
function readDataUrl(file: Blob, onProgress?: (fraction: number) => void): Promise<string> {
  if (typeof FileReader === 'undefined') {
    return file.arrayBuffer().then((buffer) => `data:${file.type || 'application/octet-stream'};base64,${bytesToBase64(new Uint8Array(buffer))}`);
  }
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.onload = () => resolve(String(reader.result));
    reader.readAsDataURL(file);
  });
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}

/** An image's pixel size, where the platform can decode it (previews reserve their box); undefined otherwise. */
async function imageSize(file: Blob): Promise<{ width: number; height: number } | undefined> {
  if (typeof createImageBitmap !== 'function') return undefined;
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return undefined;
  }
}

/**
 * A picked, pasted or dropped file as a message part: a data URL, its kind, size and name, an image's pixel size.
 *
 * @example
 * const part = await readAttachment(input.files[0], (fraction) => setProgress(fraction));
 * await chat.send('What is this?', { attachments: [part] });
 */
export async function readAttachment(file: Blob & { name?: string }, onProgress?: (fraction: number) => void): Promise<MessageFilePart> {
  const mediaType = file.type || 'application/octet-stream';
  const kind = attachmentKindOf(mediaType);
  const [url, size] = await Promise.all([readDataUrl(file, onProgress), kind === 'image' ? imageSize(file) : Promise.resolve(undefined)]);
  return { type: 'file', kind, mediaType, ...(file.name ? { name: file.name } : {}), size: file.size, url, ...(size ?? {}) };
}
