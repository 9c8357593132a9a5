'use client';
import type { ReactNode } from 'react';
import {
  ATTACHMENT_KINDS,
  extensionSupport,
  functionToolsAccess,
  optionAccess,
  pluginAccess,
  pluginsOf,
  serverToolAccess,
  serverToolsOf,
  withFunctionTools,
  withOptionAccess,
  withPlugin,
  withServerTool,
  type ExtensionMode,
  type RequestOption,
} from './extension-policy.js';
import { AttachmentRuleFields, ExtensionGroup, ProviderPreferenceFields, ReasoningFields, useExtensionFields } from './extension-policy-fields.js';
import { ModeField } from './policy-fields.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

const ALLOW_FORBID = ['allow', 'forbid'] as const;
const EVERY_MODE = ['allow', 'forbid', 'force'] as const;
const OPTIONS: readonly RequestOption[] = ['models', 'transforms', 'cacheControl'];

/**
 * What a client of the feature may add beyond the parameters (its `extensions` policy, and the tool and reasoning
 * parameters): function tools, each OpenRouter server tool (web search, allow / forbid / always on), attachments by
 * kind with their count, size and type bounds, reasoning (within a budget, or always on at an effort), each plugin
 * and any other, provider preferences (the client's, or the feature's own), model fallbacks, transforms and prompt
 * caching. What the
 * chosen model cannot use is disabled, saying why. Text features only.
 *
 * @example
 * <SettingsDialog.Form><SettingsDialog.ExtensionsSection /></SettingsDialog.Form>
 */
