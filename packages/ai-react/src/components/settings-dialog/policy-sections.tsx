'use client';
import { useRef, useState, type ReactNode } from 'react';
import { PII_KINDS, type FeatureCacheSettings, type GuardrailConfig, type GuardrailMode, type GuardrailStage, type GuardrailType, type PiiKind } from '../../core/admin-types.js';
import { toAiError } from '../../core/errors.js';
import { useAiContext } from '../../react/ai-provider.js';
import { CheckboxField, fieldErrorOf, MAX_CACHE_TTL_SECONDS, SelectField, TextField, WholeNumberField } from './policy-fields.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import type { SettingsDialogLabels } from './settings-dialog-labels.js';
import { useSettingsFormContext } from './settings-form-context.js';
import { SettingsSection } from './settings-section.js';

type Purge = { status: 'idle' | 'running' } | { status: 'done'; count: number } | { status: 'error'; message: string };

/**
 * The feature's response cache: on or off, how long answers are kept, whether sampled answers may be shared, and a
 * purge of what it holds now. An image feature says it is never cached.
 *
 * @example
 * <SettingsDialog.Form><SettingsDialog.CacheSection /></SettingsDialog.Form>
 */
export function SettingsCacheSection(): ReactNode {
  const { labels, className } = useSettingsDialogContext('SettingsDialog.CacheSection');
  const { feature, settings, draft, config, policyProblems } = useSettingsFormContext('SettingsDialog.CacheSection');
  const { client } = useAiContext('SettingsDialog.CacheSection');
  const [purge, setPurge] = useState<Purge>({ status: 'idle' });
  const running = useRef<AbortController | undefined>(undefined);

  if (draft.modality === 'image') {
    return (
      <SettingsSection name="cache" title={labels.sectionCache}>
        <p className="ia-settings__muted">{labels.cacheNeverImages}</p>
      </SettingsSection>
    );
  }

  const cache = draft.cache;
  const saved = config.cache;
  const change = (patch: Partial<FeatureCacheSettings>) => settings.change({ cache: { ...cache, ...patch } });
  const runPurge = async () => {
    running.current?.abort();
    const abort = new AbortController();
    running.current = abort;
    setPurge({ status: 'running' });
    try {
      const result = await client.cache.purge(feature, { signal: abort.signal });
      setPurge({ status: 'done', count: result.purged });
    } catch (thrown) {
      if (!abort.signal.aborted) setPurge({ status: 'error', message: toAiError(thrown, { admin: true }).userMessage });
    }
  };

  return (
    <SettingsSection name="cache" title={labels.sectionCache}>
      <p className="ia-settings__hint">{labels.cacheHint}</p>
      <div className="ia-settings__grid">
        <CheckboxField name="cache.enabled" label={labels.cacheEnabled} checked={cache.enabled} dirty={cache.enabled !== saved.enabled} onCheckedChange={(enabled) => change({ enabled })} />
        <WholeNumberField
          name="cache.ttlSeconds"
          label={labels.cacheTtl}
          hint={labels.cacheTtlHint}
          value={cache.ttlSeconds}
          min={1}
          max={MAX_CACHE_TTL_SECONDS}
          error={policyProblems['cache.ttlSeconds'] ?? fieldErrorOf(settings.error, 'cache')}
          dirty={!Object.is(cache.ttlSeconds, saved.ttlSeconds)}
          onValueChange={(ttlSeconds) => change({ ttlSeconds: ttlSeconds ?? Number.NaN })}
        />
        <CheckboxField
          name="cache.cacheNonDeterministic"
          label={labels.cacheNonDeterministic}
          hint={labels.cacheNonDeterministicHint}
          checked={cache.cacheNonDeterministic}
          disabled={!cache.enabled}
          dirty={cache.cacheNonDeterministic !== saved.cacheNonDeterministic}
          onCheckedChange={(cacheNonDeterministic) => change({ cacheNonDeterministic })}
        />
      </div>
      <div className="ia-settings__control-row">
        <button type="button" className={className('button', 'ia-settings__button')} disabled={purge.status === 'running'} onClick={() => void runPurge()}>
          {purge.status === 'running' ? labels.purging : labels.purgeCache}
        </button>
        <p role="status" className="ia-settings__status">
          {purge.status === 'done' ? labels.purged(purge.count) : ''}
        </p>
      </div>
      {purge.status === 'error' && (
        <p role="alert" className={className('error', 'ia-settings__error')}>
          {purge.message}
        </p>
      )}
    </SettingsSection>
  );
}

