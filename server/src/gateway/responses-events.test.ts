import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { parseSseBody } from '../../test/sse.js';
import { responseEventsOf, responseOfEvents, ResponsesStreamFormat } from './responses-events.js';

const at = { item_id: 'msg_1', output_index: 0, content_index: 0 };

/** Writes events through a format, as a stream does: the text a client reads. */
function written(format: ResponsesStreamFormat, events: Array<Record<string, unknown>>): string {
  return events.map((event) => format.chunk(event, JSON.stringify(event)) ?? '').join('');
}

describe('the Responses stream format', () => {
  it('sends what a done event adds to a text\'s deltas as one more delta, numbering every event after it on', () => {
    const format = new ResponsesStreamFormat();
    const text = written(format, [
      { type: 'response.output_text.delta', ...at, delta: 'Write to ', sequence_number: 4 },
      { type: 'response.output_text.delta', ...at, delta: '', sequence_number: 5 },
      { type: 'response.output_text.done', ...at, text: 'Write to [REDACTED_EMAIL]', sequence_number: 6 },
      { type: 'response.completed', response: {}, sequence_number: 7 },
    ]);
    const { events } = parseSseBody(text);
    expect(events.map((event) => [event['type'], event['sequence_number']])).toEqual([
      ['response.output_text.delta', 4],
      ['response.output_text.delta', 5],
      ['response.output_text.done', 6],
      ['response.completed', 7],
    ]);
    expect(events[1]).toMatchObject({ ...at, delta: '[REDACTED_EMAIL]' });
    expect(format.error(new GatewayError('content_policy_violation', 'No.'))).toContain('"sequence_number":8');
  });

  it('forwards a stream nobody changed as it came, and never repeats a text that came whole', () => {
    const format = new ResponsesStreamFormat();
    const raw = '{"type":"response.function_call_arguments.done","item_id":"fc_1","output_index":0,"arguments":"{}","sequence_number":3}';
    expect(format.chunk(JSON.parse(raw) as Record<string, unknown>, raw)).toBe(`event: response.function_call_arguments.done\ndata: ${raw}\n\n`);
  });
});

describe('the events of a whole response', () => {
  it('carry each output item, its text in deltas that join to it, and the response whole last', () => {
    const response = {
      id: 'resp_1',
      object: 'response',
      model: 'openai/gpt-4o-mini',
      status: 'completed',
      output: [
        { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thought.' }] },
        { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Paris.', annotations: [] }] },
        { id: 'fc_1', type: 'function_call', call_id: 'c1', name: 'find', arguments: '{"q":"x"}', status: 'completed' },
      ],
      usage: { input_tokens: 0, output_tokens: 0, cost: 0 },
    };
    const events = responseEventsOf(response);
    expect(events.map((event) => event['sequence_number'])).toEqual(events.map((_event, index) => index));
    expect(events[0]).toMatchObject({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } });
    const deltas = (type: string) => events.filter((event) => event['type'] === type).map((event) => event['delta']).join('');
    expect(deltas('response.output_text.delta')).toBe('Paris.');
    expect(deltas('response.function_call_arguments.delta')).toBe('{"q":"x"}');
    expect(events.filter((event) => event['type'] === 'response.output_item.done').map((event) => event['item'])).toEqual(response.output);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response });
    expect(responseOfEvents(events)).toBe(response);
    const text = written(new ResponsesStreamFormat(), events);
    expect(parseSseBody(text).events).toHaveLength(events.length);
  });
});
