'use client';
import { useId, type ReactNode } from 'react';
import { useSettingsDialogContext } from './settings-dialog-context.js';

/** One titled part of the dialog: a region named by its heading. */
export function SettingsSection({ name, title, children }: { name: string; title: string; children: ReactNode }): ReactNode {
  const { className } = useSettingsDialogContext('SettingsSection');
  const id = useId();
  return (
    <section className={className('section', 'ia-settings__section')} data-section={name} aria-labelledby={id}>
      <h3 id={id} className="ia-settings__section-title">
        {title}
      </h3>
      {children}
    </section>
  );
}