const GUARDRAIL_TYPES: readonly GuardrailType[] = ['pii', 'blocklist', 'size', 'moderation'];
const STAGES: readonly GuardrailStage[] = ['input', 'output', 'both'];
const MODES: readonly GuardrailMode[] = ['redact', 'block'];

/** A new guardrail of a kind, as the gateway defaults it. */
function newGuardrail(type: GuardrailType): GuardrailConfig {
  switch (type) {
    case 'pii':
      return { type, stage: 'input', mode: 'redact', kinds: [...PII_KINDS] };
    case 'blocklist':
      return { type, stage: 'both', mode: 'block', words: [], patterns: [] };
    case 'size':
      return { type, maxInputCharacters: 20_000 };
    case 'moderation':
      return { type, stage: 'input', model: 'meta-llama/llama-guard-4-12b' };
  }
}

const lines = (text: string) => text.split('\n');
// Blank lines are left out when saved; kept while typing, so Enter makes a new line.
const listOf = (text: string) => lines(text).map((line) => line.trim()).filter((line) => line !== '');
const textOf = (list: readonly string[] | undefined) => (list ?? []).join('\n');

/**
 * The feature's guardrails, in the order they run: add one of each kind, edit, move up and down, remove; and the
 * message users are told when one blocks. A pattern the gateway refuses on save is shown under its field.
 *
 * @example
 * <SettingsDialog.Form><SettingsDialog.GuardrailsSection /></SettingsDialog.Form>
 */
export function SettingsGuardrailsSection(): ReactNode {
  const { labels, className } = useSettingsDialogContext('SettingsDialog.GuardrailsSection');
  const { settings, draft, config } = useSettingsFormContext('SettingsDialog.GuardrailsSection');
  const [adding, setAdding] = useState<GuardrailType>('pii');
  const [moved, setMoved] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const guardrails = draft.guardrails;
  const setGuardrails = (next: GuardrailConfig[]) => settings.change({ guardrails: next });
  const nameOf = (guardrail: GuardrailConfig) => guardrail.name ?? labels.guardrailTypes[guardrail.type];

  const move = (from: number, to: number, button: 'up' | 'down') => {
    const next = [...guardrails];
    const [item] = next.splice(from, 1);
    if (!item) return;
    next.splice(to, 0, item);
    setGuardrails(next);
    setMoved(labels.guardrailMoved(nameOf(item), to + 1));
    // Focus stays with the guardrail that moved (on the same button, or the other one at the ends).
    requestAnimationFrame(() => {
      const card = list.current?.children[to];
      const target = card?.querySelector<HTMLButtonElement>(`[data-action="move-${button}"]:not(:disabled)`) ?? card?.querySelector<HTMLButtonElement>('[data-action^="move-"]:not(:disabled)');
      target?.focus();
    });
  };

  return (
    <SettingsSection name="guardrails" title={labels.sectionGuardrails}>
      <p className="ia-settings__hint">{labels.guardrailsHint}</p>
      <TextField
        name="guardrailMessage"
        label={labels.guardrailMessage}
        hint={labels.guardrailMessageHint}
        value={draft.guardrailMessage ?? ''}
        dirty={draft.guardrailMessage !== config.guardrailMessage}
        error={fieldErrorOf(settings.error, 'guardrailMessage')}
        onValueChange={(value) => settings.change({ guardrailMessage: value === '' ? null : value })}
      />
      {guardrails.length === 0 ? (
        <p className="ia-settings__muted">{labels.noGuardrails}</p>
      ) : (
        <ol ref={list} className="ia-settings__guardrails">
          {guardrails.map((guardrail, index) => (
            <GuardrailCard
              // Position is the identity here: a guardrail has no id, and moving one moves its fields with it.
              key={index}
              index={index}
              count={guardrails.length}
              guardrail={guardrail}
              saved={config.guardrails[index]}
              labels={labels}
              onChange={(next) => setGuardrails(guardrails.map((item, at) => (at === index ? next : item)))}
              onMove={(to, button) => move(index, to, button)}
              onRemove={() => {
                setGuardrails(guardrails.filter((_, at) => at !== index));
                setMoved('');
              }}
            />
          ))}
        </ol>
      )}
      <p role="status" className="ia-settings__status">
        {moved}
      </p>
      <div className="ia-settings__control-row">
        <SelectField<GuardrailType> name="guardrail-kind" label={labels.guardrailKind} value={adding} options={GUARDRAIL_TYPES} optionLabel={(type) => labels.guardrailTypes[type]} dirty={false} onValueChange={setAdding} />
        <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__add-guardrail')} onClick={() => setGuardrails([...guardrails, newGuardrail(adding)])}>
          {labels.addGuardrail}
        </button>
      </div>
    </SettingsSection>
  );
}

