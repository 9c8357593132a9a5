// The usage ledger behind `/api/ai/usage…`: 30 days of plausible records (deterministic), plus every call the
// mock answers; summaries grouped the way the gateway's SQL groups them.
import { createRandom } from '@insforge/openrouter-emulator/content';
import { costOf, IMAGE_OUTPUT_TOKENS, type MockCatalog } from './mock-catalog.js';

const DAY_MS = 86_400_000;
const PERIODS: Record<string, number> = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS };

/** One record, as `GET /api/ai/usage` lists it (times as ISO strings there). */
export interface UsageRecord {
  id: string;
  endpoint: 'chat' | 'images' | 'embeddings';
  feature: string | null;
  userId: string | null;
  clientKeyId: string | null;
  requestedModel: string;
  servedModel: string | null;
  provider: string | null;
  generationId: string | null;
  status: 'ok' | 'error' | 'cancelled' | 'rejected';
  streamed: boolean;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  imageCount: number | null;
  imageResolution: string | null;
  costUsd: number;
  costSource: 'reported' | 'estimated';
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  errorCode: string | null;
  cacheHit: boolean;
  attempts: number;
  createdAt: number;
  reconciledAt: number | null;
}

type Dimension = 'day' | 'model' | 'feature' | 'user';
const DIMENSIONS: readonly Dimension[] = ['day', 'model', 'feature', 'user'];

const SEED_TRAFFIC = [
  { feature: 'chat', model: 'openai/gpt-4o-mini', provider: 'OpenAI', endpoint: 'chat', weight: 6 },
  { feature: 'code', model: 'anthropic/claude-sonnet-4', provider: 'Anthropic', endpoint: 'chat', weight: 3 },
  { feature: 'summarize', model: 'openai/gpt-5', provider: 'OpenAI', endpoint: 'chat', weight: 2 },
  { feature: 'image', model: 'black-forest-labs/flux.2-pro', provider: 'Black Forest Labs', endpoint: 'images', weight: 1 },
] as const;
const USERS = ['user-ada', 'user-grace', 'user-linus', 'user-margaret', null];

/** Seeds the ledger with ~30 days of traffic ending at `now`, the same records for the same day every run. */
export function seedUsage(catalog: MockCatalog, now: number, days = 30): UsageRecord[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const random = createRandom(`usage#${today}`);
  const records: UsageRecord[] = [];
  const weights = SEED_TRAFFIC.flatMap((traffic) => Array.from({ length: traffic.weight }, () => traffic));
  for (let day = days - 1; day >= 0; day--) {
    const count = 4 + Math.floor(random() * 14) + (day % 7 < 2 ? 0 : 6);
    for (let index = 0; index < count; index++) {
      const traffic = weights[Math.floor(random() * weights.length)] ?? SEED_TRAFFIC[0];
      const createdAt = today - day * DAY_MS + Math.floor(random() * DAY_MS);
      if (createdAt > now) continue;
      const status = random() < 0.04 ? 'error' : random() < 0.03 ? 'cancelled' : 'ok';
      const images = traffic.endpoint === 'images' ? 1 + Math.floor(random() * 2) : 0;
      const promptTokens = images ? 20 + Math.floor(random() * 40) : 60 + Math.floor(random() * 1400);
      const completionTokens = status === 'error' ? 0 : images ? images * IMAGE_OUTPUT_TOKENS : 40 + Math.floor(random() * 900);
      const model = catalog.byId.get(traffic.model);
      records.push(
        usageRecord({
          id: `usage-${records.length + 1}`,
          endpoint: traffic.endpoint,
          feature: traffic.feature,
          userId: USERS[Math.floor(random() * USERS.length)] ?? null,
          model: traffic.model,
          provider: traffic.provider,
          status,
          promptTokens,
          completionTokens,
          costUsd: images ? costOf(model, promptTokens, 0, completionTokens) : costOf(model, promptTokens, completionTokens),
          latencyMs: images ? 4000 + Math.floor(random() * 6000) : 600 + Math.floor(random() * 5000),
          timeToFirstTokenMs: images ? null : 200 + Math.floor(random() * 900),
          images,
          createdAt,
        }),
      );
    }
  }
  return records.sort((a, b) => a.createdAt - b.createdAt);
}

