'use client';
import * as Dialog from '@radix-ui/react-dialog';
import { useCallback, useId, useMemo, useRef, useState, type ComponentPropsWithoutRef, type ReactElement, type ReactNode, type RefObject } from 'react';
import type { FeatureConfig } from '../../core/admin-types.js';
import type { AiTheme } from '../../primitives/ai-root.js';
import { PortalRoot } from '../../primitives/portal-root.js';
import { createScopedContext } from '../../primitives/create-scoped-context.js';
import { useControllableState } from '../../primitives/use-controllable-state.js';
import { useAdminAccess } from '../../react/use-admin-access.js';
import { CloseIcon } from '../../icons/close-icon.js';
import { FeatureSettingsForm } from './feature-settings-form.js';
import { SettingsExtensionsSection } from './extension-policy-section.js';
import { SettingsCacheSection, SettingsGuardrailsSection } from './policy-sections.js';
import {
  SettingsCustomParametersSection,
  SettingsKeySection,
  SettingsLimitsSection,
  SettingsModelSection,
  SettingsParametersSection,
  SettingsPreviewSection,
  SettingsTestSection,
} from './settings-form-sections.js';
import { slotClassNames, SettingsDialogContextProvider, useSettingsDialogContext, type SettingsDialogContextValue, type SettingsDialogSlot } from './settings-dialog-context.js';
import { defaultSettingsDialogLabels, type SettingsDialogLabels } from './settings-dialog-labels.js';
import { UnsavedChangesDialog } from './unsaved-changes-dialog.js';
import { useBeforeUnload } from './use-before-unload.js';

export interface SettingsDialogRootProps {
  /** Open (controlled); leave it out and use `defaultOpen` or a trigger to let the dialog own it. */
  open?: boolean | undefined;
  defaultOpen?: boolean | undefined;
  /** Hears every open and close; a close with unsaved edits is only reported once the admin confirms it. */
  onOpenChange?: ((open: boolean) => void) | undefined;
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
  children?: ReactNode;
}

export interface SettingsDialogProps extends Omit<SettingsDialogRootProps, 'children'> {
  /** An element that opens the dialog (e.g. a "Settings" button); shown only to callers the gateway lets in. */
  trigger?: ReactElement | undefined;
}

type Pending = { kind: 'close' } | { kind: 'switch'; feature: string };

interface SettingsDialogState {
  feature: string;
  features: readonly string[] | undefined;
  dirty: boolean;
  onDirtyChange(dirty: boolean): void;
  /** Switches feature, asking first when there are unsaved edits. */
  requestFeature(feature: string): void;
  onSaved: ((config: FeatureConfig) => void) | undefined;
  /** The trigger's element: the dialog, in its portal, is drawn in the direction the trigger is. */
  trigger: RefObject<HTMLButtonElement | null>;
}

const [SettingsDialogStateContext, useSettingsDialogState] = createScopedContext<SettingsDialogState>('SettingsDialog.Root');

/**
 * Holds what the dialog's parts share: open, the feature shown, unsaved edits (asked about before a close or a
 * switch loses them), labels, classes and theme.
 *
 * @example
 * <SettingsDialog.Root features={['chat', 'code']}>
 *   <SettingsDialog.Trigger asChild><button type="button">AI settings</button></SettingsDialog.Trigger>
 *   <SettingsDialog.Content />
 * </SettingsDialog.Root>
 */
export function SettingsDialogRoot(props: SettingsDialogRootProps): ReactNode {
  const { features, onSaved, labels: givenLabels, classNames, unstyled, theme, children } = props;
  const [open, setOpen] = useControllableState({ value: props.open, defaultValue: props.defaultOpen ?? false, onChange: props.onOpenChange });
  const [feature, setFeature] = useControllableState({ value: props.feature, defaultValue: props.defaultFeature ?? features?.[0] ?? '', onChange: props.onFeatureChange });
  const [dirty, setDirty] = useState(false);
  const [pending, setPending] = useState<Pending>();
  const trigger = useRef<HTMLButtonElement | null>(null);
  const labels = useMemo(() => ({ ...defaultSettingsDialogLabels, ...givenLabels }), [givenLabels]);
  const context = useMemo<SettingsDialogContextValue>(() => ({ labels, theme, unstyled: unstyled ?? false, className: slotClassNames(unstyled, classNames) }), [labels, theme, unstyled, classNames]);
  useBeforeUnload(open && dirty, labels.beforeUnload);
  const onDirtyChange = useCallback((next: boolean) => setDirty(next), []);

  const perform = (action: Pending) => {
    setDirty(false);
    if (action.kind === 'close') setOpen(false);
    else setFeature(action.feature);
  };
  const request = (action: Pending) => (dirty ? setPending(action) : perform(action));
  const state: SettingsDialogState = { feature, features, dirty, onDirtyChange, requestFeature: (next) => request({ kind: 'switch', feature: next }), onSaved, trigger };

  return (
    <SettingsDialogContextProvider value={context}>
      <SettingsDialogStateContext.Provider value={state}>
        <Dialog.Root open={open} onOpenChange={(next) => (next ? setOpen(true) : request({ kind: 'close' }))}>
          {children}
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
      </SettingsDialogStateContext.Provider>
    </SettingsDialogContextProvider>
  );
}

export interface SettingsDialogTriggerProps extends ComponentPropsWithoutRef<'button'> {
  /** Render the given element (your own button) as the trigger. */
  asChild?: boolean | undefined;
  /**
   * Show the trigger whatever the gateway says; by default it shows once the gateway lets the caller use its admin
   * routes, so a user who is not an admin never meets a button that only answers "no permission".
   */
  alwaysShow?: boolean | undefined;
}

