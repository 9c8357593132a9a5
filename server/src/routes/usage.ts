import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import { untilDrained } from '../plain-http.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import type { SqlFeatureStore } from '../store/sql-feature-store.js';
import { backwardsRangeProblem, parsePeriod, parseTime, reversedPeriodProblem, USAGE_DIMENSIONS, USAGE_STATUSES, UsageQuery, type UsageDimension, type UsageEntry, type UsageFilter } from '../usage/usage-query.js';
import { identityOf, requireAdmin } from './identity-middleware.js';
import { isoTime } from './iso-time.js';
import { lazyRouter } from './lazy-router.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';

export const USAGE_PATH = '/api/ai/usage';

/** Summaries without a period cover the last 30 days. */
const DEFAULT_SUMMARY_MS = 30 * 86_400_000;

const time = (edge: 'start' | 'end') =>
  z.string().transform((text, context) => {
    const parsed = parseTime(text, edge);
    if (parsed === undefined) context.addIssue({ code: 'custom', message: 'an ISO date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z' });
    return parsed ?? 0;
  });
const period = z.string().transform((text, context) => {
  const parsed = parsePeriod(text);
  if (!parsed) context.addIssue({ code: 'custom', message: reversedPeriodProblem(text) ?? 'day, week, month or FROM..TO (ISO dates)' });
  return parsed ?? {};
});
const groupBy = z.string().transform((text, context) => {
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(USAGE_DIMENSIONS as readonly string[]).includes(name));
  if (unknown !== undefined) context.addIssue({ code: 'custom', message: `groups are ${USAGE_DIMENSIONS.join(', ')} (comma-separated), not "${unknown}"` });
  return names as UsageDimension[];
});

const FilterQuery = z.object({
  from: time('start').optional(),
  to: time('end').optional(),
  period: period.optional(),
  feature: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  status: z.enum(USAGE_STATUSES).optional(),
});
const PageQuery = FilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.string().min(1).optional(),
  format: z.enum(['json', 'csv']).optional(),
});
const SummaryQuery = FilterQuery.extend({ groupBy: groupBy.optional() });

/** The filter a query names; `period` fills in `from`/`to` that are not given, `fallbackMs` a period when none is. */
function filterOf(res: Response, query: z.infer<typeof FilterQuery>, fallbackMs?: number): UsageFilter {
  const from = query.from ?? query.period?.from ?? (query.to === undefined && query.period === undefined && fallbackMs !== undefined ? Date.now() - fallbackMs : undefined);
  const backwards = backwardsRangeProblem(from, query.to ?? query.period?.to);
  if (backwards) throw new GatewayError('invalid_parameter', backwards, { param: query.from === undefined ? 'period' : 'from' });
  return { projectId: identityOf(res).projectId, from, to: query.to ?? query.period?.to, feature: query.feature, model: query.model, userId: query.user, status: query.status };
}

const toResponse = (entry: UsageEntry) => ({ ...entry, createdAt: isoTime(entry.createdAt), reconciledAt: isoTime(entry.reconciledAt) });

const CSV_COLUMNS = [
  'createdAt', 'id', 'endpoint', 'feature', 'userId', 'clientKeyId', 'requestedModel', 'servedModel', 'provider', 'generationId', 'status', 'streamed',
  'promptTokens', 'completionTokens', 'reasoningTokens', 'imageCount', 'imageResolution', 'costUsd', 'costSource', 'latencyMs', 'timeToFirstTokenMs',
  'errorCode', 'cacheHit', 'attempts', 'reconciledAt',
] as const satisfies ReadonlyArray<keyof UsageEntry>;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. Text that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`) gets a leading `'`: user ids come from end users.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function sendCsv(res: Response, rows: AsyncIterable<UsageEntry>): Promise<void> {
  res.status(200).set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="usage.csv"' });
  const line = (fields: readonly unknown[]) => `${fields.map(csvField).join(',')}\r\n`;
  let chunk = line(CSV_COLUMNS);
  try {
    for await (const entry of rows) {
      const response = toResponse(entry);
      chunk += line(CSV_COLUMNS.map((column) => response[column]));
      if (chunk.length < 64 * 1024) continue;
      if (!res.write(chunk)) await untilDrained(res);
      // The client left: no more of the ledger is read for it (a 'drain' would never come).
      if (res.destroyed) return;
      chunk = '';
    }
    res.end(chunk);
  } catch (error) {
    // Headers are out: a truncated file must not look complete.
    res.destroy(error instanceof Error ? error : undefined);
  }
}

