import type { FeatureParams } from '../../core/admin-types.js';
import { NUMERIC_PARAMETERS } from './parameter-support.js';

/** The part of a feature's parameters the JSON editor holds: `response_format`, `stop` and free-form extras. */
export type CustomParameters = Pick<FeatureParams, 'response_format' | 'stop' | 'extra'>;

export interface CustomParameterMessages {
  invalidJson(detail: string): string;
  notAnObject: string;
  /** A key the dialog sets elsewhere (`temperature` has its own field, `model` is the model picker). */
  ownField(key: string): string;
  responseFormat: string;
  stop: string;
}

export type CustomParametersResult = { ok: true; value: CustomParameters } | { ok: false; error: string };

// Keys the gateway writes itself, or that have a field of their own in the dialog.
const RESERVED = new Set(['model', 'models', 'messages', 'stream', 'stream_options', 'user']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The JSON the editor starts from: `response_format` and `stop` first, then the extras, as one object.
 *
 * @example
 * customParametersText({ temperature: 0.3, response_format: { type: 'json_object' } }); // '{\n  "response_format": …'
 */
export function customParametersText(params: FeatureParams): string {
  const object = { ...(params.response_format ? { response_format: params.response_format } : {}), ...(params.stop !== undefined ? { stop: params.stop } : {}), ...params.extra };
  return Object.keys(object).length === 0 ? '{}' : JSON.stringify(object, null, 2);
}

/**
 * Reads the editor's text: a JSON object whose `response_format` must be an object and `stop` a string or up to
 * four strings; any other key is a free-form upstream parameter (`params.extra`).
 *
 * @example
 * parseCustomParameters('{"response_format":{"type":"json_object"},"reasoning":{"effort":"low"}}', messages);
 * // { ok: true, value: { response_format: { type: 'json_object' }, extra: { reasoning: { effort: 'low' } } } }
 */
export function parseCustomParameters(text: string, messages: CustomParameterMessages): CustomParametersResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (error) {
    return { ok: false, error: messages.invalidJson(error instanceof Error ? error.message : String(error)) };
  }
  if (!isObject(parsed)) return { ok: false, error: messages.notAnObject };
  const { response_format: responseFormat, stop, ...rest } = parsed;
  const taken = Object.keys(rest).find((key) => RESERVED.has(key) || (NUMERIC_PARAMETERS as readonly string[]).includes(key));
  if (taken !== undefined) return { ok: false, error: messages.ownField(taken) };
  if (responseFormat !== undefined && !isObject(responseFormat)) return { ok: false, error: messages.responseFormat };
  const stopOk = stop === undefined || typeof stop === 'string' || (Array.isArray(stop) && stop.length <= 4 && stop.every((item) => typeof item === 'string'));
  if (!stopOk) return { ok: false, error: messages.stop };
  const value: CustomParameters = {};
  if (responseFormat !== undefined) value.response_format = responseFormat;
  if (stop !== undefined) value.stop = stop as string | string[];
  if (Object.keys(rest).length > 0) value.extra = rest;
  return { ok: true, value };
}

/**
 * The parameters with the editor's part replaced.
 *
 * @example
 * withCustomParameters({ temperature: 0.3, stop: 'END' }, { extra: { seed: 1 } }); // { temperature: 0.3, extra: { seed: 1 } }
 */
export function withCustomParameters(params: FeatureParams, custom: CustomParameters): FeatureParams {
  const { response_format: _format, stop: _stop, extra: _extra, ...numeric } = params;
  return { ...numeric, ...custom };
}
