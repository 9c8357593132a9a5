import type { UsageSummaryParams } from '../core/admin-types.js';
import type { AiClient } from '../core/client.js';
import type { RequestOptions } from '../core/http-transport.js';

/** Reads the usage records of a period as CSV (the gateway's `GET /api/ai/usage?format=csv`). */
export type UsageCsvReader = (query: Pick<UsageSummaryParams, 'period' | 'from' | 'to'>, options: RequestOptions) => Promise<Blob | string>;

/** A client whose usage API can read CSV (`usage.csv`); older clients cannot, and the panel then hides its button. */
type CsvUsageApi = AiClient['usage'] & { csv?: UsageCsvReader };

/**
 * The client's CSV reader, when it has one.
 *
 * @example
 * const read = csvReaderOf(client); // undefined for a client without `usage.csv`
 */
export function csvReaderOf(client: AiClient): UsageCsvReader | undefined {
  const usage = client.usage as CsvUsageApi;
  const csv = usage.csv;
  return csv ? (query, options) => csv.call(usage, query, options) : undefined;
}

/**
 * Hands a file to the browser's downloads (an object URL on a link with `download`); false where there is no
 * such thing (a server, a test DOM without `URL.createObjectURL`).
 *
 * @example
 * saveFile(await read({ period: 'week' }, {}), 'usage-week.csv');
 */
export function saveFile(content: Blob | string, fileName: string): boolean {
  if (typeof document === 'undefined' || typeof URL.createObjectURL !== 'function') return false;
  const blob = typeof content === 'string' ? new Blob([content], { type: 'text/csv;charset=utf-8' }) : content;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled: revoking at once cancels the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 0);
  return true;
}
