/* eslint-disable @typescript-eslint/no-explicit-any -- wire JSON is checked field by field in the tests */
import type { Emulator } from '../src/index.js';

/** Posts JSON to an emulator endpoint with the emulator's key (or `key`), plus optional headers. */
export function post(emulator: Emulator, path: string, body: unknown, headers: Record<string, string> = {}, key = emulator.apiKey, signal?: AbortSignal): Promise<Response> {
  return fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

export const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});

/** A response body as loosely typed JSON: tests check the wire format field by field. */
export const json = (response: Response): Promise<any> => response.json();

/** The error a promise rejects with; throws when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

/** A streamed tool call as a client assembles it, by `index`: the id and name once, the arguments piece by piece. */
export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Adds one streamed tool-call delta (openai SDK shape) to the calls assembled so far. */
export function addToolCallDelta(calls: Map<number, AssembledToolCall>, delta: { index: number; id?: string | undefined; function?: { name?: string | undefined; arguments?: string | undefined } | undefined }): void {
  const entry = calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
  entry.id ||= delta.id ?? '';
  entry.name ||= delta.function?.name ?? '';
  entry.arguments += delta.function?.arguments ?? '';
  calls.set(delta.index, entry);
}
