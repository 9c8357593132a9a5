import type { GatewayErrorEntry, ModelHealthReport } from '@insforge/ai-protocol';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import { identityOf, requireAdmin, requireAdminOf } from '../routes/identity-middleware.js';
import { isoTime } from '../routes/iso-time.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { backwardsRangeProblem, parseTime } from '../usage/usage-query.js';
import { errorClassOf, reasonOf, type ErrorClass } from './error-log.js';
import type { GatewayOperations } from './gateway-operations.js';
import { modelPerformance } from './model-performance.js';

const WINDOWS = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
const ERROR_CLASSES = ['upstream', 'timeout', 'rate_limit', 'limit', 'request', 'auth', 'internal'] as const satisfies readonly ErrorClass[];

const time = (edge: 'start' | 'end') =>
  z.string().transform((text, context) => {
    const parsed = parseTime(text, edge);
    if (parsed === undefined) context.addIssue({ code: 'custom', message: 'an ISO date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z' });
    return parsed ?? 0;
  });

export const PerformanceQuery = z.object({
  window: z.enum(Object.keys(WINDOWS) as [keyof typeof WINDOWS, ...Array<keyof typeof WINDOWS>]).optional(),
  from: time('start').optional(),
  to: time('end').optional(),
  feature: z.string().min(1).max(200).optional(),
});
const ErrorsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).optional(), class: z.enum(ERROR_CLASSES).optional() });

/**
 * `[from, to)` of a performance query: `from`/`to` when given, else the last `window` (default one hour); a 400
 * naming `from` when it is not before `to` (now, when the query gives no `to`).
 */
function periodOf(query: z.infer<typeof PerformanceQuery>): { from: number; to: number } {
  const to = query.to ?? Date.now();
  const from = query.from ?? to - WINDOWS[query.window ?? '1h'];
  const backwards = backwardsRangeProblem(from, to, query.to === undefined ? 'now' : 'given');
  if (backwards) throw new GatewayError('invalid_parameter', backwards, { param: 'from' });
  return { from, to };
}

/**
 * The operations API, for admins: `GET /metrics` (Prometheus), `GET /api/ai/models/health` (circuits and each
 * model's recent latency and error rate), `GET /api/ai/models/performance` (p50/p95 latency, time to first token,
 * tokens per second, error rate, cost per request by model over a window), `GET /api/ai/errors` (recent upstream
 * and gateway errors) and `GET /api/ai/admin/connections` (requests and streams in flight per instance). The
 * metrics and the connections span every project, so only admins of `defaultProjectId` read them.
 * @example
 * router.use(identityMiddleware(context, parseBody));
 * router.use(operationsRouter(operations, ready, 'default'));
 */
export function operationsRouter(operations: GatewayOperations, ready: Promise<GatewayStores>, defaultProjectId: string): Router {
  const router = Router();
  const admin: RequestHandler[] = [requireAdmin];
  // The metrics and the instances count every project's requests, features and spend: for the operator's project.
  const operator: RequestHandler[] = [requireAdminOf(defaultProjectId)];

  router.get('/metrics', ...operator, async (_req, res) => {
    res.status(200).set('content-type', operations.metrics.contentType).set('cache-control', 'no-store').send(await operations.metrics.text());
  });

  router.get('/api/ai/models/health', ...admin, async (req, res) => {
    const query = parseRequest(PerformanceQuery, req.query);
    const period = periodOf(query);
    const [circuits, models] = await Promise.all([
      operations.breakers?.snapshot() ?? [],
      modelPerformance((await ready).database.db, { projectId: identityOf(res).projectId, ...period, feature: query.feature }),
    ]);
    res.set('cache-control', 'no-store').json({
      from: isoTime(period.from),
      to: isoTime(period.to),
      circuitBreakers: operations.breakers ? { enabled: true, ...operations.breakers.settings } : { enabled: false },
      circuits: circuits.map((circuit) => ({ ...circuit, openedAt: circuit.openedAt?.toISOString() ?? null, retryAt: circuit.retryAt?.toISOString() ?? null })),
      models: models.map((model) => {
        const circuit = circuits.find((entry) => entry.scope === 'model' && entry.name === model.model);
        return { ...model, circuit: circuit?.state ?? 'closed' };
      }),
    } satisfies ModelHealthReport);
  });

  router.get('/api/ai/models/performance', ...admin, async (req, res) => {
    const query = parseRequest(PerformanceQuery, req.query);
    const period = periodOf(query);
    const data = await modelPerformance((await ready).database.db, { projectId: identityOf(res).projectId, ...period, feature: query.feature });
    res.json({ from: isoTime(period.from), to: isoTime(period.to), data });
  });

  router.get('/api/ai/errors', ...admin, async (req, res) => {
    const query = parseRequest(ErrorsQuery, req.query);
    const entries = await operations.errorLog.recent({ projectId: identityOf(res).projectId, limit: query.limit ?? 100, class: query.class });
    res.set('cache-control', 'no-store').json({ data: entries.map(({ projectId: _projectId, ...entry }): GatewayErrorEntry => ({ ...entry, at: isoTime(entry.at) })) });
  });

  router.get('/api/ai/errors/:requestId', ...admin, async (req, res) => {
    const projectId = identityOf(res).projectId;
    const requestId = String(req.params['requestId']).slice(0, 100);
    const [row, errors] = await Promise.all([
      (await ready).database.db
        .selectFrom('usage_records')
        .select(['status', 'error_code', 'requested_model', 'served_model', 'feature', 'endpoint', 'attempts', 'created_at'])
        .where('id', '=', requestId)
        .where('project_id', '=', projectId)
        .executeTakeFirst(),
      operations.errorLog.recent({ projectId, requestId, limit: 50 }),
    ]);
    const final = errors.find((entry) => entry.kind === 'request');
    if (!row && errors.length === 0) throw new GatewayError('not_found', `No request "${requestId}" in this project's usage or recent errors.`, { param: 'requestId' });
    const code = row?.error_code ?? final?.code ?? null;
    res.json({
      requestId,
      status: row?.status ?? (final ? 'error' : null),
      code,
      class: code === null ? null : errorClassOf(code),
      reason: code === null ? null : reasonOf(code),
      model: row?.served_model ?? row?.requested_model ?? final?.model ?? null,
      feature: row?.feature ?? final?.feature ?? null,
      attempts: row ? Number(row.attempts) : null,
      at: isoTime(row ? Number(row.created_at) : final?.at),
      errors: errors.map(({ projectId: _projectId, ...entry }) => ({ ...entry, at: isoTime(entry.at) })),
    });
  });

  router.get('/api/ai/admin/connections', ...operator, async (_req, res) => {
    const { instances, shared } = await operations.connections.list();
    const total = (field: 'requestsInFlight' | 'streamsInFlight') => instances.reduce((sum, instance) => sum + instance[field], 0);
    res.set('cache-control', 'no-store').json({
      shared,
      requestsInFlight: total('requestsInFlight'),
      streamsInFlight: total('streamsInFlight'),
      instances: instances.map((instance) => ({ ...instance, self: instance.instanceId === operations.connections.instanceId, startedAt: isoTime(instance.startedAt), reportedAt: isoTime(instance.reportedAt) })),
    });
  });

  return router;
}
