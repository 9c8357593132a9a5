import { describe, expect, it } from 'vitest';
import type { UpstreamChunk } from '../gateway/stream-proxy.js';
import { answerAs, unbilledUsage } from './cached-answer.js';
import { chunksFromCompletion, completionFromChunks } from './chat-answer-forms.js';

const HEAD = { id: 'gen-1', provider: 'OpenAI', model: 'openai/gpt-4o', object: 'chat.completion.chunk', created: 1 };
const chunk = (delta: Record<string, unknown>, rest: Record<string, unknown> = {}): UpstreamChunk => ({ ...HEAD, choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: null, ...rest }] });
const USAGE = { prompt_tokens: 9, completion_tokens: 10, total_tokens: 19, cost: 0.00000735 };

const logprob = (token: string) => ({ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [] });

/** A body with every part OpenRouter's message can carry (tool calls aside, which end with `tool_calls`). */
const FULL_BODY = {
  id: 'gen-1',
  object: 'chat.completion',
  created: 1,
  model: 'openai/gpt-4o',
  provider: 'OpenAI',
  system_fingerprint: 'fp_1',
  choices: [{
    index: 0,
    logprobs: { content: [logprob('Hel'), logprob('lo')], refusal: null },
    finish_reason: 'stop',
    native_finish_reason: 'end_turn',
    message: {
      role: 'assistant',
      content: 'Hello [1]',
      refusal: null,
      reasoning: 'Thinking it over.',
      reasoning_details: [
        { type: 'reasoning.text', text: 'Thinking it over.', signature: 'c2lnbmVk', format: 'anthropic-claude-v1', index: 0 },
        { type: 'reasoning.encrypted', data: 'ZW5jcnlwdGVk', format: 'anthropic-claude-v1', index: 1 },
      ],
      annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.org/1', title: 'One', content: 'A page', start_index: 6, end_index: 9 } }],
      images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' }, index: 0 }],
    },
  }],
  usage: USAGE,
};

describe('a completion body as a stream', () => {
  it('streams every part of the message in delta fields, and adds up to the same body again', () => {
    const chunks = chunksFromCompletion(FULL_BODY) ?? [];
    const deltas = chunks.map((entry) => entry.choices?.[0]?.delta ?? {});
    expect(deltas.find((delta) => delta['reasoning_details'])).toMatchObject({ reasoning: 'Thinking it over.', reasoning_details: FULL_BODY.choices[0]?.message.reasoning_details });
    expect(deltas.find((delta) => delta['images'])?.['images']).toEqual(FULL_BODY.choices[0]?.message.images);
    expect(deltas.find((delta) => delta['annotations'])?.['annotations']).toEqual(FULL_BODY.choices[0]?.message.annotations);
    expect(chunks.find((entry) => (entry.choices?.[0] as { logprobs?: unknown } | undefined)?.logprobs)?.choices?.[0]).toMatchObject({ delta: { content: 'Hello [1]' }, logprobs: FULL_BODY.choices[0]?.logprobs });
    expect(chunks.at(-2)?.choices?.[0]).toMatchObject({ finish_reason: 'stop', native_finish_reason: 'end_turn' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: USAGE, system_fingerprint: 'fp_1' });
    expect(completionFromChunks(chunks)).toEqual(FULL_BODY);
  });

  it('streams a refusal as delta.refusal', () => {
    const body = { ...FULL_BODY, choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content: '', refusal: 'I can\'t help with that.', reasoning: null } }] };
    const chunks = chunksFromCompletion(body) ?? [];
    expect(chunks.map((entry) => entry.choices?.[0]?.delta?.['refusal']).filter(Boolean)).toEqual(['I can\'t help with that.']);
    expect(completionFromChunks(chunks)?.['choices']).toEqual(body.choices);
  });

  it('streams tool calls as indexed pieces with their ids, names and arguments', () => {
    const calls = [
      { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ];
    const body = { ...FULL_BODY, choices: [{ index: 0, logprobs: null, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, refusal: null, reasoning: null, tool_calls: calls } }] };
    const chunks = chunksFromCompletion(body) ?? [];
    expect(chunks.flatMap((entry) => (entry.choices?.[0]?.delta?.['tool_calls'] as unknown[] | undefined) ?? [])).toEqual(calls);
    expect(completionFromChunks(chunks)?.['choices']).toEqual(body.choices);
  });

  it('streams every choice of an answer with several, each under its index', () => {
    const second = { ...FULL_BODY.choices[0], index: 1, message: { ...FULL_BODY.choices[0]?.message, content: 'Another [1]' } };
    const body = { ...FULL_BODY, choices: [FULL_BODY.choices[0], second] };
    expect(completionFromChunks(chunksFromCompletion(body) ?? [])).toEqual(body);
  });

  it('is undefined for a message field no delta is known to carry, and ignores one that is null', () => {
    const withAudio = (audio: unknown) => ({ ...FULL_BODY, choices: [{ ...FULL_BODY.choices[0], message: { ...FULL_BODY.choices[0]?.message, audio } }] });
    expect(chunksFromCompletion(withAudio({ id: 'audio_1', data: 'UklGR', transcript: 'Hello' }))).toBeUndefined();
    expect(chunksFromCompletion(withAudio(null))).toBeDefined();
    expect(chunksFromCompletion({ ...FULL_BODY, choices: [{ ...FULL_BODY.choices[0], message: { role: 'assistant', content: [{ type: 'text', text: 'parts' }] } }] })).toBeUndefined();
  });
});

