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

/**
 * Wraps a logger so no secret it is told about (the OpenRouter key, the admin token) can reach the output, even
 * inside an error's message or a field: defence in depth behind code that never logs them.
 */
export function redactingLogger(inner: GatewayLogger, secrets: () => Array<string | undefined>): GatewayLogger {
  const redact = (text: string) => {
    let result = text;
    for (const secret of secrets()) if (secret && secret.length >= 8) result = result.split(secret).join('[redacted]');
    return result;
  };
  const clean = (fields?: Record<string, unknown>) => (fields ? (JSON.parse(redact(JSON.stringify(fields, errorReplacer))) as Record<string, unknown>) : undefined);
  const wrap = (level: keyof GatewayLogger) => (message: string, fields?: Record<string, unknown>) => {
    const cleaned = clean(fields);
    inner[level](redact(message), ...(cleaned ? [cleaned] : []));
  };
  return { info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
