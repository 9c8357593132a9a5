import type { LimitStatus } from '@insforge/ai-protocol';
import { describe, expect, it } from 'vitest';
import { mockClient } from './mock-gateway.js';

const daily = (remaining: number): LimitStatus => ({ scope: 'user', target: 'user-ada', kind: 'spendPerDayUsd', limit: 1, used: 1 - remaining, remaining, resetsAt: '2026-05-02T00:00:00.000Z' });
const ask = (content: string) => ({ model: 'chat', messages: [{ role: 'user' as const, content }] });

describe('mock gateway: POST /api/ai/estimate', () => {
  it('estimates a chat by its length and the feature’s answer, and says whether the limits have room', async () => {
    const client = mockClient({ limits: [daily(0.001)] });
    const short = await client.chat.estimate(ask('When is the next tram?'));
    expect(short).toMatchObject({ feature: 'chat', admitted: true, blockedBy: null, stopped: false });
    expect(short.estimate.tokens).toBeGreaterThan(512);
    const long = await client.chat.estimate(ask('Tell me about the trams. '.repeat(2_000)));
    expect(long.estimate.costUsd).toBeGreaterThan(short.estimate.costUsd);
    expect(long).toMatchObject({ admitted: false, blockedBy: { kind: 'spendPerDayUsd' } });
  });

  it('refuses what the gateway refuses, naming the field', async () => {
    const client = mockClient();
    await expect(client.chat.estimate({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ code: 'model_not_found', param: 'model' });
    await expect(client.chat.estimate({ model: 'chat', messages: [] })).rejects.toMatchObject({ param: 'messages' });
  });
});
