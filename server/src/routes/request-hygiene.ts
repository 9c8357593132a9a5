import express from 'express';
import { GatewayError } from '../errors.js';
import type { PlainHandler, PlainRequest } from '../plain-http.js';

/** How deeply a request body's JSON may nest. Real requests (messages → content parts → JSON schemas) stay far below. */
export const MAX_JSON_DEPTH = 64;

const NUL_MESSAGE = 'NUL characters (\\u0000) are not accepted: no database the gateway stores into can hold them.';

/**
 * Scans a JSON text once, without parsing it: the deepest nesting outside strings, and whether a string holds an
 * escaped NUL (`\u0000`; a raw NUL byte is already invalid JSON).
 */
export function scanJson(text: Buffer): { depth: number; nul: boolean } {
  let depth = 0;
  let deepest = 0;
  let nul = false;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const byte = text[index];
    if (inString) {
      if (byte === 0x5c) {
        // `\u0000`, case-insensitive hex digits are all zeros anyway.
        if (text[index + 1] === 0x75 && text[index + 2] === 0x30 && text[index + 3] === 0x30 && text[index + 4] === 0x30 && text[index + 5] === 0x30) nul = true;
        index += 1;
      } else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (byte === 0x5d || byte === 0x7d) depth -= 1;
  }
  return { depth: deepest, nul };
}

/** A body past the limit, with the status and type Express's parser gives one (the error handler reads them). */
const tooLarge = (message: string) => Object.assign(new Error(message), { status: 413, type: 'entity.too.large' });

/** What Express's JSON parser reads (its default type); other bodies are left to their routes (file uploads). */
const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/**
 * What a body parser refuses besides JSON it cannot read: with `nul: 'pass'` a NUL character goes through, for a route
 * whose own handler refuses it in its answer's protocol (MCP, whose tools' API calls refuse it as tool errors).
 */
export interface JsonBodyOptions {
  nul?: 'refuse' | 'pass';
}

/** The type Express's parser gives the error of a body whose client went away before it ended. */
const CLIENT_GONE = 'request.aborted';

/** That error, as Express's parser gives it: a 400 nobody reads. */
const clientWentAway = (): Error => Object.assign(new Error('request aborted'), { status: 400, type: CLIENT_GONE });

/**
 * Whether a body reader's error says the client went away before the body ended (this module's readers, or Express's
 * parser behind them): `recordRefusedBodies` records such a request as cancelled, not rejected.
 */
export const isClientGone = (error: unknown): boolean => (error as { type?: unknown } | null)?.type === CLIENT_GONE;

/**
 * The gateway's JSON body parser: Express's, with every failure a 4xx (unsupported charset or encoding 415, a body
 * that does not decode or parse 400, too large 413) and, before parsing, a refusal of JSON nested deeper than
 * `MAX_JSON_DEPTH` and of NUL characters.
 */
export function jsonBody(limit: number, options: JsonBodyOptions = {}): PlainHandler {
  const parse = express.json({ limit, verify: (_req, _res, buffer) => checkJson(buffer, options) });
  return (req, res, next) => {
    // A body announced larger than the limit is refused at once: Express's parser would read (and drop) all of it
    // first, however long the client takes to send it. The connection closes with the answer (`sendGatewayError`).
    const length = Number(req.headers['content-length']);
    if (JSON_TYPE.test(req.headers['content-type'] ?? '') && Number.isSafeInteger(length) && length > limit) {
      next(tooLarge(`The request body announces ${length} bytes; the gateway accepts at most ${limit}.`));
      return;
    }
    parse(req, res, next);
  };
}

/** The checks before parsing: nesting depth and NUL characters. */
function checkJson(buffer: Buffer, options: JsonBodyOptions): void {
  const { depth, nul } = scanJson(buffer);
  if (depth > MAX_JSON_DEPTH) throw new GatewayError('invalid_request', `The request body's JSON nests ${depth} levels deep; the gateway accepts at most ${MAX_JSON_DEPTH}.`);
  if (nul && options.nul !== 'pass') throw new GatewayError('invalid_request', NUL_MESSAGE);
}

/**
 * The same checks on a body another parser read before the gateway (the host app's `express.json()` in front of it):
 * nesting past `MAX_JSON_DEPTH` and NUL characters in strings and keys. The walk stops at the first level too deep.
 */
function checkParsedJson(value: unknown, options: JsonBodyOptions): void {
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === 'string') {
      if (options.nul !== 'pass' && item.includes('\u0000')) throw new GatewayError('invalid_request', NUL_MESSAGE);
      return;
    }
    if (typeof item !== 'object' || item === null || ArrayBuffer.isView(item)) return;
    if (depth > MAX_JSON_DEPTH) throw new GatewayError('invalid_request', `The request body's JSON nests more than ${MAX_JSON_DEPTH} levels deep; the gateway accepts at most ${MAX_JSON_DEPTH}.`);
    for (const [key, child] of Object.entries(item)) {
      visit(key, depth);
      visit(child, depth + 1);
    }
  };
  visit(value, 1);
}

