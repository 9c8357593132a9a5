'use client';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { FeatureAccepts } from '@insforge/ai-protocol';
import { attachmentKindOf, attachmentRefusal, readAttachment, type AttachmentRefusal } from '../../core/attachments.js';
import type { AttachmentKind, MessageFilePart } from '../../core/message-parts.js';

/** A file in the composer before it is sent: being read, ready, or refused with the rule it breaks. */
export interface AttachmentDraft {
  id: string;
  name: string;
  size: number;
  mediaType: string;
  kind: AttachmentKind;
  status: 'reading' | 'ready' | 'refused' | 'failed';
  /** 0–1 while a large file is read. */
  progress?: number;
  part?: MessageFilePart;
  refusal?: AttachmentRefusal;
}

export interface AttachmentDrafts {
  drafts: readonly AttachmentDraft[];
  /** Checks each file against what the feature accepts, then reads the ones it takes. */
  add(files: readonly File[]): void;
  remove(id: string): void;
  clear(): void;
  /** The parts to send, or undefined while a file is being read or one is refused (nothing may be sent then). */
  sendable(): MessageFilePart[] | undefined;
}

let sequence = 0;

/**
 * The composer's files: refused at once with the reason when the feature does not take them (kind, type, size,
 * count), read into message parts otherwise, with progress.
 */
export function useAttachmentDrafts(accepts: FeatureAccepts | undefined): AttachmentDrafts {
  const [drafts, setDrafts] = useState<readonly AttachmentDraft[]>([]);
  const current = useRef(drafts);
  current.current = drafts;
  const update = useCallback((id: string, change: Partial<AttachmentDraft>) => setDrafts((list) => list.map((draft) => (draft.id === id ? { ...draft, ...change } : draft))), []);

  const add = useCallback(
    (files: readonly File[]) => {
      const added: AttachmentDraft[] = [];
      for (const file of files) {
        const kind = attachmentKindOf(file.type);
        const taken = [...current.current, ...added].filter((draft) => draft.status !== 'refused' && draft.status !== 'failed');
        const refusal = attachmentRefusal(file, accepts, taken);
        sequence += 1;
        const draft: AttachmentDraft = { id: `attachment-${sequence}`, name: file.name, size: file.size, mediaType: file.type || 'application/octet-stream', kind, status: refusal ? 'refused' : 'reading', ...(refusal ? { refusal } : {}) };
        added.push(draft);
        if (refusal) continue;
        readAttachment(file, (progress) => update(draft.id, { progress }))
          .then((part) => update(draft.id, { status: 'ready', part, progress: 1 }))
          .catch(() => update(draft.id, { status: 'failed' }));
      }
      setDrafts((list) => [...list, ...added]);
    },
    [accepts, update],
  );
  const remove = useCallback((id: string) => setDrafts((list) => list.filter((draft) => draft.id !== id)), []);
  const clear = useCallback(() => setDrafts([]), []);
  const sendable = useCallback(() => {
    const list = current.current;
    if (list.some((draft) => draft.status !== 'ready')) return undefined;
    return list.flatMap((draft) => (draft.part ? [draft.part] : []));
  }, []);
  return useMemo(() => ({ drafts, add, remove, clear, sendable }), [drafts, add, remove, clear, sendable]);
}
