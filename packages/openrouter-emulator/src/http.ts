import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import { generationId } from './generations.js';

/** `error.metadata.error_type` per status, as OpenRouter sends them. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request',
  401: 'authentication',
  402: 'payment_required',
  403: 'content_policy_violation',
  408: 'timeout',
  429: 'rate_limit_exceeded',
  500: 'server',
  502: 'provider_unavailable',
  503: 'provider_unavailable',
  524: 'timeout',
  529: 'provider_overloaded',
};

/** Legacy string codes, for `string-code` (older OpenRouter responses carried them). */
const STRING_CODES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_api_key',
  402: 'insufficient_quota',
  403: 'moderation_error',
  429: 'rate_limit_exceeded',
};

/** An error the emulator answers with, in OpenRouter's envelope. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly metadata?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorTypeFor(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'server' : 'invalid_request');
}

/** `{"error":{"code","message","metadata"?}}`; with `stringCode`, `code` is the legacy string form. */
export function errorEnvelope(status: number, message: string, metadata?: Record<string, unknown>, stringCode = false) {
  const code = stringCode ? (STRING_CODES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error')) : status;
  return { error: metadata ? { code, message, metadata } : { code, message } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-generation-id': headers['x-generation-id'] ?? generationId(),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: EmulatorHttpError, stringCode = false): void {
  sendJson(res, error.status, errorEnvelope(error.status, error.message, error.metadata, stringCode), error.headers);
}

/** Largest request body accepted; larger ones get OpenRouter's 413. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads and parses a JSON body; a body that is not a JSON object is a 400, an oversized one a 413. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new EmulatorHttpError(413, 'Request entity too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new EmulatorHttpError(400, 'Invalid JSON in request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EmulatorHttpError(400, 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The bearer token of a request, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Cuts a response off mid-way as a lost connection does: the socket over HTTP/1.1; over HTTP/2, where one connection
 * carries many requests, the stream alone (RST_STREAM with INTERNAL_ERROR, what a client sees of an upstream failure).
 */
export function dropConnection(res: ServerResponse): void {
  const { stream } = res as ServerResponse & { stream?: ServerHttp2Stream };
  if (stream) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
  else res.socket?.destroy();
}
