import type { LimitStatus } from '@insforge/ai-protocol';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { messageBudgetOf } from '../../core/message-budget.js';
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { useChatRuntime } from '../../react/use-chat-runtime.js';
import * as Composer from '../composer/composer-parts.js';
import * as Thread from '../thread/thread.js';
import { ChatPanel } from '../../components/chat-panel/chat-panel.js';
import { ComposerBudget } from './composer-budget.js';
import { defaultComposerBudgetLabels } from './composer-budget-labels.js';

afterEach(() => cleanup());

async function expectNoAxeViolations() {
  const results = await axe.run(document.body, { rules: { region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

const inAnHour = new Date(Date.now() + 3_600_000);
const resetsAt = new Date(Date.UTC(inAnHour.getUTCFullYear(), inAnHour.getUTCMonth(), inAnHour.getUTCDate(), inAnHour.getUTCHours(), 0)).toISOString();
const hour = `${String(new Date(resetsAt).getUTCHours()).padStart(2, '0')}:00 UTC`;
const daily = (remaining: number): LimitStatus => ({ scope: 'user', target: 'user-1', kind: 'spendPerDayUsd', limit: 1, used: 1 - remaining, remaining, resetsAt });
const estimate = (costUsd: number, limits: LimitStatus[], blocked = false) => ({ estimate: { tokens: 900, costUsd }, limits, admitted: !blocked, blockedBy: blocked ? (limits[0] ?? null) : null, stopped: false, stopReason: null });

describe('ComposerBudget shows a budget', () => {
  const cases = [
    ['idle: what is left', messageBudgetOf({ limits: { data: [daily(0.834)], stopped: false, stopReason: null } }), '$0.83 left today', ''],
    ['checking', messageBudgetOf({ checking: true }), 'Checking what this message may cost…', ''],
    ['ok', messageBudgetOf({ estimate: estimate(0.0042, [daily(0.834)]) }), '≤ $0.005 · $0.83 left today', ''],
    ['warn', messageBudgetOf({ estimate: estimate(0.6, [daily(0.834)]) }), '≤ $0.60 · $0.83 left today', 'This message may use most of the $0.83 left today.'],
    ['blocked', messageBudgetOf({ estimate: estimate(0.02, [daily(0.0149)], true) }), '≤ $0.02 · $0.01 left today', `This message may cost more than the $0.01 left today; resets at ${hour}.`],
  ] as const;

  for (const [name, budget, summary, message] of cases) {
    it(`${name}: "${summary}", axe-clean`, async () => {
      const { container } = render(<ComposerBudget budget={budget} />);
      const root = container.querySelector<HTMLElement>('[data-part="budget"]');
      expect(root?.getAttribute('data-state')).toBe(budget.status);
      expect(root?.querySelector('[data-part="budget-summary"]')?.textContent ?? '').toBe(summary);
      const live = screen.getByRole('status');
      expect(live.getAttribute('aria-live')).toBe('polite');
      expect(live.textContent).toBe(message);
      await expectNoAxeViolations();
    });
  }

  it('says when an administrator stopped the project, or the requests of this minute are spent', () => {
    const stopped = messageBudgetOf({ estimate: { ...estimate(0.001, []), admitted: false, stopped: true, stopReason: 'Incident' } });
    render(<ComposerBudget budget={stopped} />);
    expect(screen.getByRole('status').textContent).toBe('AI is paused for this project by an administrator: Incident.');
    cleanup();
    const rate: LimitStatus = { scope: 'project', target: null, kind: 'requestsPerMinute', limit: 10, used: 10, remaining: 0, resetsAt };
    render(<ComposerBudget budget={messageBudgetOf({ estimate: estimate(0.001, [rate], true) })} />);
    expect(screen.getByRole('status').textContent).toBe(`No requests left this minute; resets at ${hour}.`);
  });

  it('takes its words from `labels`', () => {
    render(<ComposerBudget budget={messageBudgetOf({ estimate: estimate(0.6, [daily(0.834)]) })} labels={{ left: (amount) => `noch ${amount}`, warn: () => 'Fast aufgebraucht.' }} />);
    expect(screen.getByText('≤ $0.60 · noch $0.83')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Fast aufgebraucht.');
  });

  it('rounds what a message may cost up and what is left down', () => {
    expect(defaultComposerBudgetLabels.money(0.0041, 'up')).toBe('$0.005');
    expect(defaultComposerBudgetLabels.money(0.0049, 'down')).toBe('$0.004');
    expect(defaultComposerBudgetLabels.money(0.834, 'down')).toBe('$0.83');
    expect(defaultComposerBudgetLabels.money(12.401, 'up')).toBe('$12.41');
    expect(defaultComposerBudgetLabels.money(0, 'up')).toBe('$0');
  });
});

describe('ComposerBudget in a composer, against the gateway', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      features: [{ name: 'chat', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 } }],
      emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } },
    });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers })).json()) as { version: number };
    const saved = await fetch(`${harness.url}/api/ai/limits/policy`, { method: 'PUT', headers, body: JSON.stringify({ version, policy: { project: {}, features: {}, users: { default: { spendPerDayUsd: 0.001 }, overrides: {} } } }) });
    expect(saved.status).toBe(200);
  });
  afterAll(() => harness.close());

  function Chat() {
    const chat = useChatRuntime({ feature: 'chat' });
    return (
      <Thread.Root chat={chat}>
        <Composer.Root>
          <Composer.Input />
          <ComposerBudget options={{ debounceMs: 50 }} />
          <Composer.Send>Send</Composer.Send>
        </Composer.Root>
      </Thread.Root>
    );
  }

  it('estimates the draft as it is typed and warns before a message the cap cannot take is sent', async () => {
    const user = userEvent.setup();
    const { container } = render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch} storage={memoryStorage()}>
        <Chat />
      </AiProvider>,
    );
    const budget = () => container.querySelector<HTMLElement>('[data-part="budget"]');
    await waitFor(() => expect(budget()?.textContent).toBe('$0.001 left today'));
    const input = screen.getByRole('textbox', { name: 'Message' });
    await user.type(input, 'When does the last tram leave?');
    await waitFor(() => expect(budget()?.getAttribute('data-state')).toBe('ok'));
    expect(budget()?.textContent).toMatch(/^≤ \$0\.000\d · \$0\.001 left today$/);

    await user.clear(input);
    // Pasted rather than typed: a long question about 12,000 tokens past a $0.001 cap.
    await user.click(input);
    await user.paste('Tell me about the tram network. '.repeat(1_200));
    await waitFor(() => expect(budget()?.getAttribute('data-state')).toBe('blocked'));
    expect(screen.getByRole('status').textContent).toMatch(/^This message may cost more than the \$0\.001 left today; resets at 00:00 UTC\.$/);
    expect(harness.emulator.generations()).toHaveLength(0);
    await expectNoAxeViolations();
  });

  it('ChatPanel shows it with showBudget, beside the attach button, and not without', async () => {
    const user = userEvent.setup();
    const renderPanel = (showBudget?: boolean) =>
      render(
        <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch} storage={memoryStorage()}>
          <ChatPanel feature="chat" showBudget={showBudget} />
        </AiProvider>,
      );
    const plain = renderPanel();
    await screen.findByRole('textbox', { name: 'Message' });
    expect(plain.container.querySelector('[data-part="budget"]')).toBeNull();
    cleanup();

    const { container } = renderPanel(true);
    const budget = () => container.querySelector<HTMLElement>('.ia-chat-composer-tools [data-part="budget"]');
    await waitFor(() => expect(budget()?.textContent).toBe('$0.001 left today'));
    expect(budget()?.classList.contains('ia-chat-budget')).toBe(true);
    await user.click(screen.getByRole('textbox', { name: 'Message' }));
    await user.paste('Tell me about the tram network. '.repeat(1_200));
    await waitFor(() => expect(budget()?.getAttribute('data-state')).toBe('blocked'), { timeout: 5_000 });
    expect(within(budget() as HTMLElement).getByRole('status').textContent).toMatch(/^This message may cost more than the \$0\.001 left today/);
    expect(harness.emulator.generations()).toHaveLength(0);
    await expectNoAxeViolations();
  });
});
