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
/** The bodies of every configuration saved through the dialog (PATCH), in order. */
let saves: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await admin.features.create({ name: 'assistant', model: 'anthropic/claude-sonnet-4', params: { max_tokens: 256 } });
  await admin.features.create({ name: 'plain', model: 'ibm-granite/granite-4.1-8b', params: { max_tokens: 256 } });
  await admin.features.create({ name: 'checked', model: 'anthropic/claude-sonnet-4' });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  saves = [];
});

const recording: typeof fetch = async (input, init) => {
  if (init?.method === 'PATCH' && typeof init.body === 'string') saves.push(JSON.parse(init.body) as Record<string, unknown>);
  return globalThis.fetch(input, init);
};

function renderDialog(feature: string) {
  const user = userEvent.setup();
  render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={recording}>
      <SettingsDialog feature={feature} defaultOpen />
    </AiProvider>,
  );
  return user;
}

const dialog = () => screen.getByRole('dialog', { name: 'AI settings' });
const section = () => waitFor(() => within(dialog()).getByRole('region', { name: 'What clients may add' }));
const extension = (name: string) => {
  const found = dialog().querySelector<HTMLElement>(`[data-extension="${name}"]`);
  if (!found) throw new Error(`no ${name} extension`);
  return found;
};
const choice = (group: string) => within(dialog()).getByRole('radiogroup', { name: group });
const radio = (group: string, mode: string) => within(choice(group)).getByRole<HTMLInputElement>('radio', { name: mode });
const describedBy = (element: HTMLElement) =>
  (element.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');

async function expectNoAxeViolations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function chat(body: Record<string, unknown>) {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'assistant', ...body }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; param: string } } };
}

