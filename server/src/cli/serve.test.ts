import { execFile, execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { openGatewayStores } from '../store/gateway-stores.js';
import type { CliIo } from './cli-io.js';
import { runCli } from './run.js';
import { serve, type ServeHandle } from './serve.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const run = promisify(execFile);
const UPSTREAM_KEY = generateKey();
const CLIENT_KEY = 'ik_cli_client_key_0123456789';
const FEATURES = [
  { name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'You are the Acme assistant.', params: { temperature: 0.5, max_tokens: 512 } },
  { name: 'code', model: 'anthropic/claude-sonnet-4', systemPrompt: 'You write TypeScript.' },
];
const ENV = { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY };

let emulator: Emulator;
let featuresFile: string;

const inDirectory = useTemporaryDirectory('insforge-ai-cli-');
beforeAll(async () => {
  emulator = await startEmulator({ keys: [UPSTREAM_KEY] });
  featuresFile = inDirectory('features.json');
  await writeFile(featuresFile, JSON.stringify(FEATURES));
});
afterAll(async () => {
  await emulator?.close();
});

function recordingIo(): CliIo & { out: (line: string) => void; lines: string[]; text: () => string } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: (line) => lines.push(line), text: () => lines.join('\n') };
}

/** The README's curl example, run with the real curl binary. */
async function curlChat(url: string, content: string): Promise<{ id: string; model: string; choices: Array<{ message: { content: string } }> }> {
  const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] });
  const { stdout } = await run('curl', ['-sS', '--fail-with-body', `${url}/v1/chat/completions`, '-H', `Authorization: Bearer ${CLIENT_KEY}`, '-H', 'Content-Type: application/json', '-d', body]);
  return JSON.parse(stdout) as Awaited<ReturnType<typeof curlChat>>;
}

describe('insforge-ai serve --upstream <emulator>', () => {
  let server: ServeHandle;
  const io = recordingIo();
  beforeAll(async () => {
    expect(() => execFileSync('curl', ['--version']), 'these tests run the real curl binary; install curl').not.toThrow();
    server = await serve(['--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', ':memory:', '--referer', 'https://acme.example', '--title', 'Acme'], ENV, io);
  });
  afterAll(() => server?.close());

  it('prints the URL it listens on and the routes', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(io.lines[0]).toBe(`InsForge AI gateway listening on ${server.url}`);
    expect(io.text()).toMatch(/POST\s+\/v1\/chat\/completions/);
    expect(io.text()).toContain('chat (text: openai/gpt-4o-mini)');
    expect(io.text()).toContain('OpenRouter key set');
  });

  it('answers curl through the feature in the features file, with its system prompt first upstream', async () => {
    const completion = await curlChat(server.url, 'Hello from curl');
    expect(completion.choices[0]?.message.content).toContain('Hello from curl');
    expect(completion.model).toBe('openai/gpt-4o-mini');
    const probe = emulator.probe(completion.id)!;
    const messages = (probe.request as { messages: Array<{ role: string; content: string }> }).messages;
    expect(messages[0]).toEqual({ role: 'system', content: 'You are the Acme assistant.' });
    expect(probe.headers['http-referer']).toBe('https://acme.example');
    expect(probe.headers['x-title']).toBe('Acme');
  });

  it('streams a chat to the openai SDK', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Stream to the SDK' }] });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toContain('Stream to the SDK');
  });

  it('rejects a client without the client key', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'ik_wrong_key_0123456789', maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({ status: 401 });
  });

  it('never prints the OpenRouter key or the client key', () => {
    expect(io.lines.length).toBeGreaterThan(3);
    expect(io.text()).not.toContain(UPSTREAM_KEY);
    expect(io.text()).not.toContain(CLIENT_KEY);
  });
});