export interface UsageRecordInput {
  id: string;
  endpoint: UsageRecord['endpoint'];
  feature: string | null;
  userId: string | null;
  model: string;
  provider: string | null;
  status: UsageRecord['status'];
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  images?: number;
  errorCode?: string | null;
  createdAt: number;
}

/** A full record from the figures that vary. */
export function usageRecord(input: UsageRecordInput): UsageRecord {
  const images = input.images ?? 0;
  return {
    id: input.id,
    endpoint: input.endpoint,
    feature: input.feature,
    userId: input.userId,
    clientKeyId: null,
    requestedModel: input.feature ?? input.model,
    servedModel: input.status === 'ok' ? input.model : null,
    provider: input.provider,
    generationId: input.status === 'ok' ? `gen-${input.id}` : null,
    status: input.status,
    streamed: input.endpoint === 'chat',
    promptTokens: input.promptTokens,
    completionTokens: input.completionTokens,
    reasoningTokens: 0,
    imageCount: images > 0 ? images : null,
    imageResolution: images > 0 ? '1024x1024' : null,
    costUsd: input.costUsd,
    costSource: 'reported',
    latencyMs: input.latencyMs,
    timeToFirstTokenMs: input.timeToFirstTokenMs,
    errorCode: input.errorCode ?? (input.status === 'error' ? 'upstream_error' : null),
    cacheHit: false,
    attempts: 1,
    createdAt: input.createdAt,
    reconciledAt: input.status === 'ok' ? input.createdAt + 2000 : null,
  };
}

/** `from`/`to` of a query (ISO dates or `period=day|week|month|FROM..TO`); summaries default to 30 days. */
export function periodOf(query: URLSearchParams, now: number, fallbackMs?: number): { from: number | undefined; to: number | undefined } {
  const time = (text: string | null, edge: 'start' | 'end') => {
    if (!text) return undefined;
    const parsed = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (!Number.isFinite(parsed)) return undefined;
    return edge === 'end' && /^\d{4}-\d{2}-\d{2}$/.test(text) ? parsed + DAY_MS : parsed;
  };
  const period = query.get('period');
  let from = time(query.get('from'), 'start');
  let to = time(query.get('to'), 'end');
  if (period && PERIODS[period] !== undefined) from ??= now - (PERIODS[period] ?? 0);
  else if (period?.includes('..')) {
    const [start = '', end = ''] = period.split('..');
    from ??= time(start, 'start');
    to ??= time(end, 'end');
  }
  if (from === undefined && to === undefined && !period && fallbackMs !== undefined) from = now - fallbackMs;
  return { from, to };
}

/** The records a query selects: its period and exact `feature`, `model`, `user`, `status` matches. */
export function filterUsage(records: readonly UsageRecord[], query: URLSearchParams, period: { from: number | undefined; to: number | undefined }): UsageRecord[] {
  const feature = query.get('feature');
  const model = query.get('model');
  const user = query.get('user');
  const status = query.get('status');
  return records.filter(
    (record) =>
      (period.from === undefined || record.createdAt >= period.from) &&
      (period.to === undefined || record.createdAt < period.to) &&
      (!feature || record.feature === feature) &&
      (!model || (record.servedModel ?? record.requestedModel) === model) &&
      (!user || record.userId === user) &&
      (!status || record.status === status),
  );
}

/** Splits and checks `groupBy=day,model`; the unknown name, when there is one. */
export function parseGroupBy(text: string | null): { dimensions: Dimension[] } | { unknown: string } {
  if (!text) return { dimensions: [] };
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(DIMENSIONS as readonly string[]).includes(name));
  return unknown === undefined ? { dimensions: [...new Set(names)] as Dimension[] } : { unknown };
}

