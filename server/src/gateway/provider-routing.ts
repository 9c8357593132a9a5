import { isRecord } from '../records.js';
import type { ModelEndpoint } from '../upstream/model-endpoints.js';

/** A provider name as OpenRouter matches it: any case, spaces and dashes aside (`Amazon Bedrock`, `amazon-bedrock`). */
const nameKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9/]/g, '');

/** Whether a name in `only`, `ignore` or `order` names an endpoint: by display name, by tag, or by the tag's provider. */
function names(entry: string, endpoint: ModelEndpoint): boolean {
  const key = nameKey(entry);
  const tag = typeof endpoint.tag === 'string' ? nameKey(endpoint.tag) : undefined;
  return (typeof endpoint.provider_name === 'string' && nameKey(endpoint.provider_name) === key) || tag === key || tag?.split('/')[0] === key;
}

const namesOf = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : undefined);

/**
 * The endpoints a list of names keeps (`only`, or `order` without fallbacks); all of them when a name matches none,
 * since OpenRouter may know that provider by a name the list does not show, and it may be the dearest.
 */
function keptBy(endpoints: readonly ModelEndpoint[], entries: string[] | undefined): readonly ModelEndpoint[] {
  if (entries === undefined || !entries.every((entry) => endpoints.some((endpoint) => names(entry, endpoint)))) return endpoints;
  return endpoints.filter((endpoint) => entries.some((entry) => names(entry, endpoint)));
}

/**
 * The endpoints of a model a request's `provider` preferences let OpenRouter route it to: every one but those `ignore`
 * names, only those `only` names, and with `allow_fallbacks: false` only those `order` names. Nothing else narrows
 * them: `order` with fallbacks, `sort` and OpenRouter's own load balancing only choose among the same providers, any of
 * which may answer; `max_price`, `zdr`, `quantizations`… are left to OpenRouter (the estimate never rests on how it
 * reads them). When the preferences leave none, the request is refused unbilled, and every endpoint counts. The same
 * array comes back when nothing was narrowed.
 * @example
 * endpointsAllowedBy(endpoints, { order: ['groq'], allow_fallbacks: false }); // Groq's endpoints alone
 */
export function endpointsAllowedBy(endpoints: readonly ModelEndpoint[], preferences: unknown): readonly ModelEndpoint[] {
  if (!isRecord(preferences)) return endpoints;
  let allowed = keptBy(endpoints, namesOf(preferences['only']));
  if (preferences['allow_fallbacks'] === false) allowed = keptBy(allowed, namesOf(preferences['order']));
  const ignored = namesOf(preferences['ignore']);
  if (ignored) allowed = allowed.filter((endpoint) => !ignored.some((entry) => names(entry, endpoint)));
  if (allowed.length === 0) return endpoints;
  return allowed.length === endpoints.length ? endpoints : allowed;
}
