import type { ImageGenerationStatus } from '../../core/image-store.js';

/** Every string an ImageGenerator shows; pass any of them in `labels` to translate or reword it. */
export interface ImageGeneratorLabels {
  prompt: string;
  promptPlaceholder: string;
  size: string;
  /** A size as a choice: "1024 × 1024 (square)" (the segment's accessible name and tooltip). */
  sizeName(size: string): string;
  /** A size as its segment shows it: "Square", "Portrait", "Landscape". */
  sizeShort(size: string): string;
  /** Under the prompt: how to generate from the keyboard. */
  promptHint: string;
  /** The group of options (size, quality, count, style). */
  options: string;
  quality: string;
  qualities: { standard: string; hd: string };
  count: string;
  style: string;
  styles: { default: string; vivid: string; natural: string };
  generate: string;
  cancel: string;
  /** The progress bar's name. */
  progress: string;
  /** The progress text: "Generating… 3 s". */
  generating(seconds: number): string;
  /** Announced once when a generation starts. */
  started: string;
  /** Announced when images arrive: "2 images ready". */
  finished(count: number): string;
  cancelled: string;
  empty: string;
  gallery: string;
  /** While images are drawn, each placeholder's place in the gallery. */
  placeholder: string;
  /** The button that opens an image large: "Enlarge image 1 of 2". */
  enlargeImage(index: number, count: number): string;
  /** The lightbox's title: "Image 1 of 2". */
  imageOf(index: number, count: number): string;
  previousImage: string;
  nextImage: string;
  close: string;
  download: string;
  /** The download link's full name: "Download image 1 of 2". */
  downloadImage(index: number, count: number): string;
  copy: string;
  copyImage(index: number, count: number): string;
  copied: string;
  copyFailed: string;
  retry: string;
  /** The retry button while the server asks to wait: "Try again in 12 s". */
  retryIn(seconds: number): string;
  editPrompt: string;
  history: string;
  reusePrompt: string;
  statuses: Record<ImageGenerationStatus, string>;
  /** One generation in the history: "2 images · 1024 × 1024". */
  historySummary(count: number, size: string | undefined): string;
}

const shapeOf = (width: number, height: number) => (width === height ? 'square' : width > height ? 'landscape' : 'portrait');
const images = (count: number) => `${count} image${count === 1 ? '' : 's'}`;

export const defaultImageGeneratorLabels: ImageGeneratorLabels = {
  prompt: 'Prompt',
  promptPlaceholder: 'Describe the image you want…',
  size: 'Size',
  sizeName: (size) => {
    const [width, height] = size.split('x').map(Number);
    return width && height ? `${width} × ${height} (${shapeOf(width, height)})` : size;
  },
  sizeShort: (size) => {
    const [width, height] = size.split('x').map(Number);
    if (!width || !height) return size;
    const shape = shapeOf(width, height);
    return `${shape.charAt(0).toUpperCase()}${shape.slice(1)}`;
  },
  promptHint: 'Enter to generate · Shift+Enter for a new line',
  options: 'Options',
  quality: 'Quality',
  qualities: { standard: 'Standard', hd: 'HD' },
  count: 'Images',
  style: 'Style',
  styles: { default: 'Default', vivid: 'Vivid', natural: 'Natural' },
  generate: 'Generate',
  cancel: 'Cancel',
  progress: 'Generating images',
  generating: (seconds) => `Generating… ${seconds} s`,
  started: 'Generating images…',
  finished: (count) => `${images(count)} ready`,
  cancelled: 'Cancelled.',
  empty: 'Describe an image, then press Generate.',
  gallery: 'Generated images',
  placeholder: 'Image being generated',
  enlargeImage: (index, count) => `Enlarge image ${index + 1} of ${count}`,
  imageOf: (index, count) => `Image ${index + 1} of ${count}`,
  previousImage: 'Previous image',
  nextImage: 'Next image',
  close: 'Close',
  download: 'Download',
  downloadImage: (index, count) => `Download image ${index + 1} of ${count}`,
  copy: 'Copy',
  copyImage: (index, count) => `Copy image ${index + 1} of ${count}`,
  copied: 'Copied',
  copyFailed: 'Copy failed',
  retry: 'Try again',
  retryIn: (seconds) => `Try again in ${seconds} s`,
  editPrompt: 'Edit prompt',
  history: 'History',
  reusePrompt: 'Reuse prompt',
  statuses: { pending: 'Generating…', done: 'Done', error: 'Failed', cancelled: 'Cancelled' },
  historySummary: (count, size) => [images(count), size?.replace('x', ' × ')].filter(Boolean).join(' · '),
};
