'use client';
import { forwardRef, useEffect, useRef, type ButtonHTMLAttributes, type HTMLAttributes } from 'react';
import { acceptAttribute, acceptsAttachments } from '../../core/attachments.js';
import { CloseIcon } from '../../icons/close-icon.js';
import { ByteSize } from '../byte-size.js';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { FileName } from '../file-name.js';
import { composeRefs } from '../slot.js';
import { useThreadContext } from '../thread/thread-context.js';
import { visuallyHidden } from '../visually-hidden.js';
import { useComposerContext } from './composer.js';

/**
 * Picks files (a button named by the `attachFiles` label, with a hidden file input limited to what the feature
 * takes); nothing where the feature takes no attachments.
 *
 * @example
 * <Composer.AttachButton><PaperclipIcon /></Composer.AttachButton>
 */
export const ComposerAttachButton = /* @__PURE__ */ forwardRef<HTMLButtonElement, ButtonHTMLAttributes<HTMLButtonElement>>(function ComposerAttachButton({ onClick, ...props }, ref) {
  const { labels } = useThreadContext('Composer.AttachButton');
  const { attachments, accepts, busy } = useComposerContext('Composer.AttachButton');
  const input = useRef<HTMLInputElement | null>(null);
  if (!acceptsAttachments(accepts)) return null;
  return (
    <>
      <button
        ref={ref}
        type="button"
        aria-label={labels.attachFiles}
        data-tooltip={labels.attachFiles}
        data-action="attach"
        disabled={busy}
        {...props}
        onClick={composeEventHandlers(onClick, () => input.current?.click())}
      />
      <input
        ref={input}
        type="file"
        multiple
        accept={acceptAttribute(accepts)}
        tabIndex={-1}
        aria-hidden="true"
        style={visuallyHidden}
        onChange={(event) => {
          attachments.add(Array.from(event.currentTarget.files ?? []));
          // The same file can be picked again after it was removed.
          event.currentTarget.value = '';
        }}
      />
    </>
  );
});

/**
 * The attached files: an image's preview or a file chip with name and size, progress while a file is read, a
 * remove button each (which gives the focus to the textbox), and for a file the feature refuses, the reason
 * (announced) — Send stays disabled until it is removed. Scrolls to the newest files as they are added. Nothing without
 * files.
 *
 * @example
 * <Composer.AttachmentList className="my-attachments" />
 */
export const ComposerAttachmentList = /* @__PURE__ */ forwardRef<HTMLUListElement, HTMLAttributes<HTMLUListElement>>(function ComposerAttachmentList(props, ref) {
  const { labels, focusComposer } = useThreadContext('Composer.AttachmentList');
  const { attachments } = useComposerContext('Composer.AttachmentList');
  const list = useRef<HTMLUListElement | null>(null);
  const count = attachments.drafts.length;
  const shown = useRef(count);
  useEffect(() => {
    // Files just added: where the list scrolls (a few rows on a phone), the newest come into sight, with the reason
    // of one refused.
    if (count > shown.current && list.current) list.current.scrollTop = list.current.scrollHeight;
    shown.current = count;
  }, [count]);
  if (count === 0) return null;
  return (
    <ul ref={composeRefs(ref, list)} data-part="attachment-drafts" aria-label={labels.attachments} {...props}>
      {attachments.drafts.map((draft) => {
        const refused = draft.status === 'refused' || draft.status === 'failed';
        return (
          <li key={draft.id} data-status={draft.status} data-kind={draft.kind}>
            {draft.kind === 'image' && draft.part ? <img src={draft.part.url} alt="" /> : <span data-part="file-kind">{draft.kind === 'pdf' ? 'PDF' : draft.kind === 'audio' ? labels.audio : labels.file}</span>}
            <FileName name={draft.name || labels.file} />
            <span data-part="file-size">{draft.status === 'reading' ? `${labels.readingAttachment} ${Math.round((draft.progress ?? 0) * 100)}%` : <ByteSize bytes={draft.size} />}</span>
            {refused ? (
              <span data-part="attachment-reason" role="alert">
                {draft.refusal ? labels.attachmentRefused(draft.refusal) : labels.attachmentFailed}
              </span>
            ) : null}
            <button
              type="button"
              data-action="remove"
              aria-label={labels.removeAttachment(draft.name || labels.file)}
              onClick={() => {
                // The button goes with its file: the focus goes to the textbox instead of falling to the page.
                attachments.remove(draft.id);
                focusComposer();
              }}
            >
              <CloseIcon size={14} />
            </button>
          </li>
        );
      })}
    </ul>
  );
});
