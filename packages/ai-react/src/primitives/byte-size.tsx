import { byteSize } from '../core/attachments.js';

/**
 * A size in bytes ("9 B", "33 KB") as its own left-to-right island: in a right-to-left page the number stays before
 * its unit instead of the bidirectional algorithm drawing "B 9".
 *
 * @example
 * <span data-part="file-size"><ByteSize bytes={file.size} /></span>
 */
export function ByteSize({ bytes }: { bytes: number }) {
  return <bdi dir="ltr">{byteSize(bytes)}</bdi>;
}
