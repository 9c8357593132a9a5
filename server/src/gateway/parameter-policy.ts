import { GatewayError } from '../errors.js';
import { OVERRIDABLE_PARAMETERS, PARAMETER_RANGES, type Feature, type OverridableParameter } from '../features/feature.js';

/**
 * Merges what a client asked for with what the feature allows: the feature's defaults first, then the client's
 * values where the feature lets it set them and within bounds (a 400 naming the parameter otherwise), then the
 * feature's free-form extras, which a client can never override. `max_tokens` is clamped to the ceiling.
 */
export function resolveParameters(feature: Feature, request: Record<string, unknown>): Record<string, unknown> {
  const { extra, ...defaults } = feature.params;
  const params: Record<string, unknown> = { ...defaults };
  const requested = { ...request };
  if (requested['max_completion_tokens'] != null && requested['max_tokens'] == null) requested['max_tokens'] = requested['max_completion_tokens'];
  for (const name of OVERRIDABLE_PARAMETERS) {
    const value = requested[name];
    if (value === undefined || value === null) continue;
    const rule = feature.clientOverrides[name];
    if (rule === false) {
      throw new GatewayError('parameter_not_allowed', `${name} cannot be set by clients of the "${feature.name}" feature.`, { param: name });
    }
    if (name === 'modalities') checkModalities(feature, value, rule);
    if (name === 'reasoning') {
      params[name] = boundReasoning(feature, value, rule);
      continue;
    }
    if (name !== 'max_tokens') checkBounds(feature, name, value, rule);
    params[name] = value;
  }
  const ceiling = maxTokensCeiling(feature);
  if (typeof requested['max_tokens'] === 'number') {
    const rule = feature.clientOverrides.max_tokens;
    // The floor is the feature's (a client may not ask for less than it allows); the ceiling clamps instead.
    checkBounds(feature, 'max_tokens', requested['max_tokens'], { min: typeof rule === 'object' ? rule.min : undefined });
    params['max_tokens'] = ceiling === undefined ? requested['max_tokens'] : Math.min(requested['max_tokens'], ceiling);
  }
  return { ...params, ...extra };
}

type Rule = boolean | { min?: number | undefined; max?: number | undefined } | undefined;

/**
 * A text feature answers text: image output (`modalities: ["image"]`) is for image features, unless the feature's
 * admin allowed it outright (`clientOverrides.modalities: true`).
 */
function checkModalities(feature: Feature, value: unknown, rule: Rule): void {
  if (rule === true || !Array.isArray(value) || !value.includes('image')) return;
  throw new GatewayError('parameter_not_allowed', `modalities: the "${feature.name}" feature answers text; image output needs an image feature (POST /v1/images/generations).`, { param: 'modalities' });
}

/**
 * The reasoning budget is bounded like `max_tokens`: `clientOverrides.reasoning: {min, max}` bounds
 * `reasoning.max_tokens` — below the floor is a 400, above the ceiling is clamped.
 */
function boundReasoning(feature: Feature, value: unknown, rule: Rule): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const budget = (value as { max_tokens?: unknown }).max_tokens;
  if (budget === undefined || budget === null) return value;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 0) {
    throw new GatewayError('invalid_parameter', 'reasoning.max_tokens must be a whole number of tokens.', { param: 'reasoning.max_tokens' });
  }
  const bounds = typeof rule === 'object' ? rule : {};
  if (bounds.min !== undefined && budget < bounds.min) {
    throw new GatewayError('invalid_parameter', `reasoning.max_tokens must be at least ${bounds.min} for the "${feature.name}" feature (got ${budget}).`, { param: 'reasoning.max_tokens' });
  }
  return bounds.max !== undefined && budget > bounds.max ? { ...value, max_tokens: bounds.max } : value;
}

/** The most output tokens a client of this feature can get. */
function maxTokensCeiling(feature: Feature): number | undefined {
  const rule = feature.clientOverrides.max_tokens;
  return (typeof rule === 'object' ? rule.max : undefined) ?? feature.params.max_tokens;
}

function checkBounds(feature: Feature, name: OverridableParameter, value: unknown, rule: Rule): void {
  const range = PARAMETER_RANGES[name];
  if (!range || typeof value !== 'number') return;
  const narrowed = typeof rule === 'object' ? rule : {};
  const min = Math.max(range.min, narrowed.min ?? -Infinity);
  const max = Math.min(range.max, narrowed.max ?? Infinity);
  if (value < min || value > max) {
    throw new GatewayError('invalid_parameter', `${name} must be between ${min} and ${max} for the "${feature.name}" feature (got ${value}).`, { param: name });
  }
}
