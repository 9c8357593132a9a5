import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { identityOfOwner, ownerOf } from '../auth/owner.js';
import { GatewayError } from '../errors.js';
import { decodeDataUrl } from '../files/data-urls.js';
import { FILE_ID, fileTooLarge, formatBytes, mediaTypeOf, UPLOAD_HOLDER, type FileOwner, type StoredFile } from '../files/file-store.js';
import { FILES_PATH, signedQueryOf } from '../files/file-urls.js';
import type { GatewayFiles } from '../files/gateway-files.js';
import { parseRequest } from '../gateway/chat-request.js';
import { whenClosed } from '../plain-http.js';
import type { AdmitCall } from './conversations.js';
import { identityOf } from './identity-middleware.js';
import { lazyRouter } from './lazy-router.js';

/** What an upload answers: the file as the caller holds it, and a URL that serves it without signing in. */
export interface UploadedFileResponse {
  id: string;
  mediaType: string;
  size: number;
  name: string | null;
  url: string;
}

const FileName = z
  .string()
  .min(1, 'name must not be empty')
  .max(255, 'name is at most 255 characters')
  // A lone surrogate cannot be stored as UTF-8: the name read back would not be the one the upload answered.
  .regex(/^[^\p{Cc}\p{Surrogate}/\\]+$/u, 'name must not contain control characters, slashes or a lone UTF-16 surrogate');
const JsonUpload = z.object({ data: z.string({ error: 'data is a data: URL (data:<media type>;base64,<bytes>)' }), name: FileName.optional() });
const RawUploadQuery = z.object({ name: FileName.optional() });

/**
 * Types a browser shows without running anything: raster images, PDFs, audio. Anything else is a download. Audio is
 * listed type by type: a browser renders any `+xml` type as an XML document (`audio/x+xml` holding XHTML is a page).
 */
