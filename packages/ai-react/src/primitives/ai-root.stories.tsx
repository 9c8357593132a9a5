import type { Meta, StoryObj } from '@storybook/react-vite';
import { AiRoot, type AiTheme } from './ai-root.js';

/** The colour tokens of `styles.css`: what an app overrides on `[data-insforge-ai]` to theme every component. */
const COLOR_TOKENS = [
  ['--ia-bg', 'Page and panel background'],
  ['--ia-surface', 'Cards, messages, inputs'],
  ['--ia-surface-strong', 'Hover and selected rows'],
  ['--ia-border', 'Borders and separators'],
  ['--ia-text', 'Body text'],
  ['--ia-text-muted', 'Secondary text'],
  ['--ia-accent', 'Buttons, links, focus'],
  ['--ia-accent-text', 'Text on the accent colour'],
  ['--ia-danger', 'Errors'],
  ['--ia-danger-surface', 'Error backgrounds'],
  ['--ia-warning-surface', 'Warning backgrounds'],
] as const;

function TokenTable({ theme }: { theme: AiTheme | undefined }) {
  return (
    <AiRoot theme={theme ?? 'system'} style={{ background: 'var(--ia-bg)', padding: 16, borderRadius: 'var(--ia-radius)' }}>
      <table style={{ borderCollapse: 'collapse', fontSize: 14 }}>
        <caption style={{ textAlign: 'start', fontWeight: 600, paddingBlockEnd: 8 }}>Colour tokens of the current theme</caption>
        <thead>
          <tr>
            <th scope="col" style={{ textAlign: 'start', padding: '4px 12px 4px 0' }}>Swatch</th>
            <th scope="col" style={{ textAlign: 'start', padding: '4px 12px 4px 0' }}>Token</th>
            <th scope="col" style={{ textAlign: 'start', padding: '4px 0' }}>Used for</th>
          </tr>
        </thead>
        <tbody>
          {COLOR_TOKENS.map(([token, use]) => (
            <tr key={token} style={{ borderBlockStart: '1px solid var(--ia-border)' }}>
              <td style={{ padding: '6px 12px 6px 0' }}>
                <span aria-hidden="true" style={{ display: 'inline-block', inlineSize: 40, blockSize: 24, borderRadius: 'var(--ia-radius-small)', border: '1px solid var(--ia-border)', background: `var(${token})` }} />
              </td>
              <td style={{ padding: '6px 12px 6px 0', fontFamily: 'var(--ia-font-mono)' }}>{token}</td>
              <td style={{ padding: '6px 0', color: 'var(--ia-text-muted)' }}>{use}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p style={{ marginBlockEnd: 0 }}>
        <button type="button" style={{ background: 'var(--ia-accent)', color: 'var(--ia-accent-text)', border: 0, borderRadius: 'var(--ia-radius-small)', padding: '6px 14px' }}>
          Accent button
        </button>
      </p>
    </AiRoot>
  );
}

const meta = {
  title: 'Primitives/AiRoot',
  component: AiRoot,
  parameters: { docs: { description: { component: 'The root of every component: it scopes the design tokens and carries the theme.' } } },
} satisfies Meta<typeof AiRoot>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The tokens in the theme of the toolbar (light by default). */
export const DesignTokens: Story = { render: (args) => <TokenTable theme={args.theme} /> };

/** The same tokens in the dark theme. */
export const DesignTokensDark: Story = { name: 'Design tokens (dark)', parameters: { theme: 'dark' }, render: (args) => <TokenTable theme={args.theme} /> };