describe('insforge-ai serve: refusing to start', () => {
  async function failure(argv: string[], env: Record<string, string> = ENV) {
    const io = recordingIo();
    const result = await runCli(argv, env, io);
    if (typeof result !== 'number') {
      await result.close();
      throw new Error('the command started a server');
    }
    return { exitCode: result, output: io.text() };
  }

  it('names the feature index and field of a bad features file, exit code 1', async () => {
    const bad = inDirectory('bad-features.json');
    await writeFile(bad, JSON.stringify([FEATURES[0], { name: 'code', model: 'x/y', params: { temperature: 7 } }]));
    const { exitCode, output } = await failure(['serve', '--port', '0', '--features', bad]);
    expect(exitCode).toBe(1);
    expect(output).toContain(`insforge-ai serve: the features file ${bad}: feature [1] ("code"): invalid feature: params.temperature:`);
  });

  it('says what is wrong with a features file that is not JSON, not an array or repeats a name', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"name": ', /is not valid JSON/],
      ['{"name":"chat","model":"a/b"}', /must hold a JSON array of features/],
      [JSON.stringify([FEATURES[0], FEATURES[0]]), /feature \[1\] is named "chat" like feature \[0\]/],
    ];
    for (const [text, message] of cases) {
      const file = inDirectory('case.json');
      await writeFile(file, text);
      const { exitCode, output } = await failure(['serve', '--port', '0', '--features', file]);
      expect(exitCode).toBe(1);
      expect(output).toMatch(message);
    }
    const missing = await failure(['serve', '--features', inDirectory('absent.json')]);
    expect(missing).toMatchObject({ exitCode: 1, output: expect.stringContaining('no such file') });
  });

  it('exits 2 with a clear message on an unknown command, flag or bad flag value', async () => {
    expect(await failure(['srve'])).toMatchObject({ exitCode: 2, output: expect.stringContaining('unknown command "srve"') });
    expect(await failure(['serve', '--prot', '80'])).toMatchObject({ exitCode: 2, output: expect.stringContaining('unknown option --prot') });
    expect(await failure(['serve', '--port', 'eighty'])).toMatchObject({ exitCode: 2, output: expect.stringContaining('--port must be a port number') });
    expect(await failure(['serve', '--upstream', 'openrouter.ai'])).toMatchObject({ exitCode: 2, output: expect.stringContaining('--upstream must be an http(s) URL') });
    // The URL's password stays out of the message, for a URL of another scheme or one a password with a `/` breaks.
    for (const upstream of ['ftp://proxy:hunter2pass@proxy.internal/api/v1', 'https://proxy:hunter2/pass@proxy.internal/api/v1']) {
      const refused = await failure(['serve', '--upstream', upstream]);
      expect(refused).toMatchObject({ exitCode: 2, output: expect.stringContaining('--upstream must be an http(s) URL') });
      expect(refused.output).not.toContain('hunter2');
    }
    expect(await failure(['serve'], { ...ENV, PORT: '99999' })).toMatchObject({ exitCode: 2, output: expect.stringContaining('PORT must be a port number') });
    expect(await failure(['serve', '--port', '0'], { INSFORGE_AI_ADMIN_TOKEN: 'short' })).toMatchObject({ exitCode: 2, output: expect.stringContaining('INSFORGE_AI_ADMIN_TOKEN must be at least 16') });
    // Read from a file with its newline, say: no client could send it, and every one would get 401.
    for (const variable of ['INSFORGE_AI_CLIENT_KEY', 'INSFORGE_AI_ADMIN_TOKEN']) {
      expect(await failure(['serve', '--port', '0'], { [variable]: 'ik_0123456789abcdef_key\n' })).toMatchObject({ exitCode: 2, output: expect.stringContaining(`${variable} must be one word without white space`) });
    }
  });

  it('refuses an empty --host or --metrics-host instead of listening on every interface', async () => {
    // Node binds an empty host to every interface: `--host "$HOST"` with HOST unset would expose the gateway.
    for (const argv of [['--host', ''], ['--host', '  '], ['--metrics-port', '0', '--metrics-host', '']]) {
      const { exitCode, output } = await failure(['serve', '--port', '0', '--database', ':memory:', ...argv]);
      expect(exitCode, argv.join(' ')).toBe(2);
      expect(output).toMatch(/--(metrics-)?host must name an interface/);
    }
  });

  it('shows help with exit code 0', async () => {
    const io = recordingIo();
    expect(await runCli(['serve', '--help'], {}, io)).toBe(0);
    expect(io.text()).toContain('Usage: insforge-ai serve');
    expect(io.text()).toContain('INSFORGE_AI_CLIENT_KEY');
  });
});

