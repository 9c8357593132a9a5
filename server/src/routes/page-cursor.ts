import { z } from 'zod';
import { GatewayError } from '../errors.js';

/** Where a page ended: the last row's time and id (rows are listed newest first, ties broken by id). */
export interface PageCursor {
  createdAt: number;
  id: string;
}

const cursorSchema = z.object({ createdAt: z.number().int().nonnegative(), id: z.string().min(1) }).strict();

/** The position after a page, as an opaque string a client passes back as `before`. */
export const encodePageCursor = (cursor: PageCursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** The position a `before` parameter names; anything but the `next` of a previous page is a 400 on `before`. */
export function decodePageCursor(text: string): PageCursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch (error) {
    throw new GatewayError('invalid_parameter', 'before must be the "next" value of a previous page.', { param: 'before', cause: error });
  }
}
