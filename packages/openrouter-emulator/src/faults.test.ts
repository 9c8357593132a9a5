import { describe, expect, it } from 'vitest';
import { startEmulator } from './server.js';

describe('the echo-auth knob', () => {
  it("repeats the request's Authorization header in status errors, error bodies and mid-stream errors, and only when asked", async () => {
    const emulator = await startEmulator();
    try {
      const chat = async (scenario: string, stream = false) => {
        const response = await fetch(`${emulator.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json', 'x-emulator-scenario': scenario },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] }),
        });
        return response.text();
      };
      for (const [scenario, stream] of [['status=400', false], ['status=500', false], ['error-body', false], ['error-after=1', true]] as const) {
        expect(await chat(`echo-auth;${scenario}`, stream), scenario).toContain(`Authorization: Bearer ${emulator.apiKey}`);
        expect(await chat(scenario, stream), scenario).not.toContain(emulator.apiKey);
      }
    } finally {
      await emulator.close();
    }
  });
});

describe('the status knob', () => {
  it('refuses a status HTTP cannot carry with a 400 naming the knob, and goes on serving', async () => {
    const emulator = await startEmulator();
    try {
      const chat = (scenario: string) =>
        fetch(`${emulator.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json', 'x-emulator-scenario': scenario },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const refused = await chat('status=1000');
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('status');
      const rule = await fetch(`${emulator.origin}/_emulator/rules`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match: {}, scenario: 'status=700' }) });
      expect(rule.status).toBe(400);
      expect((await chat('ttft=0')).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});