/**
 * Opens the dialog. Hidden from callers who are not admins (asked once with an admin read), unless `alwaysShow`.
 *
 * @example
 * <SettingsDialog.Trigger asChild><button type="button">AI settings</button></SettingsDialog.Trigger>
 */
export function SettingsDialogTrigger({ alwaysShow, ...props }: SettingsDialogTriggerProps): ReactNode {
  const { trigger } = useSettingsDialogState('SettingsDialog.Trigger');
  return alwaysShow ? <Dialog.Trigger ref={trigger} {...props} /> : <CheckedTrigger trigger={trigger} {...props} />;
}

function CheckedTrigger({ trigger, ...props }: Omit<SettingsDialogTriggerProps, 'alwaysShow'> & { trigger: RefObject<HTMLButtonElement | null> }): ReactNode {
  const access = useAdminAccess();
  return access === 'granted' ? <Dialog.Trigger ref={trigger} {...props} /> : null;
}

export interface SettingsDialogContentProps {
  /** What the dialog's body shows; default every section of the feature (`SettingsDialog.Form`). */
  children?: ReactNode;
}

/**
 * The dialog itself, in a portal: title, feature switcher, close, description and the body (by default the
 * feature's form).
 *
 * @example
 * <SettingsDialog.Content />
 */
export function SettingsDialogContent({ children }: SettingsDialogContentProps): ReactNode {
  const { labels, className, theme, unstyled } = useSettingsDialogContext('SettingsDialog.Content');
  const { feature, features, dirty, requestFeature, trigger } = useSettingsDialogState('SettingsDialog.Content');
  const switcherId = useId();
  return (
    <Dialog.Portal>
      <PortalRoot theme={theme} unstyled={unstyled} directionFrom={() => trigger.current}>
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
                <select id={switcherId} className={className('input', 'ia-settings__input')} value={feature} onChange={(event) => requestFeature(event.target.value)}>
                  {features.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <Dialog.Close className={className('button', 'ia-settings__button', 'ia-settings__close')} aria-label={labels.close} data-tooltip={labels.close}>
              <CloseIcon />
            </Dialog.Close>
          </div>
          <Dialog.Description className="ia-settings__description">{labels.description}</Dialog.Description>
          {children ?? <SettingsDialogForm />}
        </Dialog.Content>
      </PortalRoot>
    </Dialog.Portal>
  );
}

/**
 * The feature's settings over one draft, and saving: by default every section (model, prompt, parameters, custom
 * JSON, preview, live test, key, limits); give the sections you want, in your order, as children. Remounted on a
 * switch of feature so no edit crosses features.
 *
 * @example
 * <SettingsDialog.Form>
 *   <SettingsDialog.ModelSection />
 *   <SettingsDialog.TestSection />
 * </SettingsDialog.Form>
 */
export function SettingsDialogForm({ children }: { children?: ReactNode }): ReactNode {
  const { feature, onDirtyChange, onSaved } = useSettingsDialogState('SettingsDialog.Form');
  return feature === '' ? null : (
    <FeatureSettingsForm key={feature} feature={feature} onDirtyChange={onDirtyChange} onSaved={onSaved}>
      {children}
    </FeatureSettingsForm>
  );
}

/**
 * The settings of an AI feature for an admin, in a dialog titled "AI settings": the model (and what it supports),
 * the system prompt and parameters, custom JSON parameters, a preview of the request, a live test, the response
 * cache, the guardrails, what clients may add (tools, attachments, reasoning, OpenRouter's options), the OpenRouter key
 * and the limits; saved with a version check, and never closed on unsaved edits without asking. The trigger
 * shows only to callers the gateway lets use its admin routes. Compose your own from `SettingsDialog.Root`,
 * `.Trigger`, `.Content`, `.Form` and its sections (`.ModelSection`, `.ParametersSection`, `.CustomParametersSection`,
 * `.PreviewSection`, `.TestSection`, `.CacheSection`, `.GuardrailsSection`, `.ExtensionsSection`, `.KeySection`,
 * `.LimitsSection`).
 *
 * @example
 * <SettingsDialog features={['chat', 'summarize']} trigger={<button type="button">AI settings</button>} />
 */
export function SettingsDialog({ trigger, ...props }: SettingsDialogProps): ReactNode {
  return (
    <SettingsDialogRoot {...props}>
      {trigger && <SettingsDialogTrigger asChild>{trigger}</SettingsDialogTrigger>}
      <SettingsDialogContent />
    </SettingsDialogRoot>
  );
}

SettingsDialog.Root = SettingsDialogRoot;
SettingsDialog.Trigger = SettingsDialogTrigger;
SettingsDialog.Content = SettingsDialogContent;
SettingsDialog.Form = SettingsDialogForm;
SettingsDialog.ModelSection = SettingsModelSection;
SettingsDialog.ParametersSection = SettingsParametersSection;
SettingsDialog.CustomParametersSection = SettingsCustomParametersSection;
SettingsDialog.PreviewSection = SettingsPreviewSection;
SettingsDialog.TestSection = SettingsTestSection;
SettingsDialog.CacheSection = SettingsCacheSection;
SettingsDialog.GuardrailsSection = SettingsGuardrailsSection;
SettingsDialog.ExtensionsSection = SettingsExtensionsSection;
SettingsDialog.KeySection = SettingsKeySection;
SettingsDialog.LimitsSection = SettingsLimitsSection;