export function SettingsExtensionsSection(): ReactNode {
  const { labels } = useSettingsDialogContext('SettingsDialog.ExtensionsSection');
  const { draft, saved, model, refusal, change } = useExtensionFields('SettingsDialog.ExtensionsSection');
  if (draft.modality !== 'text') return null;
  const support = extensionSupport(model);
  const noTools = support.tools ? undefined : labels.cannotCallTools(draft.model);
  const modeLabel = (mode: ExtensionMode) => labels.extensionModes[mode];

  return (
    <SettingsSection name="extensions" title={labels.sectionExtensions}>
      <p className="ia-settings__hint">{labels.extensionsHint}</p>
      <ExtensionGroup name="tools" title={labels.extensionGroups.tools}>
        <div className="ia-settings__extension" data-extension="functionTools">
          <ModeField
            name="clientOverrides.tools"
            label={labels.functionTools}
            hint={labels.functionToolsHint}
            value={functionToolsAccess(draft)}
            options={ALLOW_FORBID}
            optionLabel={modeLabel}
            unavailable={noTools ? { allow: noTools } : undefined}
            error={refusal('clientOverrides.tools')}
            dirty={functionToolsAccess(draft) !== functionToolsAccess(saved)}
            onValueChange={(mode) => change(withFunctionTools(draft, mode))}
          />
        </div>
        {serverToolsOf(draft.extensions).map((name) => (
          <div key={name} className="ia-settings__extension" data-extension={`serverTools.${name}`}>
            <ModeField
              name={`extensions.serverTools.${name}`}
              label={labels.serverToolNames[name] ?? name}
              hint={labels.serverToolHint(name)}
              value={serverToolAccess(draft.extensions, name)}
              options={EVERY_MODE}
              optionLabel={modeLabel}
              unavailable={noTools ? { allow: noTools, force: noTools } : undefined}
              error={refusal(`extensions.serverTools.${name}`)}
              dirty={serverToolAccess(draft.extensions, name) !== serverToolAccess(saved.extensions, name)}
              onValueChange={(mode) => change(withServerTool(draft.extensions, name, mode))}
            />
          </div>
        ))}
      </ExtensionGroup>
      <ExtensionGroup name="attachments" title={labels.extensionGroups.attachments}>
        {ATTACHMENT_KINDS.map((kind) => (
          <AttachmentRuleFields
            key={kind}
            kind={kind}
            unreadable={support.attachments[kind] ? undefined : labels.cannotRead(kind, draft.model)}
            note={kind === 'file' && !support.readsFiles ? labels.filesParsed(draft.model) : undefined}
          />
        ))}
      </ExtensionGroup>
      <ExtensionGroup name="reasoning" title={labels.extensionGroups.reasoning}>
        <ReasoningFields unsupported={support.reasoning ? undefined : labels.cannotReason(draft.model)} />
      </ExtensionGroup>
      <ExtensionGroup name="plugins" title={labels.extensionGroups.plugins}>
        {pluginsOf(draft.extensions).map((id) => {
          // Response healing repairs structured (JSON) answers: of no use to a model that cannot give one.
          const useless = id === 'response-healing' && !support.structuredOutputs ? labels.noStructuredOutputs(draft.model) : undefined;
          return (
            <div key={id} className="ia-settings__extension" data-extension={`plugins.${id}`}>
              <ModeField
                name={`extensions.pluginsById.${id}`}
                label={labels.pluginNames[id] ?? id}
                hint={labels.pluginHint(id)}
                value={pluginAccess(draft.extensions, id)}
                options={EVERY_MODE}
                optionLabel={modeLabel}
                unavailable={useless ? { allow: useless, force: useless } : undefined}
                error={refusal(`extensions.pluginsById.${id}`)}
                dirty={pluginAccess(draft.extensions, id) !== pluginAccess(saved.extensions, id)}
                onValueChange={(mode) => change(withPlugin(draft.extensions, id, mode))}
              />
            </div>
          );
        })}
        <div className="ia-settings__extension" data-extension="plugins">
          <ModeField
            name="extensions.plugins"
            label={labels.requestOptions.plugins}
            hint={labels.requestOptionHints.plugins}
            value={optionAccess(draft, 'plugins') === 'forbid' ? 'forbid' : 'allow'}
            options={ALLOW_FORBID}
            optionLabel={modeLabel}
            error={refusal('extensions.plugins')}
            dirty={optionAccess(draft, 'plugins') !== optionAccess(saved, 'plugins')}
            onValueChange={(mode) => change(withOptionAccess(draft, 'plugins', mode))}
          />
        </div>
      </ExtensionGroup>
      <ExtensionGroup name="options" title={labels.extensionGroups.options}>
        <div className="ia-settings__extension" data-extension="provider">
          <ModeField
            name="extensions.provider"
            label={labels.requestOptions.provider}
            hint={optionAccess(draft, 'provider') === 'force' ? labels.providerForced : labels.requestOptionHints.provider}
            value={optionAccess(draft, 'provider')}
            options={EVERY_MODE}
            optionLabel={modeLabel}
            error={refusal('extensions.provider')}
            dirty={optionAccess(draft, 'provider') !== optionAccess(saved, 'provider')}
            onValueChange={(mode) => change(withOptionAccess(draft, 'provider', mode))}
          />
          {optionAccess(draft, 'provider') === 'force' && <ProviderPreferenceFields />}
        </div>
        {OPTIONS.map((name) => (
          <div key={name} className="ia-settings__extension" data-extension={name}>
            <ModeField
              name={`extensions.${name}`}
              label={labels.requestOptions[name]}
              hint={labels.requestOptionHints[name]}
              // Only provider preferences can be always on; the other options are allowed or not.
              value={optionAccess(draft, name) === 'forbid' ? 'forbid' : 'allow'}
              options={ALLOW_FORBID}
              optionLabel={modeLabel}
              error={refusal(`extensions.${name}`)}
              dirty={optionAccess(draft, name) !== optionAccess(saved, name)}
              onValueChange={(mode) => change(withOptionAccess(draft, name, mode))}
            />
          </div>
        ))}
      </ExtensionGroup>
    </SettingsSection>
  );
}
