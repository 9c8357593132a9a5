'use client';
import type { AttachmentKind } from '@insforge/ai-protocol';
import { useId, type ReactNode } from 'react';
import type { FeatureConfigFields } from '../../core/admin-types.js';
import { sameJson } from '../../core/settings-draft-store.js';
import {
  attachmentRuleOf,
  providerPreferencesOf,
  REASONING_EFFORTS,
  reasoningOf,
  withAttachmentRule,
  withProviderPreferences,
  withReasoning,
  type ExtensionMode,
  type ProviderPreferences,
  type ReasoningEffort,
} from './extension-policy.js';
import { CheckboxField, CommaListField, fieldErrorOf, ModeField, SelectField, WholeNumberField } from './policy-fields.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { useSettingsFormContext } from './settings-form-context.js';

const MEGABYTE = 1024 * 1024;
const ALLOW_FORBID = ['allow', 'forbid'] as const;
const EVERY_MODE = ['allow', 'forbid', 'force'] as const;

/** The draft and what is saved, as fields (a gateway older than the policy sends none: `{}`). */
export function useExtensionFields(part: string) {
  const form = useSettingsFormContext(part);
  const saved: FeatureConfigFields = { ...form.config, extensions: form.config.extensions ?? {} };
  const problem = (path: string) => form.policyProblems[path] ?? fieldErrorOf(form.settings.error, path);
  // The gateway's refusal of a whole rule (not of one of its fields, which shows under that field).
  const refusal = (path: string) => (form.settings.error?.param === path ? fieldErrorOf(form.settings.error, path) : undefined);
  return { ...form, saved, problem, refusal, change: (patch: Partial<FeatureConfigFields>) => form.settings.change(patch) };
}

/** A titled group of the extensions section. */
export function ExtensionGroup({ name, title, children }: { name: string; title: string; children: ReactNode }): ReactNode {
  const id = useId();
  return (
    <div className="ia-settings__extension-group" data-group={name} role="group" aria-labelledby={id}>
      <h4 id={id} className="ia-settings__group-title">
        {title}
      </h4>
      <div className="ia-settings__extension-list">{children}</div>
    </div>
  );
}

/** One kind of attachment: allowed (how many, how large, which types) or forbidden; disabled where the model cannot read it. */
export function AttachmentRuleFields({ kind, unreadable, note }: { kind: AttachmentKind; unreadable: string | undefined; note: string | undefined }): ReactNode {
  const { labels } = useSettingsDialogContext('SettingsDialog.ExtensionsSection');
  const { draft, saved, problem, refusal, change } = useExtensionFields('SettingsDialog.ExtensionsSection');
  const rule = attachmentRuleOf(draft.extensions, kind);
  const savedRule = attachmentRuleOf(saved.extensions, kind);
  const bounds = rule === false ? undefined : (rule ?? {});
  const savedBounds = savedRule === false ? undefined : (savedRule ?? {});
  const at = `extensions.attachments.${kind}`;
  const edit = (patch: Record<string, unknown>) => change(withAttachmentRule(draft.extensions, kind, { ...bounds, ...patch }));
  return (
    <div className="ia-settings__extension" data-extension={`attachments.${kind}`}>
      <ModeField<'allow' | 'forbid'>
        name={at}
        label={labels.attachmentKinds[kind]}
        hint={[labels.attachmentHints[kind], note].filter(Boolean).join(' ')}
        value={rule === false ? 'forbid' : 'allow'}
        options={ALLOW_FORBID}
        optionLabel={(mode) => labels.extensionModes[mode]}
        unavailable={unreadable ? { allow: unreadable } : undefined}
        error={refusal(at)}
        dirty={(rule === false) !== (savedRule === false)}
        onValueChange={(mode) => change(withAttachmentRule(draft.extensions, kind, mode === 'forbid' ? false : undefined))}
      />
      {/* Bounds of files the model cannot read would bound nothing. */}
      {bounds && !unreadable && (
        <div className="ia-settings__grid ia-settings__extension-bounds">
          <WholeNumberField
            name={`${at}.maxCount`}
            label={labels.maxCount}
            placeholder="10"
            value={bounds.maxCount}
            min={1}
            max={100}
            error={problem(`${at}.maxCount`)}
            dirty={!Object.is(bounds.maxCount, savedBounds?.maxCount)}
            onValueChange={(maxCount) => edit({ maxCount })}
          />
          <WholeNumberField
            name={`${at}.maxBytes`}
            label={labels.maxMegabytes}
            hint={labels.maxMegabytesHint}
            placeholder="10"
            step={0.1}
            value={bounds.maxBytes === undefined ? undefined : Math.round((bounds.maxBytes / MEGABYTE) * 1000) / 1000}
            min={0.001}
            max={100}
            error={problem(`${at}.maxBytes`)}
            dirty={!Object.is(bounds.maxBytes, savedBounds?.maxBytes)}
            onValueChange={(megabytes) => edit({ maxBytes: megabytes === undefined ? undefined : Math.round(megabytes * MEGABYTE) })}
          />
          <CommaListField
            name={`${at}.mimeTypes`}
            label={labels.mediaTypes}
            hint={labels.mediaTypesHint(kind)}
            list={bounds.mimeTypes}
            error={problem(`${at}.mimeTypes`)}
            dirty={!sameJson(bounds.mimeTypes, savedBounds?.mimeTypes)}
            onListChange={(mimeTypes) => edit({ mimeTypes })}
          />
        </div>
      )}
    </div>
  );
}

