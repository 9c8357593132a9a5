import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChatStreamEvent } from '../core/chat-stream.js';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../core/chat-types.js';

// Chat streams recorded from the gateway with the emulator behind it (src/core/record-chat-streams.test.ts records
// and checks them), kept in test/chat-streams/ for the reducer's tests to fold without a network.

/** Every recording, in the order they are recorded (the tool result follows the tool call it answers). */
export const RECORDED_STREAMS = [
  'parallel-tool-calls',
  'anthropic-tool-call',
  'anthropic-tool-result',
  'gemini-reasoning',
  'openai-reasoning',
  'plain-reasoning',
  'web-search',
  'generated-image',
] as const;

export type RecordedStreamName = (typeof RECORDED_STREAMS)[number];

export interface RecordedStream {
  request: ChatCompletionRequest;
  chunks: ChatCompletionChunk[];
}

/**
 * A recording as its file holds it: generation ids (and the call ids made from them) numbered in the order they
 * first appear, `created` zeroed, and each generated image shortened to its first bytes and a hash. One chunk a
 * line, so a change reads as a small diff.
 */
export function createRecordingFormatter(): (request: ChatCompletionRequest, chunks: readonly ChatCompletionChunk[]) => string {
  const generations = new Map<string, string>();
  return (request, chunks) => {
    for (const chunk of chunks) if (chunk.id && !generations.has(chunk.id)) generations.set(chunk.id, `${generations.size + 1}`.padStart(4, '0'));
    const normalize = (value: unknown) => {
      let text = JSON.stringify(value);
      for (const [id, number] of generations) {
        // The emulator names calls after the last 12 characters of the generation id.
        text = text.replaceAll(id, `gen-recorded-${number}`).replaceAll(id.slice(-12), `recorded${number}`);
      }
      return text
        .replace(/"created":\d+/g, '"created":0')
        .replace(/data:image\/png;base64,([A-Za-z0-9+/=]{48,})/g, (_url, data: string) => `data:image/png;base64,${data.slice(0, 32)}…sha256-${createHash('sha256').update(data).digest('hex').slice(0, 16)}`);
    };
    return `{\n"request": ${normalize(request)},\n"chunks": [\n${chunks.map(normalize).join(',\n')}\n]\n}\n`;
  };
}

/**
 * A recording as stream events, 10 ms apart from t=1000, ending with `done`.
 *
 * @example
 * const answer = recordedEvents(readRecordedStream('web-search')).reduce(reduceChatEvent, createAssistantMessage('a', 900));
 */
export function recordedEvents(stream: RecordedStream): ChatStreamEvent[] {
  const events: ChatStreamEvent[] = stream.chunks.map((chunk, index) => ({ type: 'chunk', chunk, at: 1000 + index * 10 }));
  events.push({ type: 'done', at: 1000 + stream.chunks.length * 10 });
  return events;
}

/** A recording read from test/chat-streams/. */
export function readRecordedStream(name: RecordedStreamName): RecordedStream {
  return JSON.parse(readFileSync(new URL(`../../test/chat-streams/${name}.json`, import.meta.url), 'utf8')) as RecordedStream;
}
