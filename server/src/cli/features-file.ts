import { readFile } from 'node:fs/promises';
import { parseFeature, type Feature } from '../features/feature.js';
import { CliError } from './cli-error.js';

/**
 * Reads `--features FILE`: a JSON array of features, each checked with `parseFeature`. Any fault is a `CliError`
 * naming the file, the feature's index (and name when it has one) and the field.
 * @example
 * const features = await loadFeaturesFile('./features.json'); // [{ name: 'chat', model: 'openai/gpt-4o-mini', … }]
 */
export async function loadFeaturesFile(path: string): Promise<Feature[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot read the features file ${path}: ${reason}`, 1, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the features file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
  }
  if (!Array.isArray(json)) {
    throw new CliError(`the features file ${path} must hold a JSON array of features, like [{"name":"chat","model":"openai/gpt-4o-mini"}]`);
  }
  const features: Feature[] = [];
  const seen = new Map<string, number>();
  json.forEach((input: unknown, index) => {
    let feature: Feature;
    try {
      feature = parseFeature(input);
    } catch (error) {
      const name = typeof input === 'object' && input !== null && 'name' in input && typeof input.name === 'string' ? ` ("${input.name}")` : '';
      throw new CliError(`the features file ${path}: feature [${index}]${name}: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
    }
    const earlier = seen.get(feature.name);
    if (earlier !== undefined) throw new CliError(`the features file ${path}: feature [${index}] is named "${feature.name}" like feature [${earlier}]; names must be unique`);
    seen.set(feature.name, index);
    features.push(feature);
  });
  return features;
}
