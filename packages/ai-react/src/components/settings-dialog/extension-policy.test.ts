import { describe, expect, it } from 'vitest';
import type { FeatureConfigFields } from '../../core/admin-types.js';
import { optionAccess, pluginAccess, reasoningOf, withAttachmentRule, withFunctionTools, withOptionAccess, withPlugin, withReasoning, withServerTool } from './extension-policy.js';

const draft = (fields: Partial<FeatureConfigFields> = {}): FeatureConfigFields => ({
  modality: 'text',
  model: 'anthropic/claude-sonnet-4',
  fallbackModels: [],
  systemPrompt: '',
  params: { max_tokens: 256 },
  clientOverrides: {},
  roles: ['admin', 'user'],
  cache: { enabled: false, ttlSeconds: 3600, cacheNonDeterministic: false },
  guardrails: [],
  guardrailMessage: null,
  extensions: {},
  ...fields,
});

describe('the extension policy as the dialog edits it', () => {
  it('writes nothing for the gateway’s defaults, so a round trip back is not a change', () => {
    const forced = withServerTool({}, 'web_search', 'force').extensions;
    expect(forced).toEqual({ serverTools: { web_search: 'force' } });
    expect(withServerTool(forced, 'web_search', 'forbid').extensions).toEqual({});
    expect(withOptionAccess(draft(), 'cacheControl', 'allow')).toEqual({ extensions: {} });
    expect(withOptionAccess(draft(), 'plugins', 'allow')).toEqual({ extensions: { plugins: 'allow' } });
    const bounded = withAttachmentRule({}, 'image', { maxCount: 2, maxBytes: undefined }).extensions;
    expect(bounded).toEqual({ attachments: { image: { maxCount: 2 } } });
    expect(withAttachmentRule(bounded, 'image', { maxCount: undefined }).extensions).toEqual({});
    expect(withAttachmentRule({}, 'audio', false).extensions).toEqual({ attachments: { audio: false } });
  });

  it('rules a plugin by id over the rule for every plugin, as the gateway reads them', () => {
    expect(pluginAccess({ plugins: 'allow' }, 'web')).toBe('allow');
    const forced = withPlugin({ plugins: 'allow' }, 'response-healing', 'force').extensions;
    expect(forced).toEqual({ plugins: 'allow', pluginsById: { 'response-healing': 'force' } });
    expect(pluginAccess(forced, 'response-healing')).toBe('force');
    expect(withPlugin(forced, 'response-healing', 'allow').extensions).toEqual({ plugins: 'allow' });
    expect(withPlugin({}, 'web', 'forbid').extensions).toEqual({});
  });

  it('forces provider preferences as the feature’s own parameters, and gives them up when no longer forced', () => {
    const forced = draft({ ...withOptionAccess(draft(), 'provider', 'force') });
    expect(forced.params).toEqual({ max_tokens: 256, extra: { provider: { allow_fallbacks: true } } });
    expect(optionAccess(forced, 'provider')).toBe('force');
    expect(withOptionAccess(forced, 'provider', 'allow')).toEqual({ extensions: { provider: 'allow' }, params: { max_tokens: 256 } });
  });

  it('reads and writes reasoning through the parameters: a budget bound, a refusal, or an effort always sent', () => {
    expect(reasoningOf(draft({ clientOverrides: { reasoning: { min: 1, max: 10 } } }))).toEqual({ access: 'allow', min: 1, max: 10 });
    const forced = withReasoning(draft(), { access: 'force', effort: 'low' });
    expect(forced).toEqual({ params: { max_tokens: 256, extra: { reasoning: { effort: 'low' } } }, clientOverrides: { reasoning: false } });
    expect(reasoningOf(draft(forced))).toEqual({ access: 'force', effort: 'low' });
    expect(withReasoning(draft(forced), { access: 'allow' })).toEqual({ params: { max_tokens: 256 }, clientOverrides: {} });
    expect(withFunctionTools(draft(), 'forbid')).toEqual({ clientOverrides: { tools: false, tool_choice: false, parallel_tool_calls: false } });
  });
});
