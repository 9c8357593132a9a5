import type { Meta, StoryObj } from '@storybook/react-vite';
import { UsagePanel } from './usage-panel.js';

const meta = {
  title: 'UsagePanel',
  component: UsagePanel,
  args: { defaultPeriod: 'month' },
  parameters: {
    docs: { description: { component: 'Cost, tokens and requests over time, by feature and by model (SVG charts with their data as tables).' } },
  },
} satisfies Meta<typeof UsagePanel>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Thirty days of seeded usage, charted by cost. */
export const LastMonth: Story = {};

/** The last seven days, charted by tokens. */
export const Tokens: Story = { args: { defaultPeriod: 'week', defaultMetric: 'totalTokens' } };

/** A period without requests. */
export const Empty: Story = { parameters: { gateway: { seedUsage: false } } };

/** A caller who is not an admin. */
export const NotAnAdmin: Story = { parameters: { gateway: { role: 'user' } } };

/** The dark theme. */
export const Dark: Story = { parameters: { theme: 'dark' } };
