'use client';
import * as Dialog from '@radix-ui/react-dialog';
import { useCallback, useId, useMemo, useState, type ReactElement, type ReactNode } from 'react';
import type { FeatureConfig } from '../../core/admin-types.js';
import { AiRoot, type AiTheme } from '../../primitives/ai-root.js';
import { useControllableState } from '../../primitives/use-controllable-state.js';
import { FeatureSettingsForm } from './feature-settings-form.js';
import { slotClassNames, SettingsDialogContextProvider, type SettingsDialogContextValue, type SettingsDialogSlot } from './settings-dialog-context.js';
import { DEFAULT_SETTINGS_DIALOG_LABELS, type SettingsDialogLabels } from './settings-dialog-labels.js';
import { UnsavedChangesDialog } from './unsaved-changes-dialog.js';
import { useBeforeUnload } from './use-before-unload.js';

export interface SettingsDialogProps {
  /** Open (controlled); leave it out and use `defaultOpen` or `trigger` to let the dialog own it. */
  open?: boolean | undefined;
  defaultOpen?: boolean | undefined;
  /** Hears every open and close; a close with unsaved edits is only reported once the admin confirms it. */
  onOpenChange?: ((open: boolean) => void) | undefined;
  /** An element that opens the dialog (e.g. a "Settings" button). */
  trigger?: ReactElement | undefined;
  /** The feature to edit; with `features`, the one shown (controlled). */
  feature?: string | undefined;
  /** Several features, with a switcher between them. */
  features?: readonly string[] | undefined;
  /** The feature shown first when `features` is given and `feature` is not. */
  defaultFeature?: string | undefined;
  onFeatureChange?: ((feature: string) => void) | undefined;
  /** Called with each configuration saved (a save, or "Keep mine" after a conflict). */
  onSaved?: ((config: FeatureConfig) => void) | undefined;
  /** Any of the dialog's strings, to translate or reword them. */
  labels?: Partial<SettingsDialogLabels> | undefined;
  /** Class names added to the dialog's parts. */
  classNames?: Partial<Record<SettingsDialogSlot, string>> | undefined;
  /** Drops the dialog's own classes (`ia-…`), keeping its structure, ARIA and `data-*` attributes. */
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

type Pending = { kind: 'close' } | { kind: 'switch'; feature: string };

/**
 * The settings of an AI feature for an admin, in a dialog titled "AI settings": the model (and what it supports),
 * the system prompt and parameters, custom JSON parameters, a preview of the request, a live test, the OpenRouter
 * key and the limits; saved with a version check, and never closed on unsaved edits without asking.
 *
 * @example
 * <SettingsDialog features={['chat', 'summarize']} trigger={<button type="button">AI settings</button>} />
 */
export function SettingsDialog(props: SettingsDialogProps): ReactNode {
  const { trigger, features, onSaved, labels: givenLabels, classNames, unstyled, theme = 'system' } = props;
  const [open, setOpen] = useControllableState({ value: props.open, defaultValue: props.defaultOpen ?? false, onChange: props.onOpenChange });
  const [feature, setFeature] = useControllableState({ value: props.feature, defaultValue: props.defaultFeature ?? features?.[0] ?? '', onChange: props.onFeatureChange });
  const [dirty, setDirty] = useState(false);
  const [pending, setPending] = useState<Pending>();
  const switcherId = useId();
  const labels = useMemo(() => ({ ...DEFAULT_SETTINGS_DIALOG_LABELS, ...givenLabels }), [givenLabels]);
  const context = useMemo<SettingsDialogContextValue>(() => ({ labels, theme, unstyled: unstyled ?? false, className: slotClassNames(unstyled, classNames) }), [labels, theme, unstyled, classNames]);
  const { className } = context;
  useBeforeUnload(open && dirty, labels.beforeUnload);
  const onDirtyChange = useCallback((next: boolean) => setDirty(next), []);

  const perform = (action: Pending) => {
    setDirty(false);
    if (action.kind === 'close') setOpen(false);
    else setFeature(action.feature);
  };
  const request = (action: Pending) => (dirty ? setPending(action) : perform(action));

  return (
    <SettingsDialogContextProvider value={context}>
      <Dialog.Root open={open} onOpenChange={(next) => (next ? setOpen(true) : request({ kind: 'close' }))}>
        {trigger && <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>}
        <Dialog.Portal>
          <AiRoot theme={theme} unstyled={unstyled ?? false}>
            <Dialog.Overlay className={className('overlay', 'ia-settings__overlay')} />
            <Dialog.Content
              className={className('content', 'ia-settings')}
              data-dirty={dirty ? '' : undefined}
              onEscapeKeyDown={(event) => {
                // Escape in an open model picker closes the picker only, not the whole dialog.
                if (event.target instanceof Element && event.target.closest('[role="combobox"][aria-expanded="true"]')) event.preventDefault();
              }}
            >
              <div className={className('header', 'ia-settings__header')}>
                <Dialog.Title className={className('title', 'ia-settings__title')}>{labels.title}</Dialog.Title>
                {features && features.length > 1 && (
                  <div className="ia-settings__switcher">
                    <label className="ia-settings__label" htmlFor={switcherId}>
                      {labels.feature}
                    </label>
                    <select id={switcherId} className={className('input', 'ia-settings__input')} value={feature} onChange={(event) => request({ kind: 'switch', feature: event.target.value })}>
                      {features.map((name) => (
                        <option key={name} value={name}>
                          {name}
                        </option>
                      ))}
                    </select>
                  </div>
                )}
                <Dialog.Close className={className('button', 'ia-settings__button', 'ia-settings__close')} aria-label={labels.close}>
                  <span aria-hidden="true">×</span>
                </Dialog.Close>
              </div>
              <Dialog.Description className="ia-settings__description">{labels.description}</Dialog.Description>
              {feature !== '' && <FeatureSettingsForm key={feature} feature={feature} onDirtyChange={onDirtyChange} onSaved={onSaved} />}
            </Dialog.Content>
          </AiRoot>
        </Dialog.Portal>
      </Dialog.Root>
      <UnsavedChangesDialog
        open={pending !== undefined}
        theme={theme}
        unstyled={unstyled}
        onKeepEditing={() => setPending(undefined)}
        onDiscard={() => {
          if (pending) perform(pending);
          setPending(undefined);
        }}
      />
    </SettingsDialogContextProvider>
  );
}
