import { randomBytes } from 'node:crypto';
import { createAdminToolGateway, type AiGateway } from '../create-ai-gateway.js';
import { OPENROUTER_BASE_URL } from '../upstream/openrouter-client.js';
import { CliError } from './cli-error.js';
import { jsonLinesLogger, type CliIo } from './cli-io.js';
import { STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores } from './cli-stores.js';
import type { RunningCommand } from './run.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs } from './subcommand.js';

export const MCP_USAGE = `Usage: insforge-ai mcp [options]

Runs the gateway's MCP server over stdio, as the admin of the project, for an MCP client (Claude Desktop, an IDE,
an agent) that starts it as a command. Tools: usage_summary, usage_list, limits_get, request_explain,
features_list, feature_get, feature_history, feature_set, model_health, errors_list, emergency_stop. Resources:
insforge-ai://features, insforge-ai://limits/policy. Only MCP messages go to stdout; logs go to stderr.

Options:
${STORE_OPTIONS_HELP}
  --redis URL      read circuits and the error log shared by the gateway's instances (default: $REDIS_URL)
  --verbose        info-level logs on stderr as well as warnings and errors
  -h, --help       show this help`;

/** How long requests still being answered when stdin ends may take before the process exits without them. */
const STDIN_END_GRACE_MS = 30_000;
const NEWLINE = 0x0a;

/**
 * `insforge-ai mcp`: the MCP server on stdin/stdout over an existing gateway database. Its tools call the gateway's
 * API in-process as an admin of `--project`, with a token made for this process only.
 * @example
 * const running = await mcpCommand(['--database', 'postgres://…'], process.env, processIo);
 */
export async function mcpCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<RunningCommand> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, redis: { type: 'string' }, verbose: { type: 'boolean' } });
  expectPositionals(positionals, [], 'mcp');
  const target = storeTarget(values, env);
  // Fails with the CLI's message when the database does not exist: only migrate and serve create one.
  await withGatewayStores(target, async () => undefined);
  const token = randomBytes(32).toString('base64url');
  const redisUrl = values.redis ?? (env['REDIS_URL'] || undefined);
  let gateway: AiGateway;
  try {
    // Not a serving instance: it must not count among the instances on the database, or report its connections.
    gateway = createAdminToolGateway({
      ...(target.database !== undefined ? { database: target.database } : {}),
      // An admin's tool: a database it cannot open is an error to show now, not a wait.
      databaseRetry: false,
      defaultProjectId: target.projectId,
      clientKeys: [{ key: token, role: 'admin', projectId: target.projectId, id: 'mcp-stdio' }],
      upstream: { baseUrl: env['OPENROUTER_BASE_URL'] || OPENROUTER_BASE_URL, apiKey: env['OPENROUTER_API_KEY'] ?? '' },
      limits: redisUrl ? { redisUrl } : {},
      // An admin's tool, often started on a laptop against the shared database: it must not take the project's batch
      // jobs and send their items with this environment's key (or none).
      jobs: { worker: false },
      logger: jsonLinesLogger(io, values.verbose ?? false),
    });
    await gateway.ready;
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 1, { cause: error });
  }
  // The MCP SDK loads when this command runs, not with every other command of the CLI.
  const [{ StdioServerTransport }, { inProcessGatewayApi }, { createGatewayMcpServer }, { connectGatewayMcp }, { trackUnansweredRequests }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('../mcp/gateway-api.js'),
    import('../mcp/gateway-mcp-server.js'),
    import('../mcp/json-rpc-edges.js'),
    import('../mcp/unanswered-requests.js'),
  ]);
  const server = createGatewayMcpServer(inProcessGatewayApi(gateway.router, { authorization: `Bearer ${token}` }));
  const transport = new StdioServerTransport();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await server.close();
      await gateway.close();
    })());
  await connectGatewayMcp(server, transport, { answerUnreadableLines: true });
  const unanswered = trackUnansweredRequests(transport);
  // Whether the input so far ends inside a line, which the SDK's reader (a message at each newline) holds back.
  let endsInsideLine = false;
  process.stdin.on('data', (chunk: Buffer) => {
    if (chunk.length > 0) endsInsideLine = chunk[chunk.length - 1] !== NEWLINE;
  });
  // The client closing our stdin is how an MCP host ends a stdio server; what it asked before that is answered first.
  process.stdin.once('end', () => {
    // A last line without its newline (`printf '%s' "$message" | insforge-ai mcp`) is read as a line: answered as a
    // message, or -32700 when it was cut short, rather than dropped without a word.
    if (endsInsideLine) process.stdin.emit('data', Buffer.from('\n'));
    void unanswered.answered(STDIN_END_GRACE_MS).then(close).then(() => process.exit(0));
  });
  io.err(`insforge-ai mcp: serving project "${target.projectId}" over stdio`);
  return { close };
}