describe('SettingsDialog: what clients may add', () => {
  // Many clicks in jsdom against a real gateway: 23 s on a machine at load 9–10 (it asserts no time).
  it('saves tools, attachments, reasoning, plugins and provider preferences as the admin API takes them, and the gateway applies them', async () => {
    const user = renderDialog('assistant');
    await section();
    await user.click(radio('Web search', 'Always on'));
    await user.click(radio('Function tools', 'Forbid'));
    const images = extension('attachments.image');
    await user.type(within(images).getByRole('spinbutton', { name: 'Most per message' }), '2');
    await user.type(within(images).getByRole('spinbutton', { name: 'Largest file (MB)' }), '4');
    await user.type(within(images).getByRole('textbox', { name: 'Accepted types' }), 'image/png, image/jpeg');
    await user.click(radio('Audio', 'Forbid'));
    const reasoning = extension('reasoning');
    await user.type(within(reasoning).getByRole('spinbutton', { name: 'Smallest budget (tokens)' }), '1024');
    await user.type(within(reasoning).getByRole('spinbutton', { name: 'Largest budget (tokens)' }), '8000');
    await user.click(radio('Provider preferences', 'Always on'));
    const provider = extension('provider');
    await user.type(within(provider).getByRole('textbox', { name: 'Try these providers first' }), 'anthropic, google-vertex');
    await user.selectOptions(within(provider).getByRole('combobox', { name: 'Prefer' }), 'The lowest price');
    await user.click(radio('Prompt caching', 'Forbid'));
    await user.click(radio('PDF parser', 'Always on'));
    // Response healing repairs JSON answers; claude-sonnet-4 gives none on request.
    expect(radio('Response healing', 'Always on').disabled).toBe(true);
    expect(describedBy(choice('Response healing'))).toContain('anthropic/claude-sonnet-4 does not answer in JSON on request.');
    expect(choice('Web search').closest('[data-field]')?.getAttribute('data-state')).toBe('dirty');
    await expectNoAxeViolations();

    await user.click(within(dialog()).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(within(dialog()).getByText(/^Saved as version \d+\.$/)).toBeTruthy());
    const [body] = saves;
    expect(body).toEqual({
      version: expect.any(Number) as number,
      params: { max_tokens: 256, extra: { provider: { allow_fallbacks: true, order: ['anthropic', 'google-vertex'], sort: 'price' } } },
      clientOverrides: { tools: false, tool_choice: false, parallel_tool_calls: false, reasoning: { min: 1024, max: 8000 } },
      extensions: {
        serverTools: { web_search: 'force' },
        pluginsById: { 'file-parser': 'force' },
        attachments: { image: { maxCount: 2, maxBytes: 4 * 1024 * 1024, mimeTypes: ['image/png', 'image/jpeg'] }, audio: false },
        cacheControl: 'forbid',
      },
    });
    expect((await admin.features.get('assistant')).extensions).toEqual(body?.['extensions']);

    // The gateway applies what was saved: web search on every request, the provider order, and the refusals.
    expect((await chat({ messages: [{ role: 'user', content: 'Any tram news?' }] })).status).toBe(200);
    const sent = harness.emulator.generations({ kind: 'chat' }).at(-1)?.request as { tools?: Array<{ type: string }>; provider?: unknown; plugins?: unknown };
    expect(sent.tools).toEqual([{ type: 'openrouter:web_search', parameters: { max_uses: 10 } }]);
    expect(sent.plugins).toEqual([{ id: 'file-parser' }]);
    expect(sent.provider).toEqual({ allow_fallbacks: true, order: ['anthropic', 'google-vertex'], sort: 'price' });
    const audio = await chat({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] });
    expect(audio.body.error).toMatchObject({ code: 'parameter_not_allowed', param: 'messages.0.content.0' });
    const tools = await chat({ messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] });
    expect(tools.body.error).toMatchObject({ code: 'parameter_not_allowed', param: 'tools' });
  }, 60_000);

  it('disables what the model cannot use, saying why: a model without image input cannot allow image attachments', async () => {
    renderDialog('plain');
    await section();
    const allowImages = radio('Images', 'Allow');
    await waitFor(() => expect(allowImages.disabled).toBe(true));
    expect(describedBy(choice('Images'))).toContain('ibm-granite/granite-4.1-8b does not read images.');
    expect(radio('Images', 'Forbid').disabled).toBe(false);
    expect(radio('Audio', 'Allow').disabled).toBe(true);
    // PDFs are read for it by OpenRouter's parser: allowed, with a note.
    expect(radio('PDFs and documents', 'Allow').disabled).toBe(false);
    expect(describedBy(choice('PDFs and documents'))).toContain('OpenRouter’s parser reads them');
    expect(radio('Reasoning', 'Allow').disabled).toBe(true);
    expect(radio('Reasoning', 'Always on').disabled).toBe(true);
    expect(describedBy(choice('Reasoning'))).toContain('ibm-granite/granite-4.1-8b does not reason.');
    expect(radio('Web search', 'Always on').disabled).toBe(false);
    await expectNoAxeViolations();
  });

  it('says what is wrong as it is typed and keeps a draft with problems from being saved', async () => {
    const user = renderDialog('checked');
    await section();
    const save = within(dialog()).getByRole<HTMLButtonElement>('button', { name: 'Save' });
    const types = within(extension('attachments.image')).getByRole('textbox', { name: 'Accepted types' });
    await user.type(types, 'png');
    expect(types.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(types)).toContain('“png” is not a media type such as image/png.');
    expect(save.disabled).toBe(true);
    await user.clear(types);
    await user.type(types, 'application/pdf');
    expect(describedBy(types)).toContain('“application/pdf” is not an image type.');
    await user.clear(types);
    expect(types.getAttribute('aria-invalid')).toBeNull();

    const reasoning = extension('reasoning');
    await user.type(within(reasoning).getByRole('spinbutton', { name: 'Smallest budget (tokens)' }), '9000');
    const largest = within(reasoning).getByRole('spinbutton', { name: 'Largest budget (tokens)' });
    await user.type(largest, '2000');
    expect(describedBy(largest)).toContain('The largest budget is smaller than the smallest.');
    expect(save.disabled).toBe(true);
    await user.click(radio('Reasoning', 'Always on'));
    expect(within(reasoning).queryByRole('spinbutton')).toBeNull();
    await user.selectOptions(within(reasoning).getByRole('combobox', { name: 'Effort' }), 'High');
    await user.click(save);
    await waitFor(async () => expect((await admin.features.get('checked')).params.extra).toEqual({ reasoning: { effort: 'high' } }));
    expect((await admin.features.get('checked')).clientOverrides).toEqual({ reasoning: false });
    await expectNoAxeViolations();
  });
});