const SHOWN_INLINE = new Set([
  ...['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'application/pdf'],
  ...['audio/mpeg', 'audio/mp3', 'audio/mp4', 'audio/m4a', 'audio/x-m4a', 'audio/aac', 'audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave'],
  ...['audio/ogg', 'audio/opus', 'audio/webm', 'audio/flac', 'audio/x-flac', 'audio/aiff', 'audio/x-aiff'],
]);

/**
 * Where the gateway is reached, as the browser that sent `req` reached it: protocol, host and the mount path (behind
 * a proxy, the host app's `trust proxy` setting decides whether the forwarded ones count).
 *
 * @example
 * requestBaseUrl(req); // 'https://app.example/ai' for a gateway mounted at /ai
 */
export const requestBaseUrl = (req: Request): string => `${req.protocol}://${req.host ?? localAddressOf(req)}${req.baseUrl}`;

/** The address and port a request without a Host header (HTTP/1.0 allows none) came to. */
function localAddressOf(req: Request): string {
  const { localAddress = 'localhost', localPort } = req.socket;
  const host = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return localPort === undefined ? host : `${host}:${localPort}`;
}

/** `attachment` or `inline`, with the name (ASCII fallback, then UTF-8) when the file has one. */
function dispositionOf(file: StoredFile): string {
  const kind = SHOWN_INLINE.has(file.mediaType) ? 'inline' : 'attachment';
  if (!file.name) return kind;
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${rfc5987ValueOf(file.name)}`;
}

/**
 * A name as RFC 5987's `value-chars`: UTF-8, percent-encoded beyond `attr-char`. encodeURIComponent leaves `'()*`
 * bare, and a `'` there ends the value early for a strict parser.
 *
 * @example
 * rfc5987ValueOf("it's.png"); // 'it%27s.png'
 */
const rfc5987ValueOf = (name: string): string => encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The CSP of every file: a sandbox (no script, form or popup) that loads nothing either, so even a file a browser
 * renders against its disposition is no page on the gateway's origin (the host app's); inline styles only, which
 * browsers' own image and media pages use.
 */
const FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** How a file was reached: through a signed URL (`expires` in seconds, as signed) or by its signed-in owner. */
type FileAccess = { signedUntil: number } | 'signed-in';

/** The longest a browser keeps a file: its id is its content's hash, so the bytes at a URL never change. */
const FOR_GOOD_SECONDS = 31_536_000;

/**
 * Who may embed a file and how long the browser keeps it. A signed URL: any site (whoever has it may read it
 * anyway), kept until it expires and no longer. A signed-in read: the same site only, so another site's `<img>`
 * riding the caller's cookies learns nothing of it; checked with the gateway before each reuse (a 304), since a kept
 * copy would open without credentials in the same browser (another user, after sign-out).
 */
function accessHeadersOf(access: FileAccess): { 'Cross-Origin-Resource-Policy': string; 'Cache-Control': string } {
  if (access === 'signed-in') return { 'Cross-Origin-Resource-Policy': 'same-site', 'Cache-Control': 'private, no-cache' };
  const maxAge = Math.max(0, Math.min(FOR_GOOD_SECONDS, Math.floor(access.signedUntil - Date.now() / 1000)));
  return { 'Cross-Origin-Resource-Policy': 'cross-origin', 'Cache-Control': `private, max-age=${maxAge}, immutable` };
}

/**
 * How long a file answer may wait without its client taking a byte before the connection is closed: its bytes count
 * against `maxSendingBytes` until then.
 */
const STALLED_SEND_MS = 60_000;

/** What a file answer is, decided from the file's size alone: its status, its own headers, and the bytes it carries. */
interface FileAnswer {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The bytes sent, `end` included; none for a 304 or a 416. */
  bytes?: { start: number; end: number };
}

/**
 * The answer to a GET or HEAD for a file of `size` bytes: a 304 when the client's copy is current, else the whole
 * file or the single byte range it asks for (audio players seek with them); a range that does not fit is a 416,
 * several ranges get the whole file.
 */
function fileAnswerOf(req: Request, res: Response, size: number, etag: string): FileAnswer {
  if (isFresh(req, res, etag)) return { status: 304, headers: {} };
  const ranges = req.headers.range !== undefined && (req.headers['if-range'] === undefined || req.headers['if-range'] === etag) ? req.range(size) : undefined;
  // A suffix longer than the file selects all of it (RFC 9110 §14.1.2), which the range parser refuses as unsatisfiable.
  if (ranges === -1 && size > 0 && isSuffixRange(req.headers.range)) {
    return { status: 206, headers: { 'Accept-Ranges': 'bytes', 'Content-Range': `bytes 0-${size - 1}/${size}`, 'Content-Length': String(size) }, bytes: { start: 0, end: size - 1 } };
  }
  if (ranges === -1) return { status: 416, headers: { 'Accept-Ranges': 'bytes', 'Content-Range': `bytes */${size}` } };
  const range = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0] : undefined;
  if (range) {
    return { status: 206, headers: { 'Accept-Ranges': 'bytes', 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': String(range.end - range.start + 1) }, bytes: range };
  }
  return { status: 200, headers: { 'Accept-Ranges': 'bytes', 'Content-Length': String(size) }, bytes: { start: 0, end: size - 1 } };
}

/**
 * Whether the client's copy is current (a matching If-None-Match). Express judges `req.fresh` by the answer's ETag,
 * which is set only to ask: an error answered instead of the file carries none of the file's headers.
 */
function isFresh(req: Request, res: Response, etag: string): boolean {
  res.setHeader('ETag', etag);
  const fresh = req.fresh;
  res.removeHeader('ETag');
  return fresh;
}

/**
 * Answers a file the owner holds (a 404 when they hold none): its type as stored, never sniffed, in a sandbox that
 * loads nothing (no script runs on the gateway's origin, even from an SVG or HTML someone uploaded, which downloads
 * instead of showing); cached privately as `accessHeadersOf` says. The answer is decided from the file's details and
 * whether its bytes are there (a 404 when they are gone, as its GET): a 304, a 416 or a HEAD is answered without
 * reading the bytes or counting them against `maxSendingBytes`. An answer
 * that carries bytes counts the file's size first (a 503, with nothing read, past the budget), then reads them; the
 * count is let go when the answer has left, its client has, or the read failed.
 */
async function answerFile(req: Request, res: Response, files: GatewayFiles, owner: FileOwner, id: string, access: FileAccess): Promise<void> {
  // Checked for its bytes too: a 304 or a HEAD for bytes that are gone would promise what its GET cannot give.
  const file = await files.store.findReadable(owner, id);
  if (!file) throw notFound(id);
  const etag = `"${file.id}"`;
  const answer = fileAnswerOf(req, res, file.size, etag);
  if (!answer.bytes || req.method === 'HEAD') {
    writeFileHead(res, file, etag, access, answer);
    res.end();
    return;
  }
  // A range's bytes keep the whole file's in memory: the file counts whole until its client has it, or leaves.
  const sending = files.startSending(file.size);
  whenClosed(res, sending.release);
  let read: Awaited<ReturnType<typeof files.store.read>>;
  try {
    read = await files.store.read(owner, id);
  } catch (error) {
    sending.release();
    throw error;
  }
  if (!read) {
    // Deleted since it was found.
    sending.release();
    throw notFound(id);
  }
  res.setTimeout(STALLED_SEND_MS, () => res.destroy());
  writeFileHead(res, file, etag, access, answer);
  res.end(read.bytes.subarray(answer.bytes.start, answer.bytes.end + 1));
}

/** The status and headers of a file answer. */
function writeFileHead(res: Response, file: StoredFile, etag: string, access: FileAccess, answer: FileAnswer): void {
  // Not `res.set`, which would add a charset the uploader never gave.
  res.setHeader('Content-Type', file.mediaType);
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': FILE_POLICY,
    'Content-Disposition': dispositionOf(file),
    ...accessHeadersOf(access),
    ETag: etag,
    ...answer.headers,
  });
  res.status(answer.status);
}

