import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { useModels } from '../../react/use-models.js';
import { ModelCombobox } from './model-combobox.js';
import { ModelPicker } from './model-picker.js';

const meta = {
  title: 'ModelPicker',
  component: ModelPicker,
  args: { style: { maxWidth: 480 } },
  // Room below the combobox for its list, so an open picker is seen whole.
  decorators: [(Story) => <div style={{ minHeight: 620 }}>{Story()}</div>],
  parameters: {
    docs: {
      description: {
        component:
          'A combobox named "Model" over the full catalog of the mock gateway (several hundred models): type to search, arrow keys, Home/End, Enter, Escape; grouped by provider, with context, max output, prices per million tokens, modalities and a Free badge; filters and sorts. Only the rows in view are rendered.',
      },
    },
  },
} satisfies Meta<typeof ModelPicker>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Waits until the catalog is listed: the status reads "N models". */
async function catalogListed(canvasElement: HTMLElement) {
  const canvas = within(canvasElement);
  await waitFor(() => expect(canvas.getByRole('status').textContent).toMatch(/^\d+ models?$/), { timeout: 5000 });
  return canvas;
}

/** Closed, nothing chosen yet: click it, or press ArrowDown, to see the full catalog. */
export const FullCatalog: Story = {};

/** Open on the full catalog, the chosen model highlighted and checked. */
export const Open: Story = {
  args: { defaultOpen: true, defaultValue: 'openai/gpt-4o-mini' },
  play: async ({ canvasElement }) => {
    const canvas = await catalogListed(canvasElement);
    await expect(canvas.getByRole('combobox', { name: 'Model' }).getAttribute('aria-expanded')).toBe('true');
  },
};

/** Filters applied: one provider, at least 200K of context, cheapest first. */
export const Filtered: Story = {
  args: { defaultOpen: true, defaultFilters: { provider: 'anthropic', minContext: 200_000 }, defaultSort: 'price' },
  play: async ({ canvasElement }) => {
    await catalogListed(canvasElement);
  },
};

/** Typing searches every word in the id, name and provider. */
export const Searching: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const input = canvas.getByRole('combobox', { name: 'Model' });
    await userEvent.click(input);
    await catalogListed(canvasElement);
    await userEvent.type(input, 'gemini flash');
    await waitFor(() => expect(canvas.getByRole('status').textContent).toMatch(/^\d+ models?$/));
  },
};

/** Free models only (a price ceiling of $0), each with its badge. */
export const FreeModels: Story = {
  args: { defaultOpen: true, defaultFilters: { maxPrice: 0 } },
  play: async ({ canvasElement }) => {
    await catalogListed(canvasElement);
  },
};

/** `modality="image"`: only models that draw images, and no modality filter. */
export const ImageModels: Story = {
  args: { modality: 'image', label: 'Image model', defaultOpen: true },
  play: async ({ canvasElement }) => {
    await catalogListed(canvasElement);
  },
};

/** The dark theme, open. */
export const DarkMode: Story = {
  args: { defaultOpen: true, defaultValue: 'anthropic/claude-sonnet-4' },
  parameters: { theme: 'dark' },
  play: async ({ canvasElement }) => {
    await catalogListed(canvasElement);
  },
};

/** The catalog still on its way. */
export const Loading: Story = {
  args: { defaultOpen: true },
  parameters: { gateway: { latencyMs: 10 * 60_000 } },
};

/** Controlled: the page holds the value; the picker shows it and reports changes. */
export const Controlled: Story = {
  render: (args) => {
    const [model, setModel] = useState('openai/gpt-4o-mini');
    return (
      <div style={{ display: 'grid', gap: 12 }}>
        <ModelPicker {...args} value={model} onValueChange={setModel} />
        <p style={{ margin: 0, color: 'var(--ia-text-muted)' }}>
          Chosen: <code>{model}</code>
        </p>
      </div>
    );
  },
};

/** Built from the combobox's parts over the catalog of `useModels`: a list without filters, the count under it. */
function ComposedPicker() {
  const { models, status, error, refresh } = useModels({ modality: 'text' });
  return (
    <ModelCombobox.Root models={models} status={status} error={error} onRetry={() => void refresh()} defaultOpen defaultValue="anthropic/claude-sonnet-4" style={{ maxWidth: 480 }}>
      <ModelCombobox.Input />
      <ModelCombobox.Popup>
        <ModelCombobox.List />
        <ModelCombobox.Status />
      </ModelCombobox.Popup>
    </ModelCombobox.Root>
  );
}

/** The parts of the combobox rearranged: no filters, the model count under the list. */
export const Composed: Story = {
  render: () => <ComposedPicker />,
  play: async ({ canvasElement }) => {
    await catalogListed(canvasElement);
  },
};
