import type { Feature } from '../features/feature.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores } from './cli-stores.js';
import { stdinOf } from './cli-stdin.js';
import { parseFeatureDocument, readFeatureText } from './features-file.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs, runSubcommand } from './subcommand.js';
import { formatTable, formatTime } from './text-table.js';

export const FEATURES_USAGE = `Usage: insforge-ai features <list|get|set> [options]

Reads and changes the features (model, system prompt, parameter policy) stored in the gateway's database. A running
gateway picks a change up within seconds.

  insforge-ai features list          a table of the project's features: name, modality, model, version, updated
  insforge-ai features get NAME      one feature as JSON (edit it and give it back to "features set")
  insforge-ai features set FILE|-    creates or replaces features by name from a JSON feature or array of features
                                     (- reads stdin); a feature replaces the stored one whole: fields it leaves out
                                     take their defaults. Prints what changed and the new version.

Options:
${STORE_OPTIONS_HELP}
  -h, --help       show this help

Example:
  echo '{"name":"chat","model":"openai/gpt-4o-mini","systemPrompt":"Be brief."}' | insforge-ai features set -`;

const ACTOR = 'cli';

/**
 * `insforge-ai features list|get|set`.
 * @example
 * await featuresCommand(['get', 'chat', '--database', 'ai.db'], process.env, processIo);
 */
export function featuresCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  return runSubcommand('features', argv, env, io, { list, get, set });
}

async function list(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  expectPositionals(positionals, [], 'features list');
  const target = storeTarget(values, env);
  const records = await withGatewayStores(target, (stores) => stores.features.records(target.projectId));
  if (records.length === 0) {
    io.err(`No features in project "${target.projectId}". Add one with "insforge-ai features set FILE".`);
    return 0;
  }
  const rows = records.map(({ feature, version, updatedAt }) => [feature.name, feature.modality, feature.model, String(version), formatTime(updatedAt)]);
  for (const line of formatTable(['NAME', 'MODALITY', 'MODEL', 'VERSION', 'UPDATED'], rows)) io.out(line);
  return 0;
}

async function get(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  const [name] = expectPositionals(positionals, ['name'], 'features get') as [string];
  const target = storeTarget(values, env);
  const record = await withGatewayStores(target, (stores) => stores.features.record(target.projectId, name));
  if (!record) throw new CliError(`no feature "${name}" in project "${target.projectId}" (see "insforge-ai features list")`);
  io.out(JSON.stringify(record.feature, null, 2));
  io.err(`${record.feature.name}: version ${record.version}, updated ${formatTime(record.updatedAt)} by ${record.updatedBy}`);
  return 0;
}

async function set(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  const [source] = expectPositionals(positionals, ['file'], 'features set') as [string];
  const target = storeTarget(values, env);
  const features = parseFeatureDocument(await readSource(source, io), source === '-' ? 'stdin' : source);
  await withGatewayStores(target, async (stores) => {
    for (const feature of features) {
      const before = await stores.features.record(target.projectId, feature.name);
      if (before && canonicalJson(before.feature) === canonicalJson(feature)) {
        io.out(`${feature.name}: unchanged (version ${before.version})`);
        continue;
      }
      // Saving over the version read above: a change made in between is a version conflict, not overwritten.
      const after = before ? await stores.features.update(target.projectId, before.id, feature, before.version, ACTOR) : await stores.features.create(target.projectId, feature, ACTOR);
      io.out(before ? `${feature.name}: updated to version ${after.version} (${describeChanges(before.feature, feature).join('; ')})` : `${feature.name}: created, version ${after.version} (${feature.modality}: ${feature.model})`);
    }
  });
  return 0;
}

async function readSource(source: string, io: CliIo): Promise<string> {
  if (source !== '-') return readFeatureText(source, source);
  const stdin = stdinOf(io);
  if (stdin.isTerminal) io.err('Paste the feature JSON, then press Ctrl-D.');
  return stdin.readAll();
}

/** The top-level fields that differ: short values shown as `old → new`, the rest as "changed". */
function describeChanges(before: Feature, after: Feature): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as Array<keyof Feature>);
  const changes: string[] = [];
  for (const key of keys) {
    const [old, next] = [before[key], after[key]];
    if (canonicalJson(old) === canonicalJson(next)) continue;
    changes.push(typeof old === 'string' && typeof next === 'string' && key !== 'systemPrompt' ? `${key}: ${old} → ${next}` : `${key} changed`);
  }
  return changes;
}

/** JSON with object keys sorted, so two equal configurations compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner,
  );
}
