'use client';
import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import type { AiTheme } from '../../primitives/ai-root.js';
import { PortalRoot } from '../../primitives/portal-root.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';

export interface UnsavedChangesDialogProps {
  open: boolean;
  theme: AiTheme | undefined;
  unstyled: boolean | undefined;
  onKeepEditing(): void;
  onDiscard(): void;
}

/** Asks before edits are lost (closing the dialog, or switching to another feature): an alert dialog over it. */
export function UnsavedChangesDialog({ open, theme, unstyled, onKeepEditing, onDiscard }: UnsavedChangesDialogProps): ReactNode {
  const { labels, className } = useSettingsDialogContext('UnsavedChangesDialog');
  return (
    <Dialog.Root open={open} onOpenChange={(next) => !next && onKeepEditing()}>
      <Dialog.Portal>
        {/* Asked from the settings dialog (the focus is in it): drawn in its direction. */}
        <PortalRoot theme={theme} unstyled={unstyled ?? false} directionFrom={() => document.activeElement}>
          <Dialog.Overlay className={className('overlay', 'ia-settings__overlay', 'ia-settings__overlay--confirm')} />
          <Dialog.Content role="alertdialog" className={className('content', 'ia-settings__confirm')}>
            <Dialog.Title className={className('title', 'ia-settings__title')}>{labels.unsavedTitle}</Dialog.Title>
            <Dialog.Description className="ia-settings__hint">{labels.unsavedBody}</Dialog.Description>
            <div className={className('footer', 'ia-settings__footer')}>
              <Dialog.Close asChild>
                <button type="button" className={className('button', 'ia-settings__button')}>
                  {labels.keepEditing}
                </button>
              </Dialog.Close>
              <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--danger')} onClick={onDiscard}>
                {labels.discardChanges}
              </button>
            </div>
          </Dialog.Content>
        </PortalRoot>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
