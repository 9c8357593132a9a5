import { classes } from '../../primitives/ai-root.js';

/** The parts of an ImageGenerator that take a class name of their own. */
export type ImageGeneratorSlot =
  | 'root'
  | 'form'
  | 'prompt'
  | 'options'
  | 'field'
  | 'actions'
  | 'generate'
  | 'cancel'
  | 'progress'
  | 'error'
  | 'gallery'
  | 'image'
  | 'imageActions'
  | 'download'
  | 'copy'
  | 'history'
  | 'historyItem'
  | 'empty';

export type ImageGeneratorClassNames = Partial<Record<ImageGeneratorSlot, string>>;

const OWN: Record<ImageGeneratorSlot, string> = {
  root: 'ia-image-generator',
  form: 'ia-image-generator__form',
  prompt: 'ia-image-generator__prompt',
  options: 'ia-image-generator__options',
  field: 'ia-image-generator__field',
  actions: 'ia-image-generator__actions',
  generate: 'ia-image-generator__generate',
  cancel: 'ia-image-generator__cancel',
  progress: 'ia-image-progress',
  error: 'ia-image-error',
  gallery: 'ia-image-gallery',
  image: 'ia-image-gallery__item',
  imageActions: 'ia-image-gallery__actions',
  download: 'ia-image-gallery__download',
  copy: 'ia-image-gallery__copy',
  history: 'ia-image-history',
  historyItem: 'ia-image-history__item',
  empty: 'ia-image-generator__empty',
};

/** The class of a slot: the component's own (unless unstyled), then the app's. */
export function slotClass(slot: ImageGeneratorSlot, options: { unstyled?: boolean | undefined; classNames?: ImageGeneratorClassNames | undefined }, ...extra: Array<string | undefined>): string | undefined {
  return classes(options.unstyled, OWN[slot], options.classNames?.[slot], ...extra);
}
