import type { MeteredRequest } from '../gateway/metered-request.js';

/**
 * What one request's moderation calls may spend without reserving more: the share of its reservation its estimate set
 * aside for them (`QuotaEstimate.guardrailCostUsd`), then whatever each call past it reserved. The estimate counts the
 * calls of an answer at four characters a token, so a stream whose tokens are longer (runs of spaces, long words,
 * reasoning that comes again as its details) makes more calls than it covers; before each call, the allowance makes
 * sure what was spent so far plus the call's worst case is reserved, so no call is made that a spend cap did not
 * reserve.
 * @example
 * const allowance = new ModerationAllowance(meter);
 * await allowance.cover(worstCaseUsd); // throws the cap's 402 when it has no room
 */
export class ModerationAllowance {
  #reservedUsd: number;

  constructor(private readonly meter: Pick<MeteredRequest, 'estimate' | 'reserveMore' | 'recordFields'>) {
    this.#reservedUsd = meter.estimate?.guardrailCostUsd ?? 0;
  }

  /**
   * Before a call whose attempts may cost `worstCaseUsd` at most: reserves what the request's reservation lacks for it
   * against its spend caps (`MeteredRequest.reserveMore`), or throws their refusal.
   */
  async cover(worstCaseUsd: number): Promise<void> {
    // What the guardrails spent is counted as it comes (`Moderate`'s `spent`), at a call's worst case when unknown.
    const spentUsd = this.meter.recordFields.guardrailCostUsd ?? 0;
    const lackingUsd = spentUsd + worstCaseUsd - this.#reservedUsd;
    if (lackingUsd <= 0) return;
    await this.meter.reserveMore(lackingUsd);
    this.#reservedUsd += lackingUsd;
  }
}