describe('a stream as a completion body', () => {
  it('adds up text, refusal and reasoning pieces, lists, logprobs, and reasoning details and tool calls by index', () => {
    const chunks = [
      chunk({ content: '', reasoning: 'Think', reasoning_details: [{ type: 'reasoning.text', text: 'Think', format: 'anthropic-claude-v1', index: 0 }] }),
      chunk({ content: '', reasoning: 'ing.', reasoning_details: [{ type: 'reasoning.text', text: 'ing.', format: 'anthropic-claude-v1', index: 0 }] }),
      chunk({ content: '', reasoning: '', reasoning_details: [{ type: 'reasoning.text', text: '', signature: 'c2ln', format: 'anthropic-claude-v1', index: 0 }] }),
      chunk({ content: '', images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' }, index: 0 }] }),
      chunk({ content: 'Hel' }, { logprobs: { content: [logprob('Hel')], refusal: null } }),
      chunk({ content: 'lo' }, { logprobs: { content: [logprob('lo')], refusal: null } }),
      chunk({ content: '', refusal: 'Partly ' }),
      chunk({ content: '', refusal: 'refused.' }),
      chunk({ content: '', annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.org/1' } }] }),
      chunk({ content: '', annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.org/2' } }] }),
      chunk({ content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
      chunk({ content: null, tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }),
      chunk({ content: null, tool_calls: [{ index: 0, function: { arguments: '"tides"}' } }] }),
      chunk({ content: '' }, { finish_reason: 'tool_calls', native_finish_reason: 'tool_use' }),
      { ...HEAD, choices: [], usage: USAGE },
    ];
    expect(completionFromChunks(chunks)).toEqual({
      id: 'gen-1',
      object: 'chat.completion',
      created: 1,
      model: 'openai/gpt-4o',
      provider: 'OpenAI',
      choices: [{
        index: 0,
        logprobs: { content: [logprob('Hel'), logprob('lo')], refusal: null },
        finish_reason: 'tool_calls',
        native_finish_reason: 'tool_use',
        message: {
          role: 'assistant',
          content: 'Hello',
          refusal: 'Partly refused.',
          reasoning: 'Thinking.',
          reasoning_details: [{ type: 'reasoning.text', text: 'Thinking.', signature: 'c2ln', format: 'anthropic-claude-v1', index: 0 }],
          images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' }, index: 0 }],
          annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.org/1' } }, { type: 'url_citation', url_citation: { url: 'https://example.org/2' } }],
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"tides"}' } }],
        },
      }],
      usage: USAGE,
    });
  });

  it('says null where the stream had no text, as a JSON answer that only calls tools does', () => {
    const chunks = [chunk({ content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] }), chunk({ content: '' }, { finish_reason: 'tool_calls' })];
    expect(completionFromChunks(chunks)).toMatchObject({ choices: [{ message: { content: null, refusal: null, reasoning: null } }] });
  });

  it('is undefined for a delta field it cannot add up, or pieces that disagree, and ignores null fields', () => {
    const text = [chunk({ content: 'Hi' }), chunk({ content: '' }, { finish_reason: 'stop' })];
    expect(completionFromChunks([chunk({ audio: { id: 'audio_1', data: 'UklG' } }), ...text])).toBeUndefined();
    expect(completionFromChunks([chunk({ content: 'x' }, { content_filter_results: { hate: true } }), ...text])).toBeUndefined();
    const signed = (signature: string) => chunk({ reasoning_details: [{ type: 'reasoning.text', text: '', signature, index: 0 }] });
    expect(completionFromChunks([signed('one'), signed('two'), ...text])).toBeUndefined();
    expect(completionFromChunks([chunk({ audio: null }), ...text])).toMatchObject({ choices: [{ message: { content: 'Hi' } }] });
  });
});

describe('an answer in the form a request takes', () => {
  it('is the form it was kept in, rebuilt in the other when nothing is lost, else undefined', () => {
    const chunks = chunksFromCompletion(FULL_BODY) ?? [];
    expect(answerAs({ kind: 'chat', body: FULL_BODY }, false)).toEqual({ stream: false, body: FULL_BODY });
    expect(answerAs({ kind: 'chat', body: FULL_BODY }, true)).toEqual({ stream: true, chunks });
    expect(answerAs({ kind: 'chat', chunks }, false)).toEqual({ stream: false, body: FULL_BODY });
    const unknown = [chunk({ audio: { id: 'audio_1' } }), ...chunks];
    expect(answerAs({ kind: 'chat', chunks: unknown }, true)).toEqual({ stream: true, chunks: unknown });
    expect(answerAs({ kind: 'chat', chunks: unknown }, false)).toBeUndefined();
  });
});

describe('unbilledUsage', () => {
  it('keeps the usage fields and makes every token count and cost 0', () => {
    const usage = { ...USAGE, is_byok: false, prompt_tokens_details: { cached_tokens: 3 }, cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0.000001 } };
    expect(unbilledUsage(usage)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0, is_byok: false, prompt_tokens_details: { cached_tokens: 0 }, cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0 } });
    expect(unbilledUsage(undefined)).toBeUndefined();
  });
});
