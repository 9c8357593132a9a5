'use client';
import { createContext, useContext } from 'react';
import { classes, type AiTheme } from '../../primitives/ai-root.js';
import type { SettingsDialogLabels } from './settings-dialog-labels.js';

/** The parts of the dialog an app can add its own class names to. */
export type SettingsDialogSlot =
  | 'overlay'
  | 'content'
  | 'header'
  | 'title'
  | 'body'
  | 'section'
  | 'field'
  | 'input'
  | 'button'
  | 'footer'
  | 'notice'
  | 'error'
  | 'table';

export interface SettingsDialogContextValue {
  labels: SettingsDialogLabels;
  /** Passed on to the components the dialog embeds (the ModelPicker). */
  theme: AiTheme | undefined;
  unstyled: boolean;
  /** The class names of a slot: the component's own (`ia-…`, dropped when unstyled) and the app's. */
  className(slot: SettingsDialogSlot, own: string, ...extra: Array<string | false | undefined>): string | undefined;
}

const SettingsDialogContext = createContext<SettingsDialogContextValue | null>(null);
SettingsDialogContext.displayName = 'SettingsDialogContext';

export const SettingsDialogContextProvider = SettingsDialogContext.Provider;

/**
 * Labels and class names for the dialog's parts; throws, naming the part, outside a `SettingsDialog`.
 *
 * @example
 * const { labels, className } = useSettingsDialogContext('ProviderKeySection');
 */
export function useSettingsDialogContext(part: string): SettingsDialogContextValue {
  const value = useContext(SettingsDialogContext);
  if (!value) throw new Error(`\`${part}\` must be used within \`SettingsDialog\``);
  return value;
}

/**
 * Builds the context value's `className` from the dialog's props.
 *
 * @example
 * const className = slotClassNames(unstyled, classNames);
 */
export function slotClassNames(unstyled: boolean | undefined, classNames: Partial<Record<SettingsDialogSlot, string>> | undefined): SettingsDialogContextValue['className'] {
  return (slot, own, ...extra) => classes(unstyled, own, ...extra.map((name) => (unstyled ? undefined : name)), classNames?.[slot]);
}
