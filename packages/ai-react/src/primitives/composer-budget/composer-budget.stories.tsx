import type { LimitStatus } from '@insforge/ai-protocol';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ArrowUpIcon } from '../../icons/arrow-up-icon.js';
import { messageBudgetOf, type MessageBudget } from '../../core/message-budget.js';
import { useChatRuntime } from '../../react/use-chat-runtime.js';
import { AiRoot, type AiTheme } from '../ai-root.js';
import * as Composer from '../composer/composer-parts.js';
import * as Thread from '../thread/thread.js';
import { ComposerBudget } from './composer-budget.js';

/** A composer styled as ChatPanel's, with the budget line in its toolbar. */
function BudgetComposer({ theme = 'system' }: { theme?: AiTheme }) {
  const chat = useChatRuntime({ feature: 'chat' });
  return (
    <Thread.Root chat={chat} asChild>
      <AiRoot theme={theme} className="ia-chat" style={{ maxWidth: 720, margin: '0 auto' }}>
        <div className="ia-chat-footer">
          <Composer.Root className="ia-chat-composer">
            <Composer.Input className="ia-chat-input" placeholder="Ask anything" />
            <div className="ia-chat-composer-toolbar">
              <div className="ia-chat-composer-tools">
                <ComposerBudget feature="chat" options={{ debounceMs: 150 }} />
              </div>
              {/* A long warning beside it must not squeeze the round button. */}
              <Composer.Send className="ia-chat-button ia-chat-send" aria-label="Send" style={{ flex: 'none' }}>
                <ArrowUpIcon size={16} />
              </Composer.Send>
            </div>
          </Composer.Root>
        </div>
      </AiRoot>
    </Thread.Root>
  );
}

const meta = {
  title: 'Primitives/ComposerBudget',
  component: BudgetComposer,
  parameters: {
    docs: { description: { component: 'What a message would reserve at most and what is left of the caller’s budget, before it is sent; a warning before the gateway would refuse it.' } },
  },
} satisfies Meta<typeof BudgetComposer>;

export default meta;
type Story = StoryObj<typeof meta>;

const nextMidnight = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
};
const userDaily = (limit: number, used: number): LimitStatus => ({ scope: 'user', target: 'user-ada', kind: 'spendPerDayUsd', limit, used, remaining: Math.round((limit - used) * 1e6) / 1e6, resetsAt: nextMidnight() });

/** Typed into: the estimate follows the draft ("≤ $0.0004 · $0.88 left today"). */
export const InAComposer: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(await canvas.findByRole('textbox', { name: 'Message' }), 'How do the night trams run?');
    await waitFor(() => expect(canvasElement.querySelector('[data-part="budget"]')).toHaveAttribute('data-state', 'ok'), { timeout: 5_000 });
  },
};

/** A tenth of a cent left today: a long message is refused before it is sent, saying when the budget resets. */
export const NearTheCap: Story = {
  parameters: { gateway: { limits: [userDaily(0.05, 0.049)] } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('textbox', { name: 'Message' }));
    await userEvent.paste('Summarise the tram network timetable for me. '.repeat(500));
    await waitFor(() => expect(canvasElement.querySelector('[data-part="budget"]')).toHaveAttribute('data-state', 'blocked'), { timeout: 5_000 });
    await expect(canvas.getByRole('status')).toHaveTextContent(/left today; resets at 00:00 UTC\.$/);
  },
};

const estimate = (costUsd: number, limits: LimitStatus[], extra: { admitted?: boolean; stopped?: boolean; stopReason?: string } = {}) =>
  messageBudgetOf({ estimate: { estimate: { tokens: 1_800, costUsd }, limits, admitted: extra.admitted ?? true, blockedBy: extra.admitted === false && !extra.stopped ? (limits[0] ?? null) : null, stopped: extra.stopped ?? false, stopReason: extra.stopReason ?? null } });

const STATES: Array<[string, MessageBudget]> = [
  ['Nothing drafted', messageBudgetOf({ limits: { data: [userDaily(1, 0.17)], stopped: false, stopReason: null } })],
  ['Checking', messageBudgetOf({ checking: true })],
  ['Fits', estimate(0.0038, [userDaily(1, 0.17)])],
  ['Most of what is left', estimate(0.52, [userDaily(1, 0.17)])],
  ['Over the cap', estimate(0.02, [userDaily(1, 0.99)], { admitted: false })],
  ['Stopped by an admin', estimate(0.001, [], { admitted: false, stopped: true, stopReason: 'Incident review until 14:00' })],
];

/** Every state of the view, with `budget` given (as `useMessageBudget` answers it). */
export const States: Story = {
  render: () => (
    <AiRoot className="ia-chat" style={{ maxWidth: 720, margin: '0 auto', display: 'grid', gap: 16 }}>
      {STATES.map(([name, budget]) => (
        <section key={name} aria-label={name} style={{ display: 'grid', gap: 4, padding: '10px 16px', border: '1px solid var(--ia-border)', borderRadius: 16 }}>
          <h3 style={{ margin: 0, fontSize: 13, color: 'var(--ia-text-muted)', fontWeight: 600 }}>{name}</h3>
          <ComposerBudget budget={budget} />
        </section>
      ))}
    </AiRoot>
  ),
};