/** Reasoning: allowed within a token budget, forbidden, or always on at an effort; disabled for a model that does not reason. */
export function ReasoningFields({ unsupported }: { unsupported: string | undefined }): ReactNode {
  const { labels } = useSettingsDialogContext('SettingsDialog.ExtensionsSection');
  const { draft, saved, problem, refusal, change } = useExtensionFields('SettingsDialog.ExtensionsSection');
  const reasoning = reasoningOf(draft);
  const before = reasoningOf(saved);
  const set = (next: Partial<typeof reasoning>) => change(withReasoning(draft, { ...reasoning, ...next }));
  return (
    <div className="ia-settings__extension" data-extension="reasoning">
      <ModeField<ExtensionMode>
        name="reasoning"
        label={labels.reasoning}
        hint={labels.reasoningHint}
        value={reasoning.access}
        options={EVERY_MODE}
        optionLabel={(mode) => labels.extensionModes[mode]}
        unavailable={unsupported ? { allow: unsupported, force: unsupported } : undefined}
        error={refusal('clientOverrides.reasoning')}
        dirty={reasoning.access !== before.access}
        onValueChange={(access) => set({ access })}
      />
      {reasoning.access === 'allow' && (
        <div className="ia-settings__grid ia-settings__extension-bounds">
          <WholeNumberField name="clientOverrides.reasoning.min" label={labels.reasoningMin} hint={labels.reasoningBoundHint} value={reasoning.min} min={0} error={problem('clientOverrides.reasoning.min')} dirty={!Object.is(reasoning.min, before.min)} onValueChange={(min) => set({ min })} />
          <WholeNumberField name="clientOverrides.reasoning.max" label={labels.reasoningMax} value={reasoning.max} min={1} error={problem('clientOverrides.reasoning.max')} dirty={!Object.is(reasoning.max, before.max)} onValueChange={(max) => set({ max })} />
        </div>
      )}
      {reasoning.access === 'force' && (
        <div className="ia-settings__grid ia-settings__extension-bounds">
          <SelectField<ReasoningEffort> name="params.extra.reasoning.effort" label={labels.reasoningEffort} value={reasoning.effort ?? 'medium'} options={REASONING_EFFORTS} optionLabel={(effort) => labels.reasoningEfforts[effort]} dirty={reasoning.effort !== before.effort} onValueChange={(effort) => set({ effort })} />
        </div>
      )}
    </div>
  );
}

const SORTS = ['none', 'price', 'throughput', 'latency'] as const;
const COLLECTION = ['allow', 'deny'] as const;

/** The feature's own provider preferences (when provider preferences are always on): order, only, ignore, sort, fallbacks, data collection. */
export function ProviderPreferenceFields(): ReactNode {
  const { labels } = useSettingsDialogContext('SettingsDialog.ExtensionsSection');
  const { draft, saved, problem, change } = useExtensionFields('SettingsDialog.ExtensionsSection');
  const preferences = providerPreferencesOf(draft);
  const before = providerPreferencesOf(saved);
  const edit = (patch: ProviderPreferences) => change(withProviderPreferences(draft, { ...preferences, ...patch }));
  const list = (key: 'order' | 'only' | 'ignore', label: string) => (
    <CommaListField name={`params.extra.provider.${key}`} label={label} hint={labels.providerListHint} list={preferences[key]} error={problem(`params.extra.provider.${key}`)} dirty={!sameJson(preferences[key], before[key])} onListChange={(value) => edit({ [key]: value })} />
  );
  return (
    <div className="ia-settings__grid ia-settings__extension-bounds" data-extension="provider-preferences">
      {list('order', labels.providerOrder)}
      {list('only', labels.providerOnly)}
      {list('ignore', labels.providerIgnore)}
      <SelectField name="params.extra.provider.sort" label={labels.providerSort} value={preferences.sort ?? 'none'} options={SORTS} optionLabel={(sort) => labels.providerSorts[sort]} dirty={preferences.sort !== before.sort} onValueChange={(sort) => edit({ sort: sort === 'none' ? undefined : sort })} />
      <SelectField
        name="params.extra.provider.data_collection"
        label={labels.dataCollection}
        value={preferences.data_collection ?? 'allow'}
        options={COLLECTION}
        optionLabel={(value) => labels.dataCollections[value]}
        dirty={preferences.data_collection !== before.data_collection}
        onValueChange={(value) => edit({ data_collection: value === 'allow' ? undefined : value })}
      />
      <CheckboxField name="params.extra.provider.allow_fallbacks" label={labels.allowFallbacks} checked={preferences.allow_fallbacks !== false} dirty={preferences.allow_fallbacks !== before.allow_fallbacks} onCheckedChange={(allow) => edit({ allow_fallbacks: allow })} />
    </div>
  );
}
