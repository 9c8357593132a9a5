/** Every visible (and screen-reader) string of ThreadList; pass some of them as `labels` to translate or reword. */
export interface ThreadListLabels {
  /** The list's accessible name. */
  conversations: string;
  newChat: string;
  search: string;
  /** The title of a conversation that has none yet. */
  untitled: string;
  rename: (title: string) => string;
  /** The accessible name of the textbox that renames. */
  title: string;
  remove: (title: string) => string;
  /** When the list (or the search) has nothing to show. */
  empty: string;
  noMatch: string;
  /** When the storage could not be read. */
  failed: string;
  /** The button beside `failed` that reads the list again. */
  tryAgain: string;
  /** When a rename or a delete failed (the list shows the conversation as it is stored). */
  renameFailed: string;
  removeFailed: string;
}

/** The English defaults. */
export const defaultThreadListLabels: ThreadListLabels = {
  conversations: 'Conversations',
  newChat: 'New chat',
  search: 'Search conversations',
  untitled: 'New conversation',
  rename: (title) => `Rename “${title}”`,
  title: 'Title',
  remove: (title) => `Delete “${title}”`,
  empty: 'No conversations yet.',
  noMatch: 'No conversation matches.',
  failed: 'The conversations could not be loaded.',
  tryAgain: 'Try again',
  renameFailed: 'The conversation could not be renamed.',
  removeFailed: 'The conversation could not be deleted.',
};
