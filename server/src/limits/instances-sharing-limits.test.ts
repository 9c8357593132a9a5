import { describe, expect, it } from 'vitest';
import { InstancesSharingLimits } from './instances-sharing-limits.js';

const recordingLogger = () => {
  const warnings: string[] = [];
  return { warnings, logger: { info: () => undefined, warn: (message: string) => void warnings.push(message), error: () => undefined } };
};

describe('instances that each count limits in process', () => {
  it('warns once the count grows past one, and says so in the health note while it lasts', () => {
    const { warnings, logger } = recordingLogger();
    const sharing = new InstancesSharingLimits(true, logger);
    sharing.heard(1);
    expect(warnings).toEqual([]);
    expect(sharing.note()).toBeUndefined();
    sharing.heard(2);
    sharing.heard(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2 gateway instances share this database.*up to 2 times.*REDIS_URL/);
    expect(sharing.note()).toMatch(/2 instances .* REDIS_URL/);
    sharing.heard(3);
    expect(warnings).toHaveLength(2);
    sharing.heard(1);
    expect(sharing.note()).toBeUndefined();
  });

  it('says nothing when limits are counted in a shared store', () => {
    const { warnings, logger } = recordingLogger();
    const sharing = new InstancesSharingLimits(false, logger);
    sharing.heard(4);
    expect(warnings).toEqual([]);
    expect(sharing.note()).toBeUndefined();
  });
});