/**
 * Whether something before the gateway read the body already: a host app's body parser (Express 4's marks the
 * request `_body`; Express 5's leaves it ended). Nothing more will come of it to read.
 */
const readBefore = (req: PlainRequest): boolean => (req as { _body?: boolean })._body === true || req.readableEnded;

/**
 * Whether the request has a body nothing has read yet: it announces one (type-is's test, by which Express's parsers
 * skip a request) and no parser of the host app read it before the gateway.
 */
export const bodyUnread = (req: PlainRequest): boolean => !readBefore(req) && (req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined);

/**
 * A body a JSON route would find empty for its Content-Type (`curl -d` sends `application/x-www-form-urlencoded`),
 * as a 415 naming the type it came as; undefined for a JSON body, a body read before, or none.
 * @example
 * const refused = nonJsonBodyRefusal(req);
 * if (refused) return next(refused);
 */
export function nonJsonBodyRefusal(req: PlainRequest): GatewayError | undefined {
  if (!bodyUnread(req) || req.headers['content-length'] === '0') return undefined;
  const type = req.headers['content-type'];
  if (type !== undefined && JSON_TYPE.test(type)) return undefined;
  const cameAs = type ? `as ${(type.split(';')[0] ?? '').trim().slice(0, 100)}` : 'without a Content-Type';
  return new GatewayError('unsupported_media_type', `The request body must be JSON, sent with Content-Type: application/json; it came ${cameAs}.`);
}

const EMPTY_OBJECT = Buffer.from('{}');
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
/** The first character of a JSON text after its whitespace (space, tab, line feed, carriage return). */
function firstSignificant(text: string): string | undefined {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return text[index];
  }
  return undefined;
}

/**
 * A body that is not JSON, or not a JSON object or array, with the status, type and text Express's parser gives
 * one (the error handler reads them).
 */
const notJson = (message: string, body: string) => Object.assign(new SyntaxError(message), { status: 400, type: 'entity.parse.failed', body });

/**
 * `jsonBody` in front: the body every SDK sends — UTF-8 JSON, not compressed, with a length within the limit or
 * chunked — is read and parsed here with the same checks and the same errors, without the general parser's work per
 * request; any other body goes to `parser` (the gateway's `jsonBody`). A chunked body that passes the limit is refused
 * with 413 as soon as it does (Express's parser reads such a body to its end first, however long it goes on). A body
 * the host app's parser read already is taken as it parsed it, after the same checks.
 */
export function plainJsonBody(limit: number, parser: PlainHandler, options: JsonBodyOptions = {}): PlainHandler {
  return (req, res, next) => {
    if (readBefore(req)) {
      try {
        checkParsedJson(req.body, options);
      } catch (error) {
        next(error);
        return;
      }
      next();
      return;
    }
    // Gone before anything read its body (while a hook identified it): nothing more will come, nor any event saying
    // so, here or in the parser behind this one.
    if (req.destroyed) {
      next(clientWentAway());
      return;
    }
    const { headers } = req;
    const length = Number(headers['content-length']);
    const chunked = headers['transfer-encoding'] !== undefined && headers['content-length'] === undefined && /^chunked$/i.test(headers['transfer-encoding']);
    const plain = PLAIN_JSON.test(headers['content-type'] ?? '') && headers['content-encoding'] === undefined && (chunked || headers['transfer-encoding'] === undefined);
    if (!plain || (!chunked && (!Number.isSafeInteger(length) || length <= 0 || length > limit))) {
      parser(req, res, next);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        stop();
        next(tooLarge(`The request body is larger than the ${limit} bytes the gateway accepts.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      let body: unknown;
      try {
        // An empty (chunked) body reads as `{}`, as Express's parser reads it.
        if (received === 0) chunks.push(EMPTY_OBJECT);
        const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        checkJson(bytes, options);
        const text = (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes).toString('utf8');
        const first = firstSignificant(text);
        if (first !== '{' && first !== '[') throw notJson('The request body must be a JSON object or array.', text);
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw notJson((error as Error).message, text);
        }
      } catch (error) {
        next(error);
        return;
      }
      req.body = body;
      (req as { _body?: boolean })._body = true;
      next();
    };
    // The client went away before its body ended: the same 400 Express's parser gives (nobody reads it).
    const onGone = () => {
      stop();
      next(clientWentAway());
    };
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  };
}

/**
 * Refuses, before anything reads them, paths that are not valid percent-encoding and paths or queries that decode to
 * a NUL character (400 in the OpenAI error shape).
 */
export const requestHygiene: PlainHandler = (req, _res, next) => {
  const queryStart = req.originalUrl.indexOf('?');
  const path = queryStart < 0 ? req.originalUrl : req.originalUrl.slice(0, queryStart);
  const query = queryStart < 0 ? '' : req.originalUrl.slice(queryStart + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path) + decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    throw new GatewayError('invalid_request', 'The request path or query is not valid percent-encoding.');
  }
  if (decoded.includes('\u0000')) throw new GatewayError('invalid_request', NUL_MESSAGE);
  next();
};