function totalsOf(records: readonly UsageRecord[]) {
  const ok = records.filter((record) => record.status === 'ok').map((record) => record.latencyMs).sort((a, b) => a - b);
  const rank = (p: number) => (ok.length === 0 ? null : (ok[Math.max(0, Math.ceil(p * ok.length) - 1)] ?? null));
  const sum = (pick: (record: UsageRecord) => number) => records.reduce((total, record) => total + pick(record), 0);
  const promptTokens = sum((record) => record.promptTokens);
  const completionTokens = sum((record) => record.completionTokens);
  return {
    requests: records.length,
    promptTokens,
    completionTokens,
    reasoningTokens: sum((record) => record.reasoningTokens),
    totalTokens: promptTokens + completionTokens,
    costUsd: Math.round(sum((record) => record.costUsd) * 1e10) / 1e10,
    errors: records.filter((record) => record.status === 'error').length,
    cancelled: records.filter((record) => record.status === 'cancelled').length,
    rejected: records.filter((record) => record.status === 'rejected').length,
    estimatedCosts: records.filter((record) => record.costSource === 'estimated').length,
    latencyP50Ms: rank(0.5),
    latencyP95Ms: rank(0.95),
  };
}

const valueOf = (record: UsageRecord, dimension: Dimension): string | null =>
  dimension === 'day'
    ? new Date(Math.floor(record.createdAt / DAY_MS) * DAY_MS).toISOString().slice(0, 10)
    : dimension === 'model'
      ? (record.servedModel ?? record.requestedModel)
      : dimension === 'feature'
        ? record.feature
        : record.userId;

/** `{ totals, groups }`: groups by day are in date order, others most expensive first (as the gateway sorts). */
export function summarizeUsage(records: readonly UsageRecord[], dimensions: readonly Dimension[]) {
  const buckets = new Map<string, UsageRecord[]>();
  if (dimensions.length > 0) {
    for (const record of records) {
      const key = JSON.stringify(dimensions.map((dimension) => valueOf(record, dimension)));
      buckets.set(key, [...(buckets.get(key) ?? []), record]);
    }
  }
  const groups = [...buckets.entries()].map(([key, members]) => {
    const values = JSON.parse(key) as Array<string | null>;
    const group: Record<string, unknown> = { ...totalsOf(members) };
    dimensions.forEach((dimension, index) => (group[dimension] = values[index] ?? null));
    return group as ReturnType<typeof totalsOf> & Partial<Record<Dimension, string | null>>;
  });
  if (dimensions.includes('day')) groups.sort((a, b) => (a.day ?? '').localeCompare(b.day ?? ''));
  else groups.sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
  return { totals: totalsOf(records), groups };
}

const iso = (epochMs: number | null) => (epochMs === null ? null : new Date(epochMs).toISOString());

/** A record as the API shows it (ISO times). */
export const usageResponse = (record: UsageRecord) => ({ ...record, createdAt: iso(record.createdAt), reconciledAt: iso(record.reconciledAt) });

const CSV_COLUMNS = [
  'createdAt', 'id', 'endpoint', 'feature', 'userId', 'clientKeyId', 'requestedModel', 'servedModel', 'provider', 'generationId', 'status', 'streamed',
  'promptTokens', 'completionTokens', 'reasoningTokens', 'imageCount', 'imageResolution', 'costUsd', 'costSource', 'latencyMs', 'timeToFirstTokenMs',
  'errorCode', 'cacheHit', 'attempts', 'reconciledAt',
] as const;

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The ledger as the gateway's CSV download (RFC 4180, newest first). */
export function usageCsv(records: readonly UsageRecord[]): string {
  const line = (fields: readonly unknown[]) => `${fields.map(csvField).join(',')}\r\n`;
  return line(CSV_COLUMNS) + records.map((record) => line(CSV_COLUMNS.map((column) => usageResponse(record)[column]))).join('');
}
