import type { Preview } from '@storybook/react-vite';
import { configure } from 'storybook/test';
import { withMockGateway } from '../packages/ai-react/src/testing/story-decorator.js';

// `findBy…` in play functions waits up to 5 s (the default 1 s failed a story on a loaded 2-core CI machine while
// the lightbox opened); a story that never gets there still fails.
configure({ asyncUtilTimeout: 5_000 });

// The component styles, as `@insforge/ai-react/styles.css` ships them (each file of src/styles).
import.meta.glob('../packages/ai-react/src/styles/*.css', { eager: true });

const preview: Preview = {
  // Stories fill the frame: the decorator's AiRoot paints the theme's background and pads the story.
  parameters: { layout: 'fullscreen' },
  // `parameters.gateway` (mock gateway options) and `parameters.theme` / `globals.theme` (light | dark).
  decorators: [withMockGateway],
  globalTypes: {
    theme: {
      description: 'Theme of the components (empty: the story default)',
      toolbar: {
        title: 'Theme',
        icon: 'mirror',
        items: [
          { value: '', title: 'Story default' },
          { value: 'light', title: 'Light' },
          { value: 'dark', title: 'Dark' },
        ],
        dynamicTitle: true,
      },
    },
  },
  initialGlobals: { theme: '' },
};

export default preview;
