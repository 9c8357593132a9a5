import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { InstanceConnections } from './instance-connections.js';

const PREFIX = `test:instance-connections:${randomUUID()}:`;
afterAll(() => deleteRedisKeys(PREFIX));

describe('InstanceConnections', () => {
  // An admin's tool (`insforge-ai mcp`) serves no request: listed, it would look like one more serving instance.
  it('lists the instances that report, but not one that only reads', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const idle = () => 0;
    const serving = new InstanceConnections({ requestsInFlight: idle, streamsInFlight: idle, redis, keyPrefix: PREFIX });
    const reader = new InstanceConnections({ requestsInFlight: idle, streamsInFlight: idle, redis, keyPrefix: PREFIX, report: false });
    try {
      await serving.report();
      await reader.report();
      const seen = await serving.list();
      expect(seen.instances.map((instance) => instance.instanceId)).toEqual([serving.instanceId]);
      expect((await reader.list()).instances.map((instance) => instance.instanceId)).toEqual([reader.instanceId, serving.instanceId]);
    } finally {
      await reader.close();
      await serving.close();
      redis.disconnect();
    }
  });
});
