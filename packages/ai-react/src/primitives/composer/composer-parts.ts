// The parts of a composer, as one namespace: `Composer.Root`, `Composer.Input`…
export { ComposerAttachments as Attachments, ComposerInput as Input, ComposerRoot as Root, ComposerSend as Send, ComposerStop as Stop, useComposer } from './composer.js';
export type { ComposerInputProps as InputProps, ComposerRootProps as RootProps } from './composer.js';
export { ComposerAttachButton as AttachButton, ComposerAttachmentList as AttachmentList } from './composer-attachments.js';
