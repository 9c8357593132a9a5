#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';
import { SCENARIO_KNOBS } from './scenario.js';

const USAGE = `openrouter-emulator — an offline stand-in for OpenRouter's API

Usage: openrouter-emulator [--port 8787] [--host 127.0.0.1] [--key sk-or-v1-…] [--limit USD]
                           [--ttft MS] [--tps N] [--reply-tokens N] [--scenario KNOBS] [--tls [--ca-file FILE]] [--quiet]

  --port          port to listen on (default: $PORT or 8787; 0 picks a free one)
  --host          interface to bind (default 127.0.0.1)
  --key           accept this key (repeatable; default: a fresh key, printed at start)
  --limit         credit limit in USD of the keys given or generated (default: unlimited)
  --ttft, --tps   pace: time to first token in ms, tokens per second (default: as fast as possible)
  --reply-tokens  length of answers before max_tokens cuts them (default 48)
  --scenario      default scenario knobs for every request, e.g. "usage=b;keepalive=500"
  --tls           serve HTTPS with HTTP/2 (and HTTP/1.1), as OpenRouter does, on a fresh self-signed certificate
  --ca-file       where --tls writes that certificate for clients to trust, e.g. NODE_EXTRA_CA_CERTS=FILE
                  (default: openrouter-emulator-PORT.pem in the temporary directory)
  --quiet         no request log

Scenario knobs (also per request: header X-Emulator-Scenario, or a model suffix "model#knobs"):
  ${SCENARIO_KNOBS.join(', ')}`;

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string', multiple: true },
      limit: { type: 'string' },
      ttft: { type: 'string' },
      tps: { type: 'string' },
      'reply-tokens': { type: 'string' },
      scenario: { type: 'string' },
      tls: { type: 'boolean' },
      'ca-file': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const parsed = Number(text);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} needs a non-negative number, got "${text}"`);
    return parsed;
  };
  const limit = number('limit', values.limit) ?? null;
  const pace = [
    values.ttft !== undefined ? `ttft=${number('ttft', values.ttft)}` : '',
    values.tps !== undefined ? `tps=${number('tps', values.tps)}` : '',
    values['reply-tokens'] !== undefined ? `tokens=${number('reply-tokens', values['reply-tokens'])}` : '',
    values.scenario ?? '',
  ].filter(Boolean).join(';');
  const keys = (values.key ?? [undefined]).map((key) => ({ ...(key ? { key } : {}), limit }));
  startEmulator({
    port: number('port', values.port ?? process.env['PORT']) ?? 8787,
    host: values.host ?? '127.0.0.1',
    keys,
    scenario: pace,
    tls: values.tls ?? false,
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  }).then(
    (emulator) => {
      console.log(`OpenRouter emulator listening on ${emulator.url}`);
      console.log(`API key: ${emulator.apiKey}`);
      let cacert = '';
      if (emulator.ca) {
        const caFile = values['ca-file'] ?? join(tmpdir(), `openrouter-emulator-${emulator.port}.pem`);
        writeFileSync(caFile, emulator.ca);
        console.log(`Certificate: ${caFile} (trust it, e.g. NODE_EXTRA_CA_CERTS=${caFile})`);
        cacert = `--cacert ${caFile} `;
      }
      console.log(`Try: curl ${cacert}${emulator.url}/chat/completions -H "Authorization: Bearer ${emulator.apiKey}" -H "Content-Type: application/json" -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`);
      const stop = () => void emulator.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(`openrouter-emulator: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

try {
  main();
} catch (error) {
  console.error(`openrouter-emulator: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
