/* eslint-disable @typescript-eslint/no-explicit-any -- parsed wire JSON is checked field by field in the tests */
/** One parsed SSE stream: data payloads in order, with the comment lines counted by position. */
export interface ParsedStream {
  /** `data:` payloads, `[DONE]` included as the string. */
  data: string[];
  /** Chunks parsed from JSON payloads (everything but `[DONE]`). */
  chunks: Array<Record<string, any>>;
  /** How many comment lines came before the first data event, and in total. */
  commentsBeforeFirst: number;
  comments: number;
  /** `event:` names, in order, where the stream used them. */
  events: string[];
}

/** Parses a complete SSE body (the tests read small streams whole; the gateway uses a streaming parser). */
export function parseSse(text: string): ParsedStream {
  const parsed: ParsedStream = { data: [], chunks: [], commentsBeforeFirst: 0, comments: 0, events: [] };
  for (const block of text.split('\n\n')) {
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        parsed.comments += 1;
        if (parsed.data.length === 0) parsed.commentsBeforeFirst += 1;
      } else if (line.startsWith('event: ')) {
        parsed.events.push(line.slice(7));
      } else if (line.startsWith('data: ')) {
        const payload = line.slice(6);
        parsed.data.push(payload);
        if (payload !== '[DONE]') parsed.chunks.push(JSON.parse(payload));
      }
    }
  }
  return parsed;
}

/** Concatenated `delta.content` of a chat stream. */
export function streamedText(stream: ParsedStream): string {
  return stream.chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('');
}
