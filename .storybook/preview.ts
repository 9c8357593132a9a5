import type { Preview } from '@storybook/react-vite';

// The component styles, as `@insforge/ai-react/styles.css` ships them (each file of src/styles).
import.meta.glob('../packages/ai-react/src/styles/*.css', { eager: true });

const preview: Preview = {
  parameters: { layout: 'padded' },
};

export default preview;