interface GuardrailCardProps {
  index: number;
  count: number;
  guardrail: GuardrailConfig;
  /** The guardrail saved at this position, to mark what changed. */
  saved: GuardrailConfig | undefined;
  labels: SettingsDialogLabels;
  onChange(next: GuardrailConfig): void;
  onMove(to: number, button: 'up' | 'down'): void;
  onRemove(): void;
}

function GuardrailCard({ index, count, guardrail, saved, labels, onChange, onMove, onRemove }: GuardrailCardProps): ReactNode {
  const { className } = useSettingsDialogContext('SettingsDialog.GuardrailsSection');
  const { settings, policyProblems } = useSettingsFormContext('SettingsDialog.GuardrailsSection');
  const path = `guardrails.${index}`;
  const name = guardrail.name ?? labels.guardrailTypes[guardrail.type];
  const field = (config: GuardrailConfig | undefined, key: string) => JSON.stringify((config as Record<string, unknown> | undefined)?.[key]);
  const same = (key: string) => saved?.type === guardrail.type && field(saved, key) === field(guardrail, key);
  const problem = (key: string) => policyProblems[`${path}.${key}`] ?? fieldErrorOf(settings.error, `${path}.${key}`);
  // A refusal of the guardrail as a whole (not of one of its fields) is shown under its title.
  const refused = settings.error?.param === path ? fieldErrorOf(settings.error, path) : undefined;
  const edit = (patch: Record<string, unknown>) => onChange({ ...guardrail, ...patch } as GuardrailConfig);
  const titleId = `${path}-title`;
  const stageField = 'stage' in guardrail && (
    <SelectField<GuardrailStage> name="stage" label={labels.guardrailStage} value={guardrail.stage ?? 'input'} options={STAGES} optionLabel={(stage) => labels.guardrailStages[stage]} dirty={!same('stage')} onValueChange={(stage) => edit({ stage })} />
  );
  const modeField = (guardrail.type === 'pii' || guardrail.type === 'blocklist') && (
    <SelectField<GuardrailMode> name="mode" label={labels.guardrailMode} value={guardrail.mode ?? (guardrail.type === 'pii' ? 'redact' : 'block')} options={MODES} optionLabel={(mode) => labels.guardrailModes[mode]} dirty={!same('mode')} onValueChange={(mode) => edit({ mode })} />
  );

  return (
    <li className="ia-settings__guardrail" data-type={guardrail.type} data-state={saved && JSON.stringify(saved) === JSON.stringify(guardrail) ? 'saved' : 'dirty'} aria-labelledby={titleId}>
      <div className="ia-settings__guardrail-header">
        <h4 id={titleId} className="ia-settings__guardrail-title">
          {labels.guardrailTitle(index + 1, name)}
        </h4>
        <div className="ia-settings__control-row">
          <button type="button" data-action="move-up" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} disabled={index === 0} aria-label={labels.moveUp(name)} onClick={() => onMove(index - 1, 'up')}>
            ↑
          </button>
          <button type="button" data-action="move-down" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} disabled={index === count - 1} aria-label={labels.moveDown(name)} onClick={() => onMove(index + 1, 'down')}>
            ↓
          </button>
          <button type="button" data-action="remove" className={className('button', 'ia-settings__button', 'ia-settings__button--danger')} aria-label={labels.removeGuardrail(name)} onClick={onRemove}>
            ×
          </button>
        </div>
      </div>
      <p className="ia-settings__hint">{labels.guardrailTypeHints[guardrail.type]}</p>
      {refused && <p className={className('error', 'ia-settings__field-error')}>{refused}</p>}
      <div className="ia-settings__grid">
        {stageField}
        {modeField}
        {guardrail.type === 'size' && (
          <>
            <WholeNumberField name="maxInputCharacters" label={labels.maxInputCharacters} value={guardrail.maxInputCharacters} min={1} error={problem('maxInputCharacters')} dirty={!same('maxInputCharacters')} onValueChange={(maxInputCharacters) => edit({ maxInputCharacters })} />
            <WholeNumberField name="maxMessages" label={labels.maxMessages} value={guardrail.maxMessages} min={1} error={problem('maxMessages')} dirty={!same('maxMessages')} onValueChange={(maxMessages) => edit({ maxMessages })} />
          </>
        )}
        {guardrail.type === 'moderation' && (
          <TextField name="model" label={labels.moderationModel} hint={labels.moderationModelHint} value={guardrail.model ?? ''} error={problem('model')} dirty={!same('model')} onValueChange={(model) => edit({ model: model === '' ? undefined : model })} />
        )}
      </div>
      {guardrail.type === 'pii' && (
        <fieldset className="ia-settings__fieldset" aria-describedby={problem('kinds') ? `${path}-kinds-error` : undefined}>
          <legend className="ia-settings__label">{labels.piiKindsLegend}</legend>
          <div className="ia-settings__checks">
            {PII_KINDS.map((kind: PiiKind) => {
              const kinds = guardrail.kinds ?? [...PII_KINDS];
              return (
                <label key={kind} className="ia-settings__check">
                  <input type="checkbox" checked={kinds.includes(kind)} onChange={(event) => edit({ kinds: event.target.checked ? PII_KINDS.filter((item) => item === kind || kinds.includes(item)) : kinds.filter((item) => item !== kind) })} />
                  <span>{labels.piiKinds[kind]}</span>
                </label>
              );
            })}
          </div>
          {problem('kinds') && (
            <p id={`${path}-kinds-error`} className={className('error', 'ia-settings__field-error')}>
              {problem('kinds')}
            </p>
          )}
        </fieldset>
      )}
      {guardrail.type === 'blocklist' && (
        <div className="ia-settings__grid">
          <ListField name="words" label={labels.blockedWords} hint={labels.onePerLine} list={guardrail.words} error={problem('words')} dirty={!same('words')} onListChange={(words) => edit({ words })} />
          <ListField name="patterns" label={labels.blockedPatterns} hint={labels.onePerLine} list={guardrail.patterns} error={problem('patterns')} dirty={!same('patterns')} onListChange={(patterns) => edit({ patterns })} />
        </div>
      )}
      <TextField name="message" label={labels.ownMessage} hint={labels.ownMessageHint} value={guardrail.message ?? ''} error={problem('message')} dirty={!same('message')} onValueChange={(message) => edit({ message: message === '' ? undefined : message })} />
    </li>
  );
}

/** A list edited as lines of text: blank lines are kept while typing and left out of the list. */
function ListField({ name, label, hint, list, error, dirty, onListChange }: { name: string; label: string; hint: string; list: string[] | undefined; error: string | undefined; dirty: boolean; onListChange(list: string[]): void }): ReactNode {
  const [text, setText] = useState(textOf(list));
  const [shown, setShown] = useState(textOf(list));
  if (shown !== textOf(list)) {
    setShown(textOf(list));
    if (textOf(listOf(text)) !== textOf(list)) setText(textOf(list));
  }
  return (
    <TextField
      name={name}
      label={label}
      hint={hint}
      rows={4}
      value={text}
      error={error}
      dirty={dirty}
      onValueChange={(value) => {
        setText(value);
        onListChange(listOf(value));
      }}
    />
  );
}
