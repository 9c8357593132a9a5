import { breakJson, type JsonDefect } from '../content/json-defects.js';
import { repairJson } from '../content/json-repair.js';
import { sampleFromSchema } from '../content/structured.js';
import { isRecord } from '../content/tokens.js';

/**
 * The JSON a model writes for `response_format` (`json_object`: `{"answer": …}`; `json_schema`: a value that fits
 * the schema, built for `maxTokens` at most), broken the way the scenario's `broken-json` knob says; undefined for a
 * plain text answer.
 */
export function structuredContent(body: Record<string, unknown>, userText: string, reply: string, defect: JsonDefect | undefined, maxTokens: number): string | undefined {
  const format = isRecord(body['response_format']) ? body['response_format'] : undefined;
  let json: string | undefined;
  if (format?.['type'] === 'json_object') json = JSON.stringify({ answer: reply });
  else if (format?.['type'] === 'json_schema' && isRecord(format['json_schema'])) json = JSON.stringify(sampleFromSchema(format['json_schema']['schema'], userText, maxTokens));
  return json !== undefined && defect !== undefined ? breakJson(json, defect) : json;
}

/**
 * Whether OpenRouter's response-healing plugin runs on the answer: the request lists it (not `enabled: false`), asks
 * for JSON through `response_format`, and is not streamed (the plugin sees whole answers only).
 */
function healsResponse(body: Record<string, unknown>): boolean {
  const plugins = Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : [];
  const plugin = plugins.find((candidate) => candidate['id'] === 'response-healing');
  const format = isRecord(body['response_format']) ? body['response_format']['type'] : undefined;
  return plugin !== undefined && plugin['enabled'] !== false && body['stream'] !== true && (format === 'json_object' || format === 'json_schema');
}

/**
 * The structured answer as the response-healing plugin hands it on: repaired when the plugin runs and the JSON is
 * broken in a way it fixes. An answer cut off by `max_tokens` is not repaired (OpenRouter's plugin cannot complete
 * it), nor is one it cannot parse: those go out as the model wrote them. Healing costs nothing: the tokens billed
 * are those the model produced.
 */
export function healedContent(body: Record<string, unknown>, content: string, cutOff: boolean): string {
  if (cutOff || !healsResponse(body)) return content;
  return repairJson(content) ?? content;
}
