import { beforeAll, describe, expect, it } from 'vitest';
import { openGatewayStores } from '../store/gateway-stores.js';
import { runCapturedCli } from '../../test/captured-cli.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

let database: string;

const inDirectory = useTemporaryDirectory('insforge-ai-guardrails-');
beforeAll(async () => {
  database = inDirectory('ai.db');
  await (await openGatewayStores({ database, defaultProjectId: 'default' })).close();
});

async function cli(argv: string[], stdin: string) {
  const { exitCode, out, err } = await runCapturedCli(argv, { DATABASE_URL: database }, stdin);
  return { exitCode, out: out.join('\n'), err: err.join('\n') };
}

describe('insforge-ai features set with a cache and guardrails', () => {
  it('saves them, says what changed, and refuses a blocklist pattern that can backtrack catastrophically', async () => {
    const feature = { name: 'support', model: 'openai/gpt-4o-mini', params: { temperature: 0 } };
    expect((await cli(['features', 'set', '-'], JSON.stringify(feature))).exitCode).toBe(0);
    const guarded = { ...feature, cache: { enabled: true, ttlSeconds: 600 }, guardrails: [{ type: 'pii', mode: 'redact' }, { type: 'moderation', stage: 'both' }], guardrailMessage: 'Please keep it civil.' };
    const updated = await cli(['features', 'set', '-'], JSON.stringify(guarded));
    expect(updated.exitCode).toBe(0);
    expect(updated.out).toContain('support: updated to version 2 (cache changed; guardrails changed; guardrailMessage changed)');
    const got = await cli(['features', 'get', 'support'], '');
    expect(JSON.parse(got.out)).toMatchObject({ cache: { enabled: true, ttlSeconds: 600 }, guardrails: [{ type: 'pii', mode: 'redact', stage: 'input' }, { type: 'moderation', stage: 'both', model: 'meta-llama/llama-guard-4-12b' }] });

    const unsafe = await cli(['features', 'set', '-'], JSON.stringify({ ...feature, guardrails: [{ type: 'blocklist', patterns: ['(a|aa)+$'] }] }));
    expect(unsafe.exitCode).not.toBe(0);
    expect(unsafe.err).toContain('guardrails.0.patterns.0');
    expect(unsafe.err).toContain('backtrack catastrophically');
  });
});
