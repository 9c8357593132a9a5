import { createHash } from 'node:crypto';
import type { OutgoingRequest } from '../gateway/metered-request.js';
import { isRecord } from '../records.js';

/**
 * JSON with every object's keys sorted and no whitespace: two values that differ only in key order or formatting
 * give the same text. Array order is kept (the order of messages and parts is meaningful).
 * @example
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

const digest = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * The prefix every cached answer of a project (and of one of its features) starts with, so a purge forgets them
 * by prefix. Hex digests: nothing a project id or a feature name holds can reach into another's keys.
 * @example
 * await store.deletePrefix(cacheScopeOf('default', 'chat'));
 */
export function cacheScopeOf(projectId: string, featureName?: string | null): string {
  const project = `${digest(projectId, 16)}:`;
  if (featureName === undefined) return project;
  return `${project}${featureName === null ? '-' : digest(featureName, 16)}:`;
}

/**
 * The cache key of a request: its scope (project and feature name), then a digest of the feature's whole
 * configuration (so any change to the feature, a new version, starts afresh), the models it tries and everything it
 * sends (parameters, messages and their parts, tools). The end user's id (`user`, the Messages API's
 * `metadata.user_id`) is left out: equal requests of two users of one project share an answer.
 * @example
 * const key = cacheKeyOf('default', exchange.outgoing(plan));
 */
export function cacheKeyOf(projectId: string, request: OutgoingRequest): string {
  const { user: _user, ...sent } = request.body;
  const metadata = sent['metadata'];
  if (request.kind === 'messages' && isRecord(metadata)) {
    const { user_id: _userId, ...rest } = metadata;
    if (Object.keys(rest).length > 0) sent['metadata'] = rest;
    else delete sent['metadata'];
  }
  const material = canonicalJson({ projectId, kind: request.kind, feature: request.feature ?? null, models: request.models, sent });
  return cacheScopeOf(projectId, request.feature?.name ?? null) + createHash('sha256').update(material).digest('hex');
}
