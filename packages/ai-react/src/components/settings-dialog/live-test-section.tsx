'use client';
import { useId, useState, type ReactNode } from 'react';
import type { FeatureTestState } from '../../core/settings-draft-store.js';
import { Markdown } from '../../markdown/markdown.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

export interface LiveTestSectionProps {
  state: FeatureTestState;
  /** The draft has errors: the test would not run what the admin sees. */
  blocked: boolean;
  onRun(prompt: string): void;
}

/**
 * Runs the draft on a prompt against the real model and shows the answer (rendered as markdown), model, tokens,
 * cost and latency.
 *
 * @example
 * <LiveTestSection state={settings.testState} blocked={false} onRun={(prompt) => void settings.test(prompt)} />
 */
export function LiveTestSection({ state, blocked, onRun }: LiveTestSectionProps): ReactNode {
  const { labels, className, unstyled } = useSettingsDialogContext('LiveTestSection');
  const id = useId();
  const [prompt, setPrompt] = useState(labels.defaultTestPrompt);
  const running = state.status === 'running';
  const result = state.status === 'done' ? state.result : undefined;
  return (
    <SettingsSection name="test" title={labels.sectionTest}>
      <form
        className="ia-settings__inline-form"
        data-state={state.status}
        onSubmit={(event) => {
          event.preventDefault();
          if (prompt.trim() !== '') onRun(prompt);
        }}
      >
        <label className="ia-settings__label" htmlFor={id}>
          {labels.testPrompt}
        </label>
        <textarea id={id} className={className('input', 'ia-settings__input')} rows={2} value={prompt} onChange={(event) => setPrompt(event.target.value)} aria-describedby={`${id}-hint`} />
        <p id={`${id}-hint`} className="ia-settings__hint">
          {labels.testUsesDraft}
        </p>
        <button type="submit" className={className('button', 'ia-settings__button')} disabled={running || blocked || prompt.trim() === ''} aria-busy={running || undefined}>
          {running ? labels.testing : labels.runTest}
        </button>
      </form>
      <div role="status" className="ia-settings__test-result" data-state={state.status}>
        {result && (
          <dl className="ia-settings__facts">
            <dt>{labels.testAnswer}</dt>
            <dd className="ia-settings__answer">
              {/* The answer as the chat shows it: the same safe markdown renderer, not the raw text. */}
              <Markdown source={result.answer} unstyled={unstyled} />
            </dd>
            <dt>{labels.testModel}</dt>
            <dd>{result.provider ? `${result.model} (${result.provider})` : result.model}</dd>
            <dt>{labels.testTokens}</dt>
            <dd>{labels.tokens(result.usage.promptTokens, result.usage.completionTokens, result.usage.totalTokens)}</dd>
            <dt>{labels.testCost}</dt>
            <dd>{labels.money(result.costUsd)}</dd>
            <dt>{labels.testLatency}</dt>
            <dd>{labels.milliseconds(result.latencyMs)}</dd>
          </dl>
        )}
      </div>
      {state.status === 'error' && state.error && (
        <p role="alert" className={className('error', 'ia-settings__error')}>
          {state.error.userMessage}
        </p>
      )}
    </SettingsSection>
  );
}