/** `bytes=-N` with N > 0: the last N bytes, or the whole file when it is shorter. */
const isSuffixRange = (header: string | undefined) => header !== undefined && /^bytes=[ \t]*-0*[1-9]\d*[ \t]*$/i.test(header);

const notFound = (id: string) => new GatewayError('not_found', `No file "${id.slice(0, 80)}".`, { param: 'id' });

/** Counts each call against the caller's rate limits, released when the response ends. */
function admitting(admitCall: AdmitCall | undefined, identity: Parameters<AdmitCall>[0], res: Response): Promise<void> | undefined {
  if (!admitCall) return undefined;
  return admitCall(identity).then((admission) => {
    res.set(admission.headers);
    whenClosed(res, admission.release);
  });
}

/**
 * `GET /api/ai/files/:id?expires=…&signature=…`: a file for whoever has its signed URL (an `<img src>` sends no
 * credentials), counted against its owner's rate limits. Mount it before the identity middleware; a request
 * without a signature goes on to `filesRouter`. Anything that does not check out is a 404.
 *
 * @example
 * router.use(signedFilesRouter(files));
 * router.use(identityMiddleware(context, parseBody));
 */
export function signedFilesRouter(files: GatewayFiles, admitCall?: AdmitCall): Router {
  const router = Router();
  router.get(`${FILES_PATH}/:id`, async (req, res, next) => {
    if (req.query['signature'] === undefined && req.query['expires'] === undefined) return next();
    const { id } = req.params;
    const signed = signedQueryOf({ expires: req.query['expires'], owner: req.query['owner'], signature: req.query['signature'] });
    const owner = signed && FILE_ID.test(id) ? await files.signedOwner({ id, ...signed }) : undefined;
    if (!owner || !signed) throw notFound(id);
    await admitting(admitCall, identityOfOwner(owner), res);
    await answerFile(req, res, files, owner, id, { signedUntil: signed.expires });
  });
  return router;
}