/**
 * The seeds' usage API (admin only): `GET /api/ai/usage` (records newest first, filtered, a page at a time, or
 * all of them as CSV with `format=csv`, also `GET /api/ai/usage.csv`), `GET /api/ai/usage/summary` (totals and
 * groups by day, model, feature or user) and `GET /api/ai/usage/config/:configId` (one feature's usage).
 *
 * @example
 * router.use(usageRouter(new UsageQuery(stores.database.db), stores.features));
 */
export function usageRouter(usage: UsageQuery, features: SqlFeatureStore): Router {
  const router = Router();

  const list: RequestHandler = async (req, res) => {
    const query = parseRequest(PageQuery, req.query);
    const filter = filterOf(res, query);
    if (query.format === 'csv' || req.path.endsWith('.csv')) return sendCsv(res, usage.entries(filter));
    const page = await usage.list(filter, { limit: query.limit ?? 50, before: query.before === undefined ? undefined : decodePageCursor(query.before) });
    res.json({ data: page.entries.map(toResponse), next: page.next ? encodePageCursor(page.next) : null });
  };
  router.get(USAGE_PATH, requireAdmin, list);
  router.get(`${USAGE_PATH}.csv`, requireAdmin, list);

  router.get(`${USAGE_PATH}/summary`, requireAdmin, async (req, res) => {
    const query = parseRequest(SummaryQuery, req.query);
    const filter = filterOf(res, query, DEFAULT_SUMMARY_MS);
    const dimensions = query.groupBy ?? [];
    res.json({ from: isoTime(filter.from), to: isoTime(filter.to), groupBy: dimensions, ...(await usage.summarize(filter, dimensions)) });
  });

  router.get(`${USAGE_PATH}/config/:configId`, requireAdmin, async (req, res) => {
    const projectId = identityOf(res).projectId;
    const query = parseRequest(PageQuery.omit({ format: true }), req.query);
    const configId = String(req.params['configId']);
    const record = await features.record(projectId, configId);
    // A deleted feature keeps its history under its name.
    const filter = { ...filterOf(res, query, DEFAULT_SUMMARY_MS), feature: record?.feature.name ?? configId };
    const summary = await usage.summarize(filter, ['model']);
    if (!record && summary.totals.requests === 0) throw new GatewayError('not_found', `No configuration "${configId}" in this project.`, { param: 'configId' });
    const page = await usage.list(filter, { limit: query.limit ?? 50, before: query.before === undefined ? undefined : decodePageCursor(query.before) });
    res.json({
      configuration: { id: record?.id ?? null, name: filter.feature, model: record?.feature.model ?? null },
      from: isoTime(filter.from),
      to: isoTime(filter.to),
      ...summary,
      data: page.entries.map(toResponse),
      next: page.next ? encodePageCursor(page.next) : null,
    });
  });

  return router;
}

/**
 * The usage API for a gateway whose stores are still opening: built once `ready` resolves; requests that arrive
 * before then wait for it.
 *
 * @example
 * router.use(lazyUsageRouter(ready));
 */
export function lazyUsageRouter(ready: Promise<GatewayStores>): RequestHandler {
  return lazyRouter(ready, (stores) => usageRouter(new UsageQuery(stores.database.db), stores.features));
}
