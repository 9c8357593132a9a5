'use client';
import type { ReactNode } from 'react';
import { ImageGalleryItem } from './image-gallery.js';
import { slotClass } from './image-generator-classes.js';
import { ImageGeneratorForm, ImageGeneratorGenerate, ImageGeneratorOptions, ImageGeneratorPrompt } from './image-generator-form.js';
import { ImageGeneratorGallery, ImageGeneratorHistory, ImageGeneratorStatus } from './image-generator-results.js';
import { ImageGeneratorRoot, type ImageGeneratorRootProps } from './image-generator-root.js';

export type ImageGeneratorProps = Omit<ImageGeneratorRootProps, 'children'>;

/**
 * An image generator: a prompt (Enter generates) with size, quality, count (1–4) and style as segmented controls;
 * placeholders and the elapsed time with Cancel while it draws; a gallery whose images open large (a lightbox with
 * arrows) with download and copy; failures in plain words with retry (after the wait the server asks for); and
 * the session's earlier generations. Built from `ImageGenerator.Root`, `.Form`, `.Prompt`, `.Options`,
 * `.Generate`, `.Status`, `.Gallery` (its tiles `.Item`) and `.History`: copy this composition to change it.
 *
 * @example
 * <ImageGenerator feature="image" sizes={['1024x1024', '1536x1024']} />
 */
export function ImageGenerator(props: ImageGeneratorProps): ReactNode {
  const { unstyled, classNames } = props;
  return (
    <ImageGeneratorRoot {...props}>
      <ImageGeneratorForm>
        <div className={unstyled ? undefined : 'ia-image-generator__card'}>
          <ImageGeneratorPrompt />
          <div className={slotClass('actions', { unstyled, classNames })}>
            <ImageGeneratorGenerate />
          </div>
        </div>
        <ImageGeneratorOptions />
      </ImageGeneratorForm>
      <ImageGeneratorStatus />
      <ImageGeneratorGallery />
      <ImageGeneratorHistory />
    </ImageGeneratorRoot>
  );
}

ImageGenerator.Root = ImageGeneratorRoot;
ImageGenerator.Form = ImageGeneratorForm;
ImageGenerator.Prompt = ImageGeneratorPrompt;
ImageGenerator.Options = ImageGeneratorOptions;
ImageGenerator.Generate = ImageGeneratorGenerate;
ImageGenerator.Status = ImageGeneratorStatus;
ImageGenerator.Gallery = ImageGeneratorGallery;
ImageGenerator.History = ImageGeneratorHistory;
ImageGenerator.Item = ImageGalleryItem;
