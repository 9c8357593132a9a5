import { randomBytes } from 'node:crypto';

export interface KeyOptions {
  /** The secret; a fresh `sk-or-v1-<64 hex>` when absent. */
  key?: string;
  label?: string;
  /** Credit limit in USD; `null` or absent means unlimited. */
  limit?: number | null;
  /** USD already spent when the key is created. */
  usage?: number;
  isFreeTier?: boolean;
  /** A management key: reads the account (`/credits`) but runs no model (chat, embeddings and images answer 401), as on OpenRouter. */
  management?: boolean;
}

/** An account key and what it has spent; amounts in USD. */
export interface KeyAccount {
  readonly key: string;
  label: string;
  limit: number | null;
  usage: number;
  usageDaily: number;
  usageWeekly: number;
  usageMonthly: number;
  isFreeTier: boolean;
  isManagementKey: boolean;
}

/** USD bought on the emulated account unless the options say otherwise. */
export const DEFAULT_PURCHASED_CREDITS = 100;

/** Makes a key in OpenRouter's format. */
export function generateKey(): string {
  return `sk-or-v1-${randomBytes(32).toString('hex')}`;
}

/** OpenRouter labels keys with a masked form of the secret, e.g. `sk-or-v1-0e6...1c9`. */
export function maskKey(key: string): string {
  return key.length <= 16 ? `${key.slice(0, 4)}...` : `${key.slice(0, 12)}...${key.slice(-3)}`;
}

/** The keys the emulator accepts, with their credit and spend. */
export class KeyRegistry {
  readonly #accounts = new Map<string, KeyAccount>();

  /** @param purchasedCredits USD bought on the account, `total_credits` of `GET /credits`. */
  constructor(readonly purchasedCredits = DEFAULT_PURCHASED_CREDITS) {}

  add(options: KeyOptions = {}): KeyAccount {
    const key = options.key ?? generateKey();
    const usage = options.usage ?? 0;
    const account: KeyAccount = {
      key,
      label: options.label ?? maskKey(key),
      limit: options.limit ?? null,
      usage,
      usageDaily: usage,
      usageWeekly: usage,
      usageMonthly: usage,
      isFreeTier: options.isFreeTier ?? false,
      isManagementKey: options.management ?? false,
    };
    this.#accounts.set(key, account);
    return account;
  }

  get(key: string): KeyAccount | undefined {
    return this.#accounts.get(key);
  }

  /** The accepted secrets, in the order they were added. */
  secrets(): IterableIterator<string> {
    return this.#accounts.keys();
  }

  remove(key: string): boolean {
    return this.#accounts.delete(key);
  }

  /** Credit left, or `Infinity` for a key without a limit. */
  remaining(account: KeyAccount): number {
    return account.limit === null ? Infinity : Math.max(0, account.limit - account.usage);
  }

  charge(account: KeyAccount, cost: number): void {
    account.usage += cost;
    account.usageDaily += cost;
    account.usageWeekly += cost;
    account.usageMonthly += cost;
  }

  /** The `data` of `GET /credits`: what the account bought, and what all its keys spent. */
  credits() {
    let totalUsage = 0;
    for (const account of this.#accounts.values()) totalUsage += account.usage;
    return { total_credits: this.purchasedCredits, total_usage: totalUsage };
  }

  /** The `data` of `GET /key`. */
  describe(account: KeyAccount) {
    const remaining = account.limit === null ? null : this.remaining(account);
    return {
      label: account.label,
      limit: account.limit,
      limit_reset: null,
      limit_remaining: remaining,
      include_byok_in_limit: false,
      usage: account.usage,
      usage_daily: account.usageDaily,
      usage_weekly: account.usageWeekly,
      usage_monthly: account.usageMonthly,
      byok_usage: 0,
      byok_usage_daily: 0,
      byok_usage_weekly: 0,
      byok_usage_monthly: 0,
      is_free_tier: account.isFreeTier,
      is_management_key: account.isManagementKey,
      is_provisioning_key: account.isManagementKey,
      expires_at: null,
      allowed_data_regions: ['global'],
      creator_user_id: null,
      organization_id: null,
      workspace_id: null,
      free_model_daily_requests: { limit: 50, remaining: 50, used: 0 },
      rate_limit: { requests: -1, interval: '10s', note: 'This field is deprecated and safe to ignore.' },
    };
  }
}
