import { randomUUID } from 'node:crypto';

/**
 * A new request id: a UUID version 7 (RFC 9562), whose first 48 bits are the time in milliseconds and the rest
 * random. It keys the usage record; ids of successive requests sort in time, so each insert lands at the end of the
 * ledger's primary key instead of on a random page (a random v4 key made every insert touch a page of its own).
 * @example
 * newRequestId(); // '0193a8f4-2b1c-7e3a-9d41-6c2f0b8e5a17'
 */
export function newRequestId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // randomUUID's text is `xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx`: keep its random bits and its variant, set version 7.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
