'use client';
import { Fragment, type ReactNode } from 'react';
import { showInvisibleCharacters } from '../core/invisible-characters.js';

/** A name that may break after a slash (`anthropic/` `claude-sonnet-4`) but never inside a word. */
function breakableName(name: string): ReactNode {
  const parts = name.split(/(?<=\/)/);
  return parts.length === 1
    ? name
    : parts.map((part, index) => (
        <Fragment key={index}>
          {index > 0 && <wbr />}
          {part}
        </Fragment>
      ));
}

/**
 * A name the gateway recorded from callers (a model, a feature, a user id, a request id), shown so it cannot pass for
 * another: bidi controls and invisible characters written out as `\uXXXX`, and right-to-left text isolated in a
 * `<bdi>` so it cannot reorder the words around it. It may break after a slash.
 *
 * @example
 * <VisibleName name={entry.model} />
 */
export function VisibleName({ name }: { name: string }): ReactNode {
  return <bdi>{breakableName(showInvisibleCharacters(name))}</bdi>;
}

/** Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko… and their presentation forms). */
const RIGHT_TO_LEFT = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

/**
 * `VisibleName` for a name that goes into a sentence a label makes (a string, where no `<bdi>` fits): written out the
 * same way and, when it holds right-to-left letters, between the Unicode isolates that do what `<bdi>` does.
 *
 * @example
 * labels.by(visibleNameText(entry.changedBy), when);
 */
export function visibleNameText(name: string): string {
  const shown = showInvisibleCharacters(name);
  return RIGHT_TO_LEFT.test(shown) ? `\u2068${shown}\u2069` : shown;
}
