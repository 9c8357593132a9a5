import type { FeatureParams } from '../../core/admin-types.js';
import type { ModelEntry } from '../../core/chat-types.js';

/** The numeric parameters the dialog edits, each with its own field. */
export type NumericParameter = 'temperature' | 'top_p' | 'max_tokens' | 'presence_penalty' | 'frequency_penalty';

export const NUMERIC_PARAMETERS: readonly NumericParameter[] = ['temperature', 'top_p', 'max_tokens', 'presence_penalty', 'frequency_penalty'];

export interface ParameterRange {
  min: number;
  max: number;
  step: number;
  integer: boolean;
}

// OpenRouter's ranges, which the gateway enforces too (server/src/features/feature.ts).
const RANGES: Record<NumericParameter, ParameterRange> = {
  temperature: { min: 0, max: 2, step: 0.1, integer: false },
  top_p: { min: 0, max: 1, step: 0.05, integer: false },
  max_tokens: { min: 1, max: 10_000_000, step: 1, integer: true },
  presence_penalty: { min: -2, max: 2, step: 0.1, integer: false },
  frequency_penalty: { min: -2, max: 2, step: 0.1, integer: false },
};

/**
 * Whether a model takes a parameter, from its catalog entry's `supported_parameters`. A model the catalog does not
 * know (or that lists no parameters at all) is given the benefit of the doubt: nothing is disabled for it.
 *
 * @example
 * supportsParameter(opus, 'top_p'); // false: anthropic/claude-opus-5 does not list it
 */
export function supportsParameter(model: ModelEntry | undefined, name: string): boolean {
  if (!model || model.supportedParameters.length === 0) return true;
  return model.supportedParameters.includes(name);
}

/**
 * A parameter's range; `max_tokens` is bounded by the most the chosen model can write.
 *
 * @example
 * rangeOf('max_tokens', gpt4oMini).max; // 16384
 */
export function rangeOf(name: NumericParameter, model: ModelEntry | undefined): ParameterRange {
  const range = RANGES[name];
  if (name === 'max_tokens' && model?.maxOutputTokens !== undefined) return { ...range, max: model.maxOutputTokens };
  return range;
}

export interface ParameterMessages {
  outOfRange(min: number, max: number): string;
  wholeNumber: string;
  aboveMaxOutput(max: number, model: string): string;
}

/**
 * What is wrong with a parameter's value, in words, or undefined when nothing is (an unset value never is).
 *
 * @example
 * parameterProblem('max_tokens', 20000, gpt4oMini, messages); // "At most 16,384: the most openai/gpt-4o-mini can write."
 */
export function parameterProblem(name: NumericParameter, value: number | undefined, model: ModelEntry | undefined, messages: ParameterMessages): string | undefined {
  if (value === undefined) return undefined;
  const range = rangeOf(name, model);
  if (range.integer && !Number.isInteger(value)) return messages.wholeNumber;
  if (name === 'max_tokens' && model?.maxOutputTokens !== undefined && value > model.maxOutputTokens) return messages.aboveMaxOutput(model.maxOutputTokens, model.id);
  if (value < range.min || value > range.max) return messages.outOfRange(range.min, range.max);
  return undefined;
}

/** The parameters set in `params` that the model does not take (OpenRouter drops them), for the preview's note. */
export function ignoredParameters(params: FeatureParams, model: ModelEntry | undefined): string[] {
  const { extra, ...named } = params;
  const names = [...Object.entries(named).filter(([, value]) => value !== undefined).map(([name]) => name), ...Object.keys(extra ?? {})];
  return names.filter((name) => !supportsParameter(model, name));
}
