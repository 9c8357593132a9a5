import type { FeatureConfigFields } from '../../core/admin-types.js';

/**
 * The body the gateway sends OpenRouter for one user message under this configuration (its `prepareChat`): the
 * model, the system prompt first, the feature's parameters, then the free-form extras, which win.
 *
 * @example
 * buildRequestPreview(draft, { userMessage: 'Hello' });
 * // { model: 'openai/gpt-4o-mini', messages: [{ role: 'system', … }, { role: 'user', content: 'Hello' }], temperature: 0.3 }
 */
export function buildRequestPreview(draft: Pick<FeatureConfigFields, 'model' | 'systemPrompt' | 'params'>, options: { userMessage: string }): Record<string, unknown> {
  const { extra, ...params } = draft.params;
  const defined = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
  const messages = [...(draft.systemPrompt ? [{ role: 'system', content: draft.systemPrompt }] : []), { role: 'user', content: options.userMessage }];
  return { model: draft.model, messages, ...defined, ...extra };
}