describe('insforge-ai serve without a client key', () => {
  it('warns that no client can call it, and indeed answers 401', async () => {
    const io = recordingIo();
    const server = await serve(['--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', ':memory:'], { OPENROUTER_API_KEY: UPSTREAM_KEY }, io);
    try {
      expect(io.text()).toMatch(/warning: INSFORGE_AI_CLIENT_KEY is not set .* no client can call the API/);
      const response = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('insforge-ai serve with keys made by "keys create"', () => {
  it('counts them on start instead of warning that no client can call it, and they are let in', async () => {
    const database = inDirectory('stored-keys.db');
    const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
    let key: string;
    try {
      key = (await stores.clientKeys.create('default', { label: 'web app' }, 'cli')).key;
      const revoked = await stores.clientKeys.create('acme', { label: 'old' }, 'cli');
      await stores.clientKeys.revoke('acme', revoked.record.id, 'cli');
    } finally {
      await stores.close();
    }
    const io = recordingIo();
    const server = await serve(['--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', database], { OPENROUTER_API_KEY: UPSTREAM_KEY }, io);
    try {
      expect(io.text()).not.toMatch(/no client can call the API/);
      expect(io.lines).toContain('  stored keys   1 client key in the database (insforge-ai keys list)');
      const response = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }] }) });
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('insforge-ai serve and Redis', () => {
  const start = async (flags: string[], env: Record<string, string> = {}) => {
    const io = recordingIo();
    const server = await serve(['--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', ':memory:', ...flags], { ...ENV, ...env }, io);
    return { io, server };
  };

  it('says limits are counted in this process without Redis', async () => {
    const { io, server } = await start([]);
    try {
      expect(io.lines).toContain('  limits        counted in this process (give --redis to share them between instances)');
      expect(io.text()).not.toMatch(/Redis/);
    } finally {
      await server.close();
    }
  });

  it('names the Redis it shares limits, the cache and batch jobs through, and that it answers', async () => {
    const { io, server } = await start(['--redis', 'redis://127.0.0.1:6379', '--redis-prefix', 'serve-banner-test:']);
    try {
      expect(io.lines).toContain('  redis         redis://127.0.0.1:6379 for limits, the response cache and batch jobs (keys serve-banner-test:…), answering');
      expect(io.text()).not.toMatch(/warning: Redis/);
    } finally {
      await server.close();
    }
  });

  it('starts when Redis does not answer, and says so in the banner and a warning with what clients get, without its password', async () => {
    const { io, server } = await start([], { REDIS_URL: 'redis://:s3cret-redis-pw@127.0.0.1:1' });
    try {
      expect(io.lines).toContain('  redis         redis://127.0.0.1:1 for limits, the response cache and batch jobs (keys insforge-ai:quota:…), NOT answering');
      expect(io.text()).toMatch(/warning: Redis at redis:\/\/127\.0\.0\.1:1 does not answer \(.+\)\. Until it does, requests under a limit get 503 \(--limits-on-redis-failure fail-closed\), answers are not cached and new batch jobs get 503\./);
      expect(io.text()).not.toContain('s3cret-redis-pw');
      // It serves all the same: this request is under no limit.
      const response = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('says limits are counted in this process meanwhile when it fails open', async () => {
    const { io, server } = await start(['--redis', 'redis://127.0.0.1:1', '--limits-on-redis-failure', 'fail-open']);
    try {
      expect(io.text()).toMatch(/Until it does, limits are counted in this process alone \(--limits-on-redis-failure fail-open\), answers are not cached and new batch jobs get 503\./);
    } finally {
      await server.close();
    }
  });
});

describe('insforge-ai serve and its database', () => {
  it('says where it created a new database', async () => {
    const io = recordingIo();
    const database = inDirectory('new', 'ai.db');
    const server = await serve(['--port', '0', '--upstream', emulator.url, '--database', database], ENV, io);
    try {
      expect(io.lines).toContain(`  database      ${database} (created just now)`);
    } finally {
      await server.close();
    }
    const again = recordingIo();
    const restarted = await serve(['--port', '0', '--upstream', emulator.url, '--database', database], ENV, again);
    await restarted.close();
    expect(again.lines).toContain(`  database      ${database}`);
  });

  it('says which features and which OpenRouter key it serves when they come from the database, not the command line', async () => {
    const database = inDirectory('stored.db');
    const adminToken = 'ik_cli_admin_token_0123456789';
    const masterKey = Buffer.alloc(32, 7).toString('base64');
    const first = await serve(['--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', database], { ...ENV, INSFORGE_AI_ADMIN_TOKEN: adminToken, INSFORGE_AI_ENCRYPTION_KEY: masterKey }, recordingIo());
    try {
      const stored = await fetch(`${first.url}/api/ai/provider-key`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: UPSTREAM_KEY }) });
      expect(stored.status, await stored.clone().text()).toBe(200);
    } finally {
      await first.close();
    }
    const masked = `${UPSTREAM_KEY.slice(0, 6)}…${UPSTREAM_KEY.slice(-4)}`;
    // Neither --features nor OPENROUTER_API_KEY: the database's features and key serve.
    const again = recordingIo();
    const restarted = await serve(['--port', '0', '--upstream', emulator.url, '--database', database], { INSFORGE_AI_CLIENT_KEY: CLIENT_KEY, INSFORGE_AI_ENCRYPTION_KEY: masterKey }, again);
    try {
      expect(again.lines).toContain('  features      chat (text: openai/gpt-4o-mini), code (text: anthropic/claude-sonnet-4)');
      expect(again.text()).toContain(`(stored OpenRouter key ${masked})`);
      expect(again.text()).not.toContain('warning');
      expect((await curlChat(restarted.url, 'Hello')).choices[0]?.message.content).toBeTruthy();
    } finally {
      await restarted.close();
    }
    // A master key that cannot decrypt it: said at start, not only by the 503s.
    const wrongKey = recordingIo();
    const locked = await serve(['--port', '0', '--upstream', emulator.url, '--database', database], { ...ENV, INSFORGE_AI_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') }, wrongKey);
    await locked.close();
    expect(wrongKey.text()).toContain(`(stored OpenRouter key ${masked}, which cannot be decrypted)`);
    expect(wrongKey.text()).toMatch(/warning: The stored OpenRouter key cannot be decrypted: .*INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS.* every AI request gets 503/);
    expect(wrongKey.text()).not.toContain(UPSTREAM_KEY);
  });

  it('starts on a database a newer version migrated further, and warns that this instance wants upgrading', async () => {
    const database = inDirectory('migrated-further.db');
    await (await serve(['--port', '0', '--upstream', emulator.url, '--database', database], ENV, recordingIo())).close();
    const sqlite = new Database(database);
    sqlite.prepare("insert into insforge_ai_migrations (name, timestamp) values ('9999-from-a-newer-version', '2027-01-01T00:00:00.000Z')").run();
    sqlite.close();
    const io = recordingIo();
    const server = await serve(['--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', database], ENV, io);
    try {
      expect(io.text()).toMatch(/a newer version of @insforge\/ai-server migrated this database further \(9999-from-a-newer-version\).*upgrade it/);
      expect((await curlChat(server.url, 'Hello')).choices[0]?.message.content).toBeTruthy();
    } finally {
      await server.close();
    }
  });

  it('starts with a features file whose blocklist pattern a stricter check now refuses, warning, and refuses only texts it cannot screen in time', async () => {
    const file = inDirectory('older-features.json');
    const older = [...FEATURES, { name: 'guarded', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'input', patterns: ['secret\\d+', '(a{1,20}){1,20}!'] }] }];
    await writeFile(file, JSON.stringify(older));
    const database = inDirectory('older', 'ai.db');
    // A fresh database (the feature is created from the file), then the same one again (it exists already).
    for (const start of ['created', 'existing']) {
      const io = recordingIo();
      const server = await serve(['--port', '0', '--upstream', emulator.url, '--features', file, '--database', database], ENV, io);
      try {
        expect(io.text(), start).toContain('feature \\"guarded\\": guardrails.0.patterns.1: the pattern \\"(a{1,20}){1,20}!\\" is refused');
        const send = (content: string) => fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'guarded', messages: [{ role: 'user', content }] }) });
        expect((await send('my secret42')).status).toBe(403);
        expect((await send('a'.repeat(27))).status).toBe(503);
        expect((await send('hello')).status).toBe(200);
      } finally {
        await server.close();
      }
    }
  });

  it('exits 1 on an unknown database scheme, before creating anything, and prints no password', async () => {
    const io = recordingIo();
    const before = readdirSync(process.cwd());
    expect(await runCli(['serve', '--port', '0', '--database', 'mysql://root:hunter2pass@db.internal/ai'], ENV, io)).toBe(1);
    expect(io.text()).toBe('insforge-ai serve: unsupported database "mysql:" in mysql://db.internal/ai: use a postgres:// URL or a SQLite file path');
    expect(readdirSync(process.cwd())).toEqual(before);
  });

  it('calls an unreachable Postgres server "could not connect" in one line, without the password', async () => {
    const io = recordingIo();
    expect(await runCli(['serve', '--port', '0', '--upstream', emulator.url, '--database', 'postgres://nobody:hunter2pass@127.0.0.1:1/ai'], ENV, io)).toBe(1);
    // One line, said once: not again as a JSON log line with a stack trace.
    expect(io.lines).toEqual([expect.stringMatching(/^insforge-ai serve: could not connect to postgres:\/\/127\.0\.0\.1:1\/ai: .*ECONNREFUSED/)]);
    expect(io.text()).not.toMatch(/hunter2pass|migration/);
    // Nothing was ever in flight: no warning sends the operator looking for requests another instance must record.
    expect(io.text()).not.toMatch(/in flight/);
  });
});

describe('the insforge-ai bin', () => {
  it('starts as a real process, answers curl, and shuts down on SIGTERM', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0', '--upstream', emulator.url, '--features', featuresFile, '--database', ':memory:'], {
      cwd: root,
      env: { ...process.env, ...ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (data: Buffer) => {
          output += data.toString('utf8');
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]!);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then((code) => reject(new Error(`insforge-ai exited with ${code} before listening:\n${output}`)));
      });
      const completion = await curlChat(url, 'Hello from the bin');
      expect(completion.choices[0]?.message.content).toContain('Hello from the bin');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('SIGTERM: shutting down');
      expect(output).not.toContain(UPSTREAM_KEY);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
