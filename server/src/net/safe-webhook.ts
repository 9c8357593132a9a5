import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress } from './address-classes.js';

/** Resolves a host name to its addresses, as `dns.promises.lookup(host, { all: true })` does. */
export type WebhookLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** What the host allows its tenants' webhooks to reach, and how long and how much a delivery may take. */
export interface WebhookClientOptions {
  /** Plain `http://` URLs as well as `https://`. Default false: a webhook payload is sent only over TLS. */
  allowHttp?: boolean;
  /**
   * Loopback, private (RFC 1918, CGNAT, ULA) and link-local addresses. Default false. Cloud metadata addresses,
   * multicast and reserved ranges stay refused either way.
   */
  allowPrivateAddresses?: boolean;
  /** How host names are resolved. Default: the system resolver (`dns.promises.lookup`). */
  lookup?: WebhookLookup;
  /** The longest one delivery may take, from resolving the host to the end of the answer. Default 5 s. */
  timeoutMs?: number;
  /** How much of the answer is read; the rest is dropped. Default 16 KiB. */
  maxResponseBytes?: number;
}

/** Why a webhook URL was refused or a delivery failed before an answer came. */
export type WebhookErrorCode = 'unsafe_url' | 'unresolvable' | 'unreachable' | 'timeout';

/** A refused URL (`unsafe_url`, `unresolvable`) or a failed delivery; the message says which and why. */
export class WebhookError extends Error {
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookError';
  }
}

/** The answer to a delivery. A redirect is not followed: it comes back here as a 3xx, not `ok`. */
export interface WebhookResponse {
  status: number;
  ok: boolean;
  /** The start of the answer's body, at most `maxResponseBytes`. */
  body: string;
}

/** Checks and delivers webhooks that an untrusted tenant may aim anywhere. */
export interface WebhookClient {
  /** Resolves the URL's host and throws a `WebhookError` unless every address it names may be reached. */
  check(url: string): Promise<void>;
  /** POSTs `payload` as JSON to the address just checked (never a second lookup); throws a `WebhookError`. */
  post(url: string, payload: unknown): Promise<WebhookResponse>;
}

/** What stands for the hidden part of a webhook URL when it is shown. */
const HIDDEN_PART = '…';

/**
 * A webhook URL as it may be shown, logged or audited: its scheme, host and port, with `…` for a path, query or
 * fragment (where receivers such as Slack put their token) and no user name or password. A URL with nothing past its
 * host comes back whole.
 * @example
 * maskWebhookUrl('https://hooks.example.com/T000/B000/XXXX'); // 'https://hooks.example.com/…'
 */
export function maskWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return HIDDEN_PART;
  }
  const hidden = parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '';
  return `${parsed.protocol}//${parsed.host}/${hidden ? HIDDEN_PART : ''}`;
}

/** Whether a URL is in the form `maskWebhookUrl` shows (sent back by an admin who only read it), not an address. */
export function isMaskedWebhookUrl(url: string): boolean {
  return url.endsWith(`/${HIDDEN_PART}`);
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024;

const systemLookup: WebhookLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * A client for outgoing webhooks: `https` only, public addresses only (unless the host opts in), checked after DNS
 * resolution and connected to the very address it checked (no DNS-rebinding window), redirects not followed, a
 * timeout and a bounded read. Use `check` when a URL is saved and `post` (which checks again) to deliver.
 * @example
 * const webhooks = createWebhookClient({});
 * await webhooks.check('https://hooks.example.com/ai'); // at save time: throws WebhookError with a clear message
 * const { ok, status } = await webhooks.post('https://hooks.example.com/ai', { type: 'budget_alert' });
 */
export function createWebhookClient(options: WebhookClientOptions = {}): WebhookClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError('createWebhookClient: timeoutMs must be a positive number of milliseconds');
  if (!(Number.isInteger(maxResponseBytes) && maxResponseBytes >= 0)) throw new TypeError('createWebhookClient: maxResponseBytes must be a whole number of bytes');
  const policy = { allowHttp: options.allowHttp ?? false, allowPrivateAddresses: options.allowPrivateAddresses ?? false, lookup: options.lookup ?? systemLookup };

  return {
    async check(url) {
      await resolveTarget(url, policy, AbortSignal.timeout(timeoutMs));
    },
    async post(url, payload) {
      const signal = AbortSignal.timeout(timeoutMs);
      const target = await resolveTarget(url, policy, signal);
      try {
        return await send(target, JSON.stringify(payload), signal, maxResponseBytes);
      } catch (error) {
        if (signal.aborted) throw new WebhookError('timeout', `the webhook did not answer within ${timeoutMs} ms`, { cause: error });
        throw new WebhookError('unreachable', `the webhook could not be reached: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
  };
}

/** A URL whose host was resolved and checked: requests go to `address`, whatever DNS says later. */
interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

async function resolveTarget(text: string, policy: { allowHttp: boolean; allowPrivateAddresses: boolean; lookup: WebhookLookup }, signal: AbortSignal): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookError('unsafe_url', 'the webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new WebhookError('unsafe_url', url.protocol === 'http:' ? 'the webhook URL must use https (this gateway does not allow plain http webhooks)' : 'the webhook URL must be an https:// URL');
  }
  if (url.username || url.password) throw new WebhookError('unsafe_url', 'the webhook URL must not carry a user name or password; put a token in its path or query instead');
  // WHATWG URL parsing has already turned decimal, octal and hex IPv4 forms (http://2130706433/) into dotted ones.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await abortable(policy.lookup(host), signal);
    } catch (error) {
      throw new WebhookError('unresolvable', signal.aborted ? `the webhook host ${host} did not resolve in time` : `the webhook host ${host} cannot be resolved`, { cause: error });
    }
  }
  // Every address must pass: a host that also resolves to an internal address could be made to pick that one.
  for (const { address } of addresses) {
    const found = classifyAddress(address);
    if (found.kind === 'public' || (found.kind === 'private' && policy.allowPrivateAddresses)) continue;
    const via = isIP(host) ? '' : ` (${host} resolves to ${address})`;
    const hint = found.kind === 'private' ? '; webhooks may only reach public addresses' : '';
    throw new WebhookError('unsafe_url', `the webhook URL points to ${found.label}${via}${hint}`);
  }
  const [first] = addresses;
  if (!first) throw new WebhookError('unresolvable', `the webhook host ${host} has no address`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function send(target: CheckedTarget, body: string, signal: AbortSignal, maxResponseBytes: number): Promise<WebhookResponse> {
  // The connection goes to the checked address; the host name still names the server (Host header, TLS SNI and
  // certificate check), so a second lookup can never swap the address under us.
  const pinned = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const transport = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        signal,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'insforge-ai-webhook' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let settled = false;
        const done = () => {
          if (settled) return;
          settled = true;
          const status = response.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status < 300, body: Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8') });
        };
        response.on('data', (chunk: Buffer) => {
          if (size < maxResponseBytes) chunks.push(chunk);
          size += chunk.length;
          // Enough read: a webhook that streams forever must not hold memory or the connection.
          if (size >= maxResponseBytes) {
            response.destroy();
            done();
          }
        });
        response.on('end', done);
        response.on('error', reject);
        response.on('close', () => {
          if (!settled) reject(new Error('the connection closed before the answer ended'));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
