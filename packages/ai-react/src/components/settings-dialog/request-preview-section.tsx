'use client';
import type { ReactNode } from 'react';
import type { FeatureConfigFields } from '../../core/admin-types.js';
import type { ModelEntry } from '../../core/chat-types.js';
import { ignoredParameters } from './parameter-support.js';
import { buildRequestPreview } from './request-preview.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

/** The body the gateway will send for a user message under the draft: system prompt first, then the parameters. */
export function RequestPreviewSection({ draft, model }: { draft: FeatureConfigFields; model: ModelEntry | undefined }): ReactNode {
  const { labels, className } = useSettingsDialogContext('RequestPreviewSection');
  const body = buildRequestPreview(draft, { userMessage: labels.previewUserMessage });
  const ignored = ignoredParameters(draft.params, model);
  return (
    <SettingsSection name="preview" title={labels.sectionPreview}>
      <p className="ia-settings__hint">{labels.previewHint}</p>
      <pre className={className('input', 'ia-settings__preview')} tabIndex={0} aria-label={labels.sectionPreview} data-testid="request-preview">
        <code>{JSON.stringify(body, null, 2)}</code>
      </pre>
      {ignored.length > 0 && <p className="ia-settings__reason">{labels.ignoredByModel(ignored, draft.model)}</p>}
      {draft.fallbackModels.length > 0 && <p className="ia-settings__hint">{labels.fallbacks(draft.fallbackModels)}</p>}
    </SettingsSection>
  );
}
