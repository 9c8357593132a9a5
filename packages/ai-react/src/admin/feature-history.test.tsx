import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { createAiClient, type AiClient } from '../core/client.js';
import { AiProvider } from '../react/ai-provider.js';
import { FeatureHistory } from './feature-history.js';

let harness: Harness;
let admin: AiClient;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await admin.features.create({ name: 'faq', model: 'openai/gpt-4o-mini', systemPrompt: 'Answer from the FAQ.', params: { temperature: 0.3 } });
  await admin.features.update('faq', { version: 1, model: 'anthropic/claude-sonnet-4', systemPrompt: 'Answer briefly.', params: { temperature: 0.9, max_tokens: 300 } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

async function expectNoAxeViolations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

const entries = () => document.querySelectorAll('ol > li');

describe('FeatureHistory', () => {
  it("lists a feature's versions with what changed, and restores an earlier one as a new version", async () => {
    const onRestored = vi.fn();
    const user = userEvent.setup();
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
        <FeatureHistory feature="faq" onRestored={onRestored} />
      </AiProvider>,
    );
    const region = screen.getByRole('region', { name: 'History of “faq”' });
    const version2 = await within(region).findByRole('heading', { name: 'Version 2' });
    const latest = version2.closest('li')!;
    expect(latest.getAttribute('aria-current')).toBe('true');
    expect(latest.textContent).toContain('Changed by admin');
    const changes = within(latest).getAllByRole('listitem').map((item) => item.textContent);
    expect(changes).toEqual([
      'Model: openai/gpt-4o-mini → anthropic/claude-sonnet-4',
      'System prompt: “Answer from the FAQ.” → “Answer briefly.”',
      'temperature: 0.3 → 0.9',
      'max_tokens set to 300',
    ]);
    const first = within(region).getByRole('heading', { name: 'Version 1' }).closest('li')!;
    expect(within(first).getByText('First version.')).toBeTruthy();
    expect(within(latest).queryByRole('button')).toBeNull();
    await expectNoAxeViolations();

    await user.click(within(first).getByRole('button', { name: 'Restore version 1' }));
    await waitFor(() => expect(within(region).getByRole('status').textContent).toBe('Version 1 is restored as version 3.'));
    expect(onRestored).toHaveBeenCalledWith(expect.objectContaining({ version: 3, model: 'openai/gpt-4o-mini' }));
    expect(await admin.features.get('faq')).toMatchObject({ version: 3, model: 'openai/gpt-4o-mini', systemPrompt: 'Answer from the FAQ.', params: { temperature: 0.3 } });
    const restored = (await within(region).findByRole('heading', { name: 'Version 3' })).closest('li')!;
    expect(restored.getAttribute('aria-current')).toBe('true');
    expect(restored.textContent).toContain('Restored by admin');
    expect(within(restored).getAllByRole('listitem').map((item) => item.textContent)).toContain('max_tokens removed (the model\'s default)');
    expect(entries()).toHaveLength(3);
    await expectNoAxeViolations();

    // The next chat request of the feature uses the restored configuration.
    const client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    await client.chat.complete({ model: 'faq', messages: [{ role: 'user', content: 'Hi' }] });
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    expect(probe!.request).toMatchObject({ model: 'openai/gpt-4o-mini', temperature: 0.3, messages: [{ role: 'system', content: 'Answer from the FAQ.' }, { role: 'user', content: 'Hi' }] });
  });

  it('says a version the gateway options created came from them, naming no "seed" as its author', async () => {
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
        <FeatureHistory feature="chat" />
      </AiProvider>,
    );
    const version1 = (await screen.findByRole('heading', { name: 'Version 1' })).closest('li')!;
    expect(version1.getAttribute('data-action')).toBe('seed');
    expect(version1.textContent).toMatch(/Created from the gateway options, \S/);
    expect(version1.textContent).not.toContain('seed');
  });
});