/** The file an upload carries: a JSON `{ data, name? }` with a data URL, or the raw bytes with their Content-Type. */
function uploadOf(req: Request): { bytes: Buffer; mediaType: string; name: string | undefined } {
  if (req.is('application/json')) {
    const { data, name } = parseRequest(JsonUpload, req.body);
    const decoded = decodeDataUrl(data);
    if ('problem' in decoded) throw new GatewayError('invalid_parameter', `data: the value ${decoded.problem}.`, { param: 'data' });
    return { ...decoded, name };
  }
  const { name } = parseRequest(RawUploadQuery, req.query);
  const declared = req.get('content-type') ?? 'application/octet-stream';
  const mediaType = mediaTypeOf(declared);
  if (mediaType === undefined) throw new GatewayError('invalid_parameter', `Content-Type: "${declared.slice(0, 80)}" is not a media type (type/subtype, e.g. image/png).`, { param: 'Content-Type' });
  return { bytes: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), mediaType, name };
}

/**
 * The caller's files (`/api/ai/files…`): upload (`POST`, raw bytes with their Content-Type or JSON `{ data, name }`),
 * read (`GET /:id`) and delete (`DELETE /:id`). Another caller's file is a 404, like one that does not exist.
 * Mount it after the identity middleware.
 *
 * @example
 * router.use(identityMiddleware(context, parseBody));
 * router.use(filesRouter(files, (identity) => quota.admitCall(identity)));
 */
export function filesRouter(files: GatewayFiles, admitCall?: AdmitCall): Router {
  const router = Router();
  const { limits } = files.store;
  const owner = (res: Response) => ownerOf(identityOf(res));
  const rawBody = express.raw({ type: () => true, limit: limits.maxFileBytes });
  // Read only here, with the file cap as its limit; a JSON body was parsed already (and is left alone).
  const readRawBody: RequestHandler = (req, res, next: NextFunction) =>
    rawBody(req, res, (error?: unknown) => next((error as { type?: unknown } | undefined)?.type === 'entity.too.large' ? new GatewayError('request_too_large', `file: a file is at most ${formatBytes(limits.maxFileBytes)}; this one is larger.`, { param: 'file', cause: error }) : error));

  router.use(FILES_PATH, async (_req, res, next) => {
    await admitting(admitCall, identityOf(res), res);
    next();
  });

  router.post(FILES_PATH, readRawBody, async (req, res) => {
    const upload = uploadOf(req);
    if (upload.bytes.byteLength === 0) throw new GatewayError('invalid_parameter', 'file: the file is empty; send at least one byte.', { param: 'file' });
    if (upload.bytes.byteLength > limits.maxFileBytes) throw fileTooLarge(limits, upload.bytes.byteLength);
    const stored = await files.store.put(owner(res), upload, UPLOAD_HOLDER);
    const body: UploadedFileResponse = { id: stored.id, mediaType: stored.mediaType, size: stored.size, name: stored.name, url: files.signedUrl(owner(res), stored.id, requestBaseUrl(req)) };
    res.status(201).json(body);
  });

  router.get(`${FILES_PATH}/:id`, async (req, res) => {
    await answerFile(req, res, files, owner(res), req.params.id, 'signed-in');
  });

  router.delete(`${FILES_PATH}/:id`, async (req, res) => {
    if (!(await files.store.release(owner(res), req.params.id))) throw notFound(req.params.id);
    res.status(204).end();
  });

  return router;
}

/** `filesRouter` for a gateway whose database is still opening. */
export function lazyFilesRouter(files: Promise<GatewayFiles>, admitCall?: AdmitCall): RequestHandler {
  return lazyRouter(files, (opened) => filesRouter(opened, admitCall));
}

/** `signedFilesRouter` for a gateway whose database is still opening. */
export function lazySignedFilesRouter(files: Promise<GatewayFiles>, admitCall?: AdmitCall): RequestHandler {
  return lazyRouter(files, (opened) => signedFilesRouter(opened, admitCall));
}
