/** The gateway's log output: one call per event, structured fields apart from the message. */
export interface GatewayLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines on stderr for warnings and errors; info is dropped unless `verbose`. */
export function consoleLogger(verbose = false): GatewayLogger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  return {
    info: (message, fields) => (verbose ? write('info', message, fields) : undefined),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** Anything shaped like an OpenRouter key, even one the gateway was never told about or only a part of one. */
const OPENROUTER_KEY_SHAPE = /sk-or-(?:v1-)?[A-Za-z0-9_-]{8,}/g;

/**
 * The secret part of a key: what follows an OpenRouter key's public `sk-or-v1-` (or `sk-or-`) prefix, or the whole
 * key when it has no such prefix or too little after it (fewer than 8 characters would match ordinary text).
 * @example
 * keySecret('sk-or-v1-0123456789abcdef'); // '0123456789abcdef'
 */
export function keySecret(key: string): string {
  const secret = key.replace(/^sk-or-(?:v1-)?/, '');
  return secret.length >= 8 ? secret : key;
}

/**
 * A text with anything shaped like an OpenRouter key replaced: for upstream text as it enters the gateway, before
 * any writer (which also removes the secrets it knows) sees it.
 * @example
 * withoutKeyShapes('bad key sk-or-v1-0123456789abcdef'); // 'bad key [redacted]'
 */
export function withoutKeyShapes(text: string): string {
  return text.includes('sk-or-') ? text.replace(OPENROUTER_KEY_SHAPE, '[redacted]') : text;
}

/**
 * A function that removes every secret the gateway knows (longer than 7 characters) and anything shaped like an
 * OpenRouter key from a text; for what reaches a log or a client. A secret is also found without its public `sk-or-v1-`
 * prefix and broken by white space or written line breaks (`\n`), as a provider's error message may wrap it.
 * @example
 * const redact = secretRedactor(() => [process.env.OPENROUTER_API_KEY]);
 * redact('upstream said: bad key sk-or-v1-abc…'); // 'upstream said: bad key [redacted]'
 */
export function secretRedactor(secrets: () => Array<string | undefined>): (text: string) => string {
  const patterns = new Map<string, RegExp>();
  return (text) => {
    let result = text;
    for (const secret of secrets()) {
      if (!secret || secret.length < 8) continue;
      if (result.includes(secret)) result = result.split(secret).join('[redacted]');
      result = result.replace(brokenSecretPattern(patterns, secret), '[redacted]');
    }
    return withoutKeyShapes(result);
  };
}

/** What follows an OpenRouter key's public prefix, with white space or a written line break allowed between its characters. */
function brokenSecretPattern(patterns: Map<string, RegExp>, secret: string): RegExp {
  let pattern = patterns.get(secret);
  if (pattern === undefined) {
    const characters = [...keySecret(secret)].map((character) => character.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'));
    pattern = new RegExp(characters.join('(?:\\s|\\\\[nrt])*'), 'g');
    if (patterns.size >= 1_000) patterns.clear();
    patterns.set(secret, pattern);
  }
  return pattern;
}

/**
 * Wraps a logger so no secret it is told about (the OpenRouter key, the admin token) can reach the output, even
 * inside an error's message or a field: defence in depth behind code that never logs them.
 */
export function redactingLogger(inner: GatewayLogger, secrets: () => Array<string | undefined>): GatewayLogger {
  const redact = secretRedactor(secrets);
  // Each string is redacted before JSON escapes it (a written `\n` becomes `\\n`, a quote `\"`, and the secret would no
  // longer be found); the JSON text once more after, for a secret in a field's name.
  const replacer = (key: string, value: unknown) => {
    const replaced = errorReplacer(key, value);
    return typeof replaced === 'string' ? redact(replaced) : replaced;
  };
  const clean = (fields?: Record<string, unknown>) => (fields ? (JSON.parse(redact(JSON.stringify(fields, replacer))) as Record<string, unknown>) : undefined);
  const wrap = (level: keyof GatewayLogger) => (message: string, fields?: Record<string, unknown>) => {
    const cleaned = clean(fields);
    inner[level](redact(message), ...(cleaned ? [cleaned] : []));
  };
  return { info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
