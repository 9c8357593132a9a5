import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import type { ResponsesRun } from './responses.js';
import { RESPONSES_TEXT_KINDS, responsesStreamFormatOf, responsesTextKey, TERMINAL_RESPONSE_EVENTS, type ResponsesStreamFormat, type ResponsesTextKind } from './responses-events.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { ByteSearch, integerAfter, stringAfter, type FoundInteger, type FoundString, type RawTypedEvent } from './typed-event-scan.js';
import { proxyTypedEventStream, type TypedEventFacts, type TypedEventReader, type TypedEventWrite } from './typed-event-stream.js';

/**
 * Streams a Responses API request from OpenRouter to the client, its typed events forwarded as they came
 * (`event: <type>` and its data), as `proxyTypedEventStream` does. The stream is complete at `response.completed` (or
 * `response.incomplete`), whose response carries the usage the request is settled with; a `response.failed` or
 * `error` event, a stall or a connection that ends before it becomes the gateway's `error` event
 * (`{type:"error", code, message, error:{…}}`), numbered after the last event sent. The request's answer taps (output
 * guardrails, the cache) see each event before it is written: a guardrail may hold text back, which is sent before its
 * `.done` event with the events after it numbered on (`ResponsesStreamFormat`), or stop the stream with its error event.
 */
export function proxyResponsesStream(context: GatewayContext, run: ResponsesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  return proxyTypedEventStream(context, run, meter, res, new ResponsesEventReader(responsesStreamFormatOf(run)));
}

class ResponsesEventReader implements TypedEventReader {
  readonly path = '/responses';
  #usage: unknown;
  #model: string | undefined;
  #provider: string | undefined;
  /** What `plain` read of the run of deltas it takes, until it leaves (`plainForwarded`): one text, and its last number. */
  readonly #run: { kind: ResponsesTextKind | undefined; output: number; part: number; characters: number; sequence: number } = { kind: undefined, output: -1, part: -1, characters: 0, sequence: -1 };
  readonly #text: FoundString = { length: 0, quote: 0, start: 0 };
  readonly #sequenceAt: FoundInteger = { start: 0, end: 0 };

  /** `format`: the request's one format, which a stage answering in the stream's place (the cache) writes through too. */
  constructor(private readonly format: ResponsesStreamFormat) {}

  read(event: UpstreamChunk, type: string | undefined): TypedEventFacts {
    const response = event['response'] as { model?: unknown; provider?: unknown; usage?: unknown } | undefined;
    if (typeof response?.model === 'string') this.#model = response.model;
    if (typeof response?.provider === 'string') this.#provider = response.provider;
    const terminal = type !== undefined && TERMINAL_RESPONSE_EVENTS.has(type);
    if (terminal) this.#usage = response?.usage;
    return { terminal };
  }

  /**
   * Through the format, which numbers the events after any it adds. The answer text sent (counted for an estimate when
   * no usage arrives) is the format's, which may send held text in a delta of its own before a `.done` event.
   */
  write(event: UpstreamChunk, data: string): TypedEventWrite {
    const before = this.format.deltaCharacters;
    const text = this.format.chunk(event, data);
    const characters = this.format.deltaCharacters - before;
    return { text, characters: characters > 0 ? characters : undefined };
  }

  /**
   * Takes a delta of answer text (`response.<kind>.delta`, the bulk of a stream) as it came: its text counted and its
   * number noted, as `write` would, for one text per run (an event of another ends it). Every other event carries what
   * must be read (the response, an error, a `.done` checked against its deltas) and is parsed, as every event is while
   * the format numbers events anew.
   */
  plain(event: RawTypedEvent): number | undefined {
    const { bytes, type, from, to, first, watch } = event;
    const kind = DELTA_KINDS.get(type);
    if (kind === undefined || this.format.renumbering) return undefined;
    const text = this.#text;
    if (!stringAfter(bytes, DELTA, from, to, text)) return undefined;
    const output = integerAfter(bytes, OUTPUT_INDEX, from, to);
    const content = integerAfter(bytes, CONTENT_INDEX, from, to);
    const part = content === -1 ? integerAfter(bytes, SUMMARY_INDEX, from, to) : content;
    const sequence = integerAfter(bytes, SEQUENCE_NUMBER, from, to, this.#sequenceAt);
    if (output === -2 || part === -2 || sequence === -2) return undefined;
    const run = this.#run;
    if (!first && (run.kind !== kind || run.output !== output || run.part !== part)) return undefined;
    // A client joins the deltas' text: the sent key's watch follows it, as it does when it is parsed. Asked last, as
    // it advances when it lets the event go.
    if (watch && !watch.passesRaw(bytes, text.start, text.quote, 'delta')) return undefined;
    if (first) {
      run.kind = kind;
      run.output = output;
      run.part = part;
      run.characters = 0;
      run.sequence = -1;
    }
    run.characters += text.length;
    if (sequence !== -1) run.sequence = sequence;
    event.textStart = text.start;
    event.textEnd = text.quote;
    // A number after the text may differ in the next delta, which is otherwise this one again (`plainAgain`).
    if (sequence !== -1 && this.#sequenceAt.start > text.quote) {
      event.numberStart = this.#sequenceAt.start;
      event.numberEnd = this.#sequenceAt.end;
    }
    return text.length;
  }

  /** A delta that is the last one but for its text and number: of the same text, noted as `plain` notes one. */
  plainAgain({ bytes, watch, textStart, textEnd, number }: RawTypedEvent, characters: number): boolean {
    if (watch && !watch.passesRaw(bytes, textStart, textEnd, 'delta')) return false;
    const run = this.#run;
    run.characters += characters;
    if (number !== -1) run.sequence = number;
    return true;
  }

  /** The run `plain` took left: the format notes its deltas as it would have written them. */
  plainForwarded(): void {
    const run = this.#run;
    if (run.kind === undefined) return;
    // -1 (absent) stands for the index `responsesTextOf` reads as 0.
    this.format.plainDeltas(responsesTextKey(run.kind, Math.max(run.output, 0), Math.max(run.part, 0)), run.characters, run.sequence);
    run.kind = undefined;
  }

  summary() {
    return { usage: this.#usage, model: this.#model, provider: this.#provider };
  }

  errorEvent(error: GatewayError): string {
    return this.format.error(error);
  }
}

const DELTA_KINDS: ReadonlyMap<string, ResponsesTextKind> = new Map(Object.keys(RESPONSES_TEXT_KINDS).map((kind) => [`response.${kind}.delta`, kind as ResponsesTextKind]));
const DELTA = new ByteSearch(Buffer.from('"delta":"'));
const OUTPUT_INDEX = new ByteSearch(Buffer.from('"output_index":'));
const CONTENT_INDEX = new ByteSearch(Buffer.from('"content_index":'));
const SUMMARY_INDEX = new ByteSearch(Buffer.from('"summary_index":'));
const SEQUENCE_NUMBER = new ByteSearch(Buffer.from('"sequence_number":'));
