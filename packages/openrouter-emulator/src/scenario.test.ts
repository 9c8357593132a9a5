import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, splitModelScenario } from './scenario.js';

describe('parseScenario', () => {
  it('reads knobs separated by ; or , with bare switches', () => {
    expect(parseScenario('ttft=200;tps=50, usage=b;error-body;error-done=0')).toEqual({
      ttftMs: 200,
      tokensPerSecond: 50,
      usageForm: 'b',
      errorBody: true,
      doneAfterError: false,
    });
  });

  it('reads the tokenizer knobs', () => {
    expect(parseScenario('tokenizer=bytes;token-chars=400')).toEqual({ tokenizer: 'bytes', tokenCharacters: 400 });
    expect(() => parseScenario('tokenizer=chars')).toThrow(/words\|bytes/);
    expect(() => parseScenario('token-chars=0')).toThrow(/≥ 1/);
  });

  it('names the knob that is unknown or malformed', () => {
    expect(() => parseScenario('tsp=5')).toThrow(/unknown scenario knob "tsp"/);
    expect(() => parseScenario('tps=-1')).toThrow(ScenarioError);
    expect(() => parseScenario('usage=c')).toThrow(/a\|b/);
    expect(() => parseScenario('status=200')).toThrow(/≥ 400/);
    expect(() => parseScenario('status=600')).toThrow(/≤ 599/);
  });

  it('splits a model id from its scenario suffix', () => {
    expect(splitModelScenario('openai/gpt-4o#ttft=5')).toEqual({ model: 'openai/gpt-4o', scenario: 'ttft=5' });
    expect(splitModelScenario('openai/gpt-4o')).toEqual({ model: 'openai/gpt-4o', scenario: undefined });
  });
});
