import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { isMaskedWebhookUrl, maskWebhookUrl } from '../net/safe-webhook.js';
import { EMPTY_POLICY, MAX_SPEND_CAP_USD, type LimitPolicy } from './types.js';

const positive = z.number().positive();
const spendCap = positive.max(MAX_SPEND_CAP_USD, `A spend cap can be at most ${MAX_SPEND_CAP_USD.toLocaleString('en-US')} USD (the most the limits count to the nano-dollar); leave it out for no cap.`);
const settingsSchema = z
  .object({
    requestsPerMinute: positive.int().optional(),
    tokensPerMinute: positive.int().optional(),
    concurrentRequests: positive.int().optional(),
    tokensPerDay: positive.int().optional(),
    spendPerDayUsd: spendCap.optional(),
    spendPerMonthUsd: spendCap.optional(),
  })
  .strict();

/**
 * Settings per feature or user name. A JSON key `__proto__` would be dropped without a word when the record is built
 * (assigning it sets a prototype), so an override for such a name is refused instead of silently not applying.
 */
const namedSettings = z.preprocess((value, context) => {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__')) {
    context.addIssue({ code: 'custom', message: '"__proto__" cannot name a feature or a user here.', path: ['__proto__'], input: value });
  }
  return value;
}, z.record(z.string(), settingsSchema));

export const limitPolicySchema = z
  .object({
    project: settingsSchema.default({}),
    features: namedSettings.default({}),
    users: z.object({ default: settingsSchema.default({}), overrides: namedSettings.default({}) }).strict().default({ default: {}, overrides: {} }),
  })
  .strict();

/** Budget alerts: fired once per period when the project's spend passes each threshold of a spend cap. */
export const budgetAlertsSchema = z
  .object({
    /** Fractions of a spend cap, e.g. [0.8, 1]. */
    thresholds: z.array(z.number().gt(0).max(1)).max(10).default([0.8, 1]),
    /** POSTed a JSON alert; http(s) only. */
    webhookUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  })
  .strict();
export type BudgetAlerts = z.infer<typeof budgetAlertsSchema>;

/**
 * Alert settings as an admin reads them and the audit log keeps them: the webhook URL's path and query may hold the
 * receiver's token, so it is write-only and shows as its scheme and host (`https://hooks.example.com/…`).
 * @example
 * shownBudgetAlerts({ thresholds: [1], webhookUrl: 'https://hooks.example.com/T0/B0/secret' }); // { thresholds: [1], webhookUrl: 'https://hooks.example.com/…' }
 */
export function shownBudgetAlerts(alerts: BudgetAlerts): BudgetAlerts {
  return { ...alerts, webhookUrl: alerts.webhookUrl === null ? null : maskWebhookUrl(alerts.webhookUrl) };
}

/**
 * The alert settings to store when an admin sends `sent` over `saved`: the webhook URL in the shown form of the saved
 * one keeps the saved URL (a read, edited and saved back policy does not lose it); another shown form is refused
 * rather than stored as an address.
 */
export function budgetAlertsToSave(saved: BudgetAlerts, sent: BudgetAlerts): BudgetAlerts {
  if (sent.webhookUrl === null || !isMaskedWebhookUrl(sent.webhookUrl)) return sent;
  if (saved.webhookUrl !== null && maskWebhookUrl(saved.webhookUrl) === sent.webhookUrl) return { ...sent, webhookUrl: saved.webhookUrl };
  throw new GatewayError('invalid_parameter', `alerts.webhookUrl: ${sent.webhookUrl} is a shortened URL that is not this project's webhook; send the whole URL to change it, or null to remove it.`, { param: 'alerts.webhookUrl' });
}

export interface ProjectLimits {
  policy: LimitPolicy;
  alerts: BudgetAlerts;
  stopped: boolean;
  stopReason: string | null;
  version: number;
  updatedAt: number | null;
  updatedBy: string | null;
}

/** A project nobody configured: no limits, alerts at 80% and 100% of a spend cap, nothing stopped. */
export const DEFAULT_PROJECT_LIMITS: ProjectLimits = { policy: EMPTY_POLICY, alerts: { thresholds: [0.8, 1], webhookUrl: null }, stopped: false, stopReason: null, version: 0, updatedAt: null, updatedBy: null };

/**
 * Freezes a policy and everything in it: read on every request from a cache, it must never change in place, and the
 * quota guard keeps what it derives from a frozen one (which limits apply to whom) for as long as it is in use.
 */
export function freezePolicy(policy: LimitPolicy): LimitPolicy {
  for (const settings of [policy.project, policy.users.default, ...Object.values(policy.features), ...Object.values(policy.users.overrides)]) Object.freeze(settings);
  Object.freeze(policy.features);
  Object.freeze(policy.users.overrides);
  Object.freeze(policy.users);
  return Object.freeze(policy);
}

/** Where the quota guard and budget alerts read a project's limits: the database's store, or memory. */
export interface LimitPolicySource {
  get(projectId: string): Promise<ProjectLimits>;
}

/**
 * Limits kept in memory, per project: for tests and for hosts that configure limits in code.
 * @example
 * const limits = new MemoryLimitPolicySource({ default: { ...DEFAULT_PROJECT_LIMITS, policy: { ...EMPTY_POLICY, project: { requestsPerMinute: 60 } } } });
 */
export class MemoryLimitPolicySource implements LimitPolicySource {
  readonly #projects = new Map<string, ProjectLimits>();

  constructor(projects: Record<string, ProjectLimits> = {}) {
    for (const [projectId, limits] of Object.entries(projects)) this.#projects.set(projectId, limits);
  }

  async get(projectId: string): Promise<ProjectLimits> {
    return this.#projects.get(projectId) ?? DEFAULT_PROJECT_LIMITS;
  }

  set(projectId: string, limits: ProjectLimits): void {
    this.#projects.set(projectId, limits);
  }
}
