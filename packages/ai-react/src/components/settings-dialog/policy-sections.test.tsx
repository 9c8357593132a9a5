import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { createAiClient, type AiClient } from '../../core/client.js';
import { AiProvider } from '../../react/ai-provider.js';
import { SettingsDialog } from './settings-dialog.js';

let harness: Harness;
let admin: AiClient;
let user: AiClient;

beforeAll(async () => {
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  user = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
  for (const name of ['faq', 'guarded', 'ordered']) await admin.features.create({ name, model: 'openai/gpt-4o-mini', params: { temperature: 0 } });
  await admin.features.create({ name: 'pictures', modality: 'image', model: 'black-forest-labs/flux.2-pro' });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

function renderDialog(feature: string) {
  const events = userEvent.setup();
  render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
      <SettingsDialog feature={feature} defaultOpen />
    </AiProvider>,
  );
  return events;
}

const dialog = () => screen.getByRole('dialog', { name: 'AI settings' });
function section(name: string): HTMLElement {
  const found = dialog().querySelector<HTMLElement>(`[data-section="${name}"]`);
  if (!found) throw new Error(`no ${name} section yet`);
  return found;
}
const button = (name: string | RegExp) => screen.getByRole<HTMLButtonElement>('button', { name });
const describedBy = (element: HTMLElement) =>
  (element.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');

async function ask(feature: string, content: string) {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: feature, messages: [{ role: 'user', content }] }),
  });
  await response.text();
  return response.headers.get('x-cache');
}

describe('SettingsDialog: the response cache', () => {
  it('turns the cache on with a time to live, saves it, and purges what it holds', async () => {
    const events = renderDialog('faq');
    const enabled = await screen.findByRole<HTMLInputElement>('checkbox', { name: 'Cache answers' });
    expect(enabled.checked).toBe(false);
    await events.click(enabled);
    const ttl = screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Keep answers for (seconds)' });
    await events.clear(ttl);
    // Empty is not a time to live: the field says so and nothing can be saved.
    expect(ttl.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(ttl)).toContain('A whole number.');
    expect(button('Save').disabled).toBe(true);
    await events.type(ttl, '120');
    await events.click(button('Save'));
    await waitFor(async () => expect((await admin.features.get('faq')).cache).toEqual({ enabled: true, ttlSeconds: 120, cacheNonDeterministic: false }));

    expect(await ask('faq', 'What are the opening hours?')).toBe('miss');
    expect(await ask('faq', 'What are the opening hours?')).toBe('hit');
    await events.click(button('Purge cached answers'));
    await waitFor(() => expect(within(section('cache')).getByRole('status').textContent).toBe('Forgot 1 cached answer.'));
    expect(await ask('faq', 'What are the opening hours?')).toBe('miss');
  });

  it('says an image feature is never cached', async () => {
    renderDialog('pictures');
    await waitFor(() => expect(section('cache').textContent).toContain('Image generations are never cached.'));
    expect(within(section('cache')).queryByRole('checkbox')).toBeNull();
  });
});

