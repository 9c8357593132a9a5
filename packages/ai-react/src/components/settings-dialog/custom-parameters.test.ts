import { describe, expect, it } from 'vitest';
import { customParametersText, parseCustomParameters, withCustomParameters } from './custom-parameters.js';
import { buildRequestPreview } from './request-preview.js';
import { defaultSettingsDialogLabels as labels } from './settings-dialog-labels.js';

describe('custom parameters', () => {
  it('splits response_format and stop from the free-form extras, and back', () => {
    const parsed = parseCustomParameters('{"response_format": {"type": "json_object"}, "stop": ["END"], "reasoning": {"effort": "low"}}', labels);
    expect(parsed).toEqual({ ok: true, value: { response_format: { type: 'json_object' }, stop: ['END'], extra: { reasoning: { effort: 'low' } } } });
    const params = withCustomParameters({ temperature: 0.3, stop: 'OLD', extra: { seed: 1 } }, parsed.ok ? parsed.value : {});
    expect(params).toEqual({ temperature: 0.3, response_format: { type: 'json_object' }, stop: ['END'], extra: { reasoning: { effort: 'low' } } });
    expect(JSON.parse(customParametersText(params))).toEqual({ response_format: { type: 'json_object' }, stop: ['END'], reasoning: { effort: 'low' } });
    expect(customParametersText({ temperature: 1 })).toBe('{}');
    expect(parseCustomParameters('  ', labels)).toEqual({ ok: true, value: {} });
  });

  it('explains what is wrong, in words', () => {
    const error = (text: string) => {
      const result = parseCustomParameters(text, labels);
      return result.ok ? undefined : result.error;
    };
    expect(error('{"a": ')).toMatch(/^This is not valid JSON: /);
    expect(error('[1, 2]')).toBe(labels.notAnObject);
    expect(error('{"temperature": 1}')).toBe('"temperature" is set elsewhere: use its own field, or leave it to the gateway.');
    expect(error('{"messages": []}')).toBe('"messages" is set elsewhere: use its own field, or leave it to the gateway.');
    expect(error('{"response_format": "json"}')).toBe(labels.responseFormat);
    expect(error('{"stop": ["a", "b", "c", "d", "e"]}')).toBe(labels.stop);
  });

  it('previews the body the gateway sends: the system prompt first, the extras last', () => {
    const body = buildRequestPreview({ model: 'openai/gpt-4o-mini', systemPrompt: 'Be brief.', params: { temperature: 0.3, extra: { temperature: 0.1, seed: 7 } } }, { userMessage: 'Hi' });
    expect(body).toEqual({ model: 'openai/gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], temperature: 0.1, seed: 7 });
    expect(buildRequestPreview({ model: 'm', systemPrompt: '', params: {} }, { userMessage: 'Hi' })).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
  });
});
