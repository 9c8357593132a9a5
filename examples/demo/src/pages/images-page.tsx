import { ImageGenerator } from '@insforge/ai-react';

/** The image generator: the `image` feature (an image model). */
export function ImagesPage() {
  return (
    <section className="demo-page" aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      <p className="demo-lead">Describe a picture: the <code>image</code> feature generates up to four at a time.</p>
      <ImageGenerator feature="image" aria-label="Image generator" />
    </section>
  );
}