describe('SettingsDialog: guardrails', () => {
  // Many clicks in jsdom against a real gateway: past 20 s on a machine at load 10 and more (it asserts no time).
  it('adds personal data redaction and a blocklist; a pattern the gateway refuses is shown under its field and focused; the saved guardrails apply', async () => {
    const events = renderDialog('guarded');
    const guardrails = await waitFor(() => section('guardrails'));
    expect(guardrails.textContent).toContain('No guardrails');
    await events.type(within(guardrails).getByRole('textbox', { name: 'Message shown when a request is blocked' }), 'We keep this chat about Acme.');
    await events.click(within(guardrails).getByRole('button', { name: 'Add guardrail' }));
    await events.selectOptions(within(guardrails).getByRole('combobox', { name: 'Kind of guardrail' }), 'Blocked words');
    await events.click(within(guardrails).getByRole('button', { name: 'Add guardrail' }));

    const [pii, blocklist] = within(guardrails).getAllByRole('listitem');
    expect(within(pii!).getByRole('heading').textContent).toBe('1. Personal data');
    expect(within(pii!).getAllByRole('checkbox').every((box) => (box as HTMLInputElement).checked)).toBe(true);
    const patterns = within(blocklist!).getByRole('textbox', { name: 'Regular expressions' });
    await events.type(patterns, 'promo\\d+{Enter}(a+)+$');
    await events.click(button('Save'));
    await waitFor(() => expect(patterns.getAttribute('aria-invalid')).toBe('true'));
    expect(describedBy(patterns)).toContain('the pattern "(a+)+$" is refused');
    // The field the gateway named takes the focus, so a keyboard user is where the fix goes.
    expect(document.activeElement).toBe(patterns);
    // The footer points at the field rather than repeating the gateway's message with its path.
    expect(within(dialog()).getAllByRole('alert').map((alert) => alert.textContent)).toContain('Fix the highlighted fields to save.');

    await events.clear(patterns);
    await events.type(patterns, 'promo\\d+');
    await events.click(button('Save'));
    await waitFor(() => expect(within(dialog()).getByText(/^Saved as version \d+\.$/)).toBeTruthy());
    const saved = await admin.features.get('guarded');
    expect(saved.guardrailMessage).toBe('We keep this chat about Acme.');
    expect(saved.guardrails).toEqual([
      expect.objectContaining({ type: 'pii', stage: 'input', mode: 'redact', kinds: ['email', 'phone', 'card', 'iban', 'secret'] }),
      expect.objectContaining({ type: 'blocklist', stage: 'both', mode: 'block', words: [], patterns: ['promo\\d+'] }),
    ]);

    await user.chat.complete({ model: 'guarded', messages: [{ role: 'user', content: 'Mail me at ada@example.com' }] });
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    expect(JSON.stringify(probe?.request)).toContain('[REDACTED_EMAIL]');
    await expect(user.chat.complete({ model: 'guarded', messages: [{ role: 'user', content: 'Is PROMO42 valid?' }] })).rejects.toMatchObject({ guardrail: expect.any(String), userMessage: 'We keep this chat about Acme.' });
  }, 60_000);

  it('reorders with the keyboard, keeping focus on the guardrail that moved and announcing where it went', async () => {
    const events = renderDialog('ordered');
    const guardrails = await waitFor(() => section('guardrails'));
    for (const kind of ['Size limits', 'Moderation model']) {
      await events.selectOptions(within(guardrails).getByRole('combobox', { name: 'Kind of guardrail' }), kind);
      await events.click(within(guardrails).getByRole('button', { name: 'Add guardrail' }));
    }
    const titles = () => within(guardrails).getAllByRole('heading', { level: 4 }).map((heading) => heading.textContent);
    expect(titles()).toEqual(['1. Size limits', '2. Moderation model']);
    within(guardrails).getByRole('button', { name: 'Move Size limits down' }).focus();
    await events.keyboard('{Enter}');
    expect(titles()).toEqual(['1. Moderation model', '2. Size limits']);
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Move Size limits up'));
    expect(within(guardrails).getByRole('status').textContent).toBe('Size limits moved to position 2.');

    // A size bound that is no whole number blocks saving.
    const characters = within(guardrails).getByRole<HTMLInputElement>('spinbutton', { name: 'Most characters in a request' });
    await events.clear(characters);
    await events.type(characters, '2.5');
    expect(characters.getAttribute('aria-invalid')).toBe('true');
    expect(button('Save').disabled).toBe(true);
    await events.clear(characters);
    await events.type(characters, '4000');
    await events.click(within(guardrails).getByRole('button', { name: 'Remove Moderation model' }));
    await events.click(button('Save'));
    await waitFor(async () => expect((await admin.features.get('ordered')).guardrails).toEqual([expect.objectContaining({ type: 'size', maxInputCharacters: 4000 })]));

    const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
  });
});
