import { readFile } from 'node:fs/promises';
import { parseFeature, parseSeedFeature, type Feature } from '../features/feature.js';
import { CliError } from './cli-error.js';

/**
 * Reads `--features FILE`: a JSON array of features, each checked with `parseSeedFeature` (a blocklist pattern the
 * save check refuses is not a fault here: the gateway loads it with a warning). Any fault is a `CliError` naming the
 * file, the feature's index (and name when it has one) and the field.
 * @example
 * const features = await loadFeaturesFile('./features.json'); // [{ name: 'chat', model: 'openai/gpt-4o-mini', … }]
 */
export async function loadFeaturesFile(path: string): Promise<Feature[]> {
  const source = `the features file ${path}`;
  return parseFeatureDocument(await readFeatureText(path, source), source, { list: true, seed: true });
}

/** Reads a file of feature JSON; a fault is a `CliError` that says "cannot read `source`" and why. */
export async function readFeatureText(path: string, source: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : messageOf(error);
    throw new CliError(`cannot read ${source}: ${reason}`, 1, { cause: error });
  }
}

export interface FeatureDocumentOptions {
  /**
   * Only a list, as `serve --features` takes: the document must be a JSON array, which may be empty. Without it a
   * single feature or a non-empty array is taken, as `features set` does.
   */
  list?: boolean;
  /** Features given at start, read with `parseSeedFeature` rather than `parseFeature`. */
  seed?: boolean;
}

/**
 * A JSON feature or array of features, each checked with `parseFeature`; errors name the source, index and field.
 * @example
 * const [feature] = parseFeatureDocument('{"name":"chat","model":"openai/gpt-4o-mini"}', 'stdin');
 */
export function parseFeatureDocument(text: string, source: string, { list = false, seed = false }: FeatureDocumentOptions = {}): Feature[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${messageOf(error)}`, 1, { cause: error });
  }
  if (list && !Array.isArray(json)) {
    throw new CliError(`${source} must hold a JSON array of features, like [{"name":"chat","model":"openai/gpt-4o-mini"}]`);
  }
  const inputs: unknown[] = Array.isArray(json) ? json : [json];
  if (!list && inputs.length === 0) throw new CliError(`${source} holds no features: give a feature like {"name":"chat","model":"openai/gpt-4o-mini"} or an array of them`);
  const seen = new Map<string, number>();
  return inputs.map((input, index) => {
    let feature: Feature;
    try {
      feature = seed ? parseSeedFeature(input).feature : parseFeature(input);
    } catch (error) {
      // Both commands' messages are relied on as they are: `serve` puts a colon after the feature, `features set` not.
      const where = Array.isArray(json) ? ` feature [${index}]${nameOf(input)}${list ? ':' : ''}` : '';
      throw new CliError(`${source}:${where} ${messageOf(error)}`, 1, { cause: error });
    }
    const earlier = seen.get(feature.name);
    if (earlier !== undefined) throw new CliError(`${source}: feature [${index}] is named "${feature.name}" like feature [${earlier}]; names must be unique`);
    seen.set(feature.name, index);
    return feature;
  });
}

const nameOf = (input: unknown) => (typeof input === 'object' && input !== null && 'name' in input && typeof input.name === 'string' ? ` ("${input.name}")` : '');

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
