import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, within } from 'storybook/test';
import { SegmentedControl } from './segmented-control.js';

/** Three choices, one chosen, as the image generator and the usage panel use them. */
function Quality({ disabled = false }: { disabled?: boolean }) {
  const [value, setValue] = useState('standard');
  return (
    <SegmentedControl<string>
      label="Quality"
      value={value}
      onValueChange={setValue}
      disabled={disabled}
      options={[
        { value: 'draft', label: 'Draft' },
        { value: 'standard', label: 'Standard' },
        { value: 'hd', label: 'HD', name: 'High definition' },
      ]}
    />
  );
}

const meta = {
  title: 'SegmentedControl',
  component: Quality,
  parameters: { docs: { description: { component: 'A few mutually exclusive choices side by side (a radio group): arrows, Home and End move and choose.' } } },
} satisfies Meta<typeof Quality>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The middle choice chosen. */
export const Default: Story = {};

/** Chosen from the keyboard: → moves to the next choice and chooses it. */
export const KeyboardChoice: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('radio', { name: 'Standard' }));
    await userEvent.keyboard('{ArrowRight}');
    await expect(canvas.getByRole('radio', { name: 'High definition' })).toHaveAttribute('aria-checked', 'true');
  },
};

/** Disabled while something runs. */
export const Disabled: Story = { args: { disabled: true } };

/** The dark theme. */
export const Dark: Story = { parameters: { theme: 'dark' } };
