import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyEncryption } from '@insforge/ai-server';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { createAiClient, type AiClient } from '../../core/client.js';
import { AiProvider } from '../../react/ai-provider.js';
import { SettingsDialog, type SettingsDialogProps } from './settings-dialog.js';

let harness: Harness;
let admin: AiClient;

beforeAll(async () => {
  harness = await startHarness({
    // Stored OpenRouter keys are encrypted: the gateway needs a master key to accept one.
    encryption: new KeyEncryption([{ id: 'test', key: randomBytes(32) }]),
    // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
    emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } },
  });
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  for (const name of ['support', 'saved', 'conflicted', 'guarded', 'tested', 'composed']) {
    await admin.features.create({ name, model: 'openai/gpt-4o-mini', systemPrompt: 'You answer support questions.', params: { temperature: 0.3 } });
  }
  await admin.features.create({ name: 'opus', model: 'anthropic/claude-opus-5', systemPrompt: 'You think hard.', params: { top_p: 0.9 } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

/** Axe on the whole page (the dialog is in a portal); jsdom cannot compute colours, and a bare test page has no landmarks. */
async function expectNoAxeViolations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

function renderDialog(props: Partial<SettingsDialogProps> = {}) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
      <SettingsDialog feature="support" defaultOpen {...props} />
    </AiProvider>,
  );
  return { user, ...view };
}

const dialog = () => screen.getByRole('dialog', { name: 'AI settings' });
const systemPrompt = () => screen.findByRole('textbox', { name: 'System prompt' });
const spin = (name: string) => screen.getByRole('spinbutton', { name });
const button = (name: string | RegExp) => screen.getByRole('button', { name });
const describedBy = (element: HTMLElement) =>
  (element.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');

async function chooseModel(user: ReturnType<typeof userEvent.setup>, search: string, name: string) {
  const picker = screen.getByRole('combobox', { name: 'Model' });
  await user.click(picker);
  await user.clear(picker);
  await user.type(picker, search);
  await user.click(await screen.findByRole('option', { name }));
}

describe('SettingsDialog', () => {
  it('opens from its trigger titled "AI settings", shows what each field inherits, and closes', async () => {
    const onOpenChange = vi.fn();
    const { user } = renderDialog({ defaultOpen: false, onOpenChange, trigger: <button type="button">Settings</button> });
    expect(screen.queryByRole('dialog')).toBeNull();
    // The trigger shows once the gateway has let the caller use its admin routes.
    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    expect(dialog().getAttribute('data-state')).toBe('open');
    expect(((await systemPrompt()) as HTMLTextAreaElement).value).toBe('You answer support questions.');
    expect(describedBy(spin('Temperature'))).toContain('Saved: 0.3');
    expect(describedBy(spin('Top-p'))).toContain("Saved: the model's default");
    expect(screen.getByRole('combobox', { name: 'Model' })).toBeTruthy();
    await waitFor(() => expect(within(dialog()).getByText(/Key in use: sk-or-/)).toBeTruthy());
    await expectNoAxeViolations();

    await user.click(button('Close'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(onOpenChange.mock.calls).toEqual([[true], [false]]);
    await user.click(button('Settings'));
    await systemPrompt();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('opened from a trigger inside a right-to-left wrapper, the dialog and its unsaved-changes question are right to left too', async () => {
    const user = userEvent.setup();
    render(
      <div dir="rtl">
        <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
          <SettingsDialog feature="composed" trigger={<button type="button">Settings</button>} />
        </AiProvider>
      </div>,
    );
    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    expect(getComputedStyle(dialog()).direction).toBe('rtl');
    await user.type(await systemPrompt(), ' Be kind.');
    await user.keyboard('{Escape}');
    const confirm = await screen.findByRole('alertdialog', { name: 'Discard unsaved changes?' });
    expect(getComputedStyle(confirm).direction).toBe('rtl');
    await expectNoAxeViolations();
    await user.click(within(confirm).getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('follows the app while open: a wrapper switched between right to left and left to right switches the dialog and its unsaved-changes question', async () => {
    const user = userEvent.setup();
    render(
      <div dir="rtl" data-testid="app">
        <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
          <SettingsDialog feature="composed" trigger={<button type="button">Settings</button>} />
        </AiProvider>
      </div>,
    );
    const app = screen.getByTestId('app');
    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    // Held on to: behind its unsaved-changes question the dialog is hidden from the accessibility tree.
    const settings = dialog();
    expect(getComputedStyle(settings).direction).toBe('rtl');
    app.setAttribute('dir', 'ltr');
    await waitFor(() => expect(getComputedStyle(settings).direction).toBe('ltr'));
    await user.type(await systemPrompt(), ' Be kind.');
    await user.keyboard('{Escape}');
    const confirm = await screen.findByRole('alertdialog', { name: 'Discard unsaved changes?' });
    expect(getComputedStyle(confirm).direction).toBe('ltr');
    app.setAttribute('dir', 'rtl');
    await waitFor(() => expect([getComputedStyle(settings).direction, getComputedStyle(confirm).direction]).toEqual(['rtl', 'rtl']));
    await user.click(within(confirm).getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('shows its trigger only to admins: a user the gateway refuses its admin routes never sees it', async () => {
    const statuses: number[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={recording}>
        <SettingsDialog feature="support" trigger={<button type="button">Settings</button>} />
        <SettingsDialog.Root feature="support">
          <SettingsDialog.Trigger alwaysShow>Forced settings</SettingsDialog.Trigger>
        </SettingsDialog.Root>
      </AiProvider>,
    );
    // The forced trigger is there at once; the checked one never appears, before or after the gateway's 403.
    expect(screen.getByRole('button', { name: 'Forced settings' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Settings' })).toBeNull();
    await waitFor(() => expect(statuses).toContain(403));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole('button', { name: 'Settings' })).toBeNull();
  });

  it('composes from its parts: Root, an own trigger through asChild, Content with the form', async () => {
    const user = userEvent.setup();
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
        <SettingsDialog.Root feature="support">
          <SettingsDialog.Trigger asChild>
            <a href="#settings">Open the settings</a>
          </SettingsDialog.Trigger>
          <SettingsDialog.Content>
            <p>Changes apply to the next answer.</p>
            <SettingsDialog.Form />
          </SettingsDialog.Content>
        </SettingsDialog.Root>
      </AiProvider>,
    );
    await user.click(await screen.findByRole('link', { name: 'Open the settings' }));
    expect(within(dialog()).getByText('Changes apply to the next answer.')).toBeTruthy();
    expect(((await systemPrompt()) as HTMLTextAreaElement).value).toBe('You answer support questions.');
  });

  it('shows the sections given to its Form, in their order, over one draft that saves', async () => {
    const user = userEvent.setup();
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
        <SettingsDialog.Root feature="composed" defaultOpen>
          <SettingsDialog.Content>
            <SettingsDialog.Form>
              <SettingsDialog.TestSection />
              <SettingsDialog.ModelSection />
            </SettingsDialog.Form>
          </SettingsDialog.Content>
        </SettingsDialog.Root>
      </AiProvider>,
    );
    const prompt = await systemPrompt();
    const sections = [...dialog().querySelectorAll('[data-section]')].map((section) => section.getAttribute('data-section'));
    expect(sections).toEqual(['test', 'model']);
    expect(screen.queryByRole('spinbutton', { name: 'Temperature' })).toBeNull();
    await user.clear(prompt);
    await user.type(prompt, 'Composed and saved.');
    await user.click(button('Save'));
    await waitFor(async () => expect((await admin.features.get('composed')).systemPrompt).toBe('Composed and saved.'));
    expect(() => render(<SettingsDialog.ModelSection />)).toThrow('must be used within');
  });

  it('closes an open model picker on Escape without closing the dialog', async () => {
    const { user } = renderDialog({ defaultOpen: true });
    await systemPrompt();
    const picker = screen.getByRole('combobox', { name: 'Model' });
    await user.click(picker);
    await waitFor(() => expect(picker.getAttribute('aria-expanded')).toBe('true'));
    await user.keyboard('{Escape}');
    await waitFor(() => expect(picker.getAttribute('aria-expanded')).toBe('false'));
    expect(dialog().getAttribute('data-state')).toBe('open');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('disables the parameters the chosen model does not support, saying why, and enables them for a model that does', async () => {
    const { user } = renderDialog({ feature: 'opus' });
    await systemPrompt();
    await waitFor(() => expect((spin('Top-p') as HTMLInputElement).disabled).toBe(true));
    expect(describedBy(spin('Top-p'))).toContain('Not supported by anthropic/claude-opus-5');
    expect((spin('Frequency penalty') as HTMLInputElement).disabled).toBe(true);
    expect((spin('Temperature') as HTMLInputElement).disabled).toBe(false);
    // The saved top_p stays visible, can be cleared, and the preview notes that the model ignores it.
    expect(within(screen.getByTestId('request-preview').parentElement!).getByText('anthropic/claude-opus-5 ignores top_p.')).toBeTruthy();
    expect(button('Clear Top-p')).toBeTruthy();
    await expectNoAxeViolations();

    await chooseModel(user, 'gpt-4o-mini', 'OpenAI: GPT-4o-mini');
    await waitFor(() => expect((spin('Top-p') as HTMLInputElement).disabled).toBe(false));
    expect(describedBy(spin('Top-p'))).not.toContain('Not supported');
  });

  it("bounds max tokens by the chosen model's max output", async () => {
    const { user } = renderDialog();
    await systemPrompt();
    const maxTokens = spin('Max tokens') as HTMLInputElement;
    await waitFor(() => expect(maxTokens.max).toBe('16384'));
    expect(describedBy(maxTokens)).toContain('openai/gpt-4o-mini writes at most 16,384 tokens.');
    await user.type(maxTokens, '20000');
    expect(describedBy(maxTokens)).toContain('At most 16,384: the most openai/gpt-4o-mini can write.');
    expect(maxTokens.getAttribute('aria-invalid')).toBe('true');
    expect((button('Save') as HTMLButtonElement).disabled).toBe(true);
    expect(within(dialog()).getByText('Fix the highlighted fields to save.')).toBeTruthy();
    await user.clear(maxTokens);
    await user.type(maxTokens, '1000');
    expect(maxTokens.getAttribute('aria-invalid')).toBeNull();
    expect((button('Save') as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId('request-preview').textContent).toContain('"max_tokens": 1000');
  });

  it('validates the custom parameters: invalid JSON is an error that blocks saving', async () => {
    const { user } = renderDialog();
    await systemPrompt();
    const editor = screen.getByRole('textbox', { name: 'Custom parameters (JSON)' });
    await user.clear(editor);
    await user.click(editor);
    await user.paste('{"response_format": {"type": "json_object"');
    expect(within(dialog()).getByRole('alert').textContent).toMatch(/^This is not valid JSON: /);
    expect(editor.getAttribute('aria-invalid')).toBe('true');
    expect((button('Save') as HTMLButtonElement).disabled).toBe(true);
    await expectNoAxeViolations();

    await user.paste('}}');
    expect(editor.getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByTestId('request-preview').textContent).toContain('"response_format": {\n    "type": "json_object"\n  }');
    expect((button('Save') as HTMLButtonElement).disabled).toBe(false);
    await user.clear(editor);
    await user.paste('{"model": "x"}');
    expect(within(dialog()).getByRole('alert').textContent).toBe('Choose the model with the Model field.');
  });

  it('saves, and the next chat request upstream has the new system prompt and model', async () => {
    const onSaved = vi.fn();
    const { user } = renderDialog({ feature: 'saved', onSaved });
    const prompt = await systemPrompt();
    await user.clear(prompt);
    await user.type(prompt, 'Answer like a pirate.');
    await chooseModel(user, 'claude-sonnet-4', 'Anthropic: Claude Sonnet 4');
    const preview = screen.getByTestId('request-preview').textContent ?? '';
    expect(JSON.parse(preview)).toMatchObject({ model: 'anthropic/claude-sonnet-4', messages: [{ role: 'system', content: 'Answer like a pirate.' }, { role: 'user' }], temperature: 0.3 });
    await user.click(button('Save'));
    await waitFor(() => expect(within(dialog()).getByText('Saved as version 2.')).toBeTruthy());
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ version: 2, model: 'anthropic/claude-sonnet-4' }));
    expect((button('Save') as HTMLButtonElement).disabled).toBe(true);

    const user1 = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    await user1.chat.complete({ model: 'saved', messages: [{ role: 'user', content: 'Ahoy?' }] });
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    const sent = probe!.request as { model: string; messages: Array<{ role: string; content: string }> };
    expect(sent.model).toBe('anthropic/claude-sonnet-4');
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
  });

  it('on a conflict shows who saved first; "Keep mine" saves over their version, "Reload their version" takes it', async () => {
    const dana = await admin.clientKeys.create({ label: 'Dana', role: 'admin', userId: 'dana' });
    const theirs = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${dana.key}` } });
    const { user } = renderDialog({ feature: 'conflicted' });
    const prompt = await systemPrompt();
    await user.clear(prompt);
    await user.type(prompt, 'Mine.');
    await theirs.features.update('conflicted', { version: 1, params: { temperature: 0.9 } });

    await user.click(button('Save'));
    const notice = await within(dialog()).findByText('Someone else saved first');
    const alert = notice.closest('[role="alert"]') as HTMLElement;
    await waitFor(() => expect(alert.textContent).toContain('dana saved version 2'));
    expect(alert.textContent).toContain('They changed: parameters.');
    await expectNoAxeViolations();
    await user.click(within(alert).getByRole('button', { name: 'Keep mine' }));
    await waitFor(() => expect(within(dialog()).getByText('Saved as version 3.')).toBeTruthy());
    expect(await admin.features.get('conflicted')).toMatchObject({ version: 3, systemPrompt: 'Mine.', params: { temperature: 0.9 } });

    await user.clear(prompt);
    await user.type(prompt, 'Mine again.');
    await theirs.features.update('conflicted', { version: 3, systemPrompt: 'Theirs.' });
    await user.click(button('Save'));
    await user.click(await within(dialog()).findByRole('button', { name: 'Reload their version' }));
    await waitFor(() => expect((prompt as HTMLTextAreaElement).value).toBe('Theirs.'));
    expect(within(dialog()).queryByText('Someone else saved first')).toBeNull();
    expect((button('Save') as HTMLButtonElement).disabled).toBe(true);
  });

  it('asks before unsaved edits are lost: on close, on switching feature, and before the page unloads', async () => {
    const onOpenChange = vi.fn();
    const { user } = renderDialog({ feature: undefined, features: ['guarded', 'opus'], onOpenChange });
    const prompt = await systemPrompt();
    const unload = () => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(false);
    await user.type(prompt, ' Be kind.');
    expect(unload()).toBe(true);

    await user.keyboard('{Escape}');
    const confirm = await screen.findByRole('alertdialog', { name: 'Discard unsaved changes?' });
    // The settings stay open under the question (hidden from the accessibility tree while it is asked).
    expect(screen.getByRole('dialog', { name: 'AI settings', hidden: true }).getAttribute('data-state')).toBe('open');
    await expectNoAxeViolations();
    await user.click(within(confirm).getByRole('button', { name: 'Keep editing' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect((prompt as HTMLTextAreaElement).value).toBe('You answer support questions. Be kind.');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Feature' }), 'opus');
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Keep editing' }));
    expect((screen.getByRole('combobox', { name: 'Feature' }) as HTMLSelectElement).value).toBe('guarded');

    await user.click(button('Close'));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(onOpenChange).toHaveBeenLastCalledWith(false);
    expect(unload()).toBe(false);
    expect((await admin.features.get('guarded')).systemPrompt).toBe('You answer support questions.');
  });

  it('runs a live test of the draft and shows the answer, model, tokens, cost and latency', async () => {
    const { user } = renderDialog({ feature: 'tested' });
    const prompt = await systemPrompt();
    await user.clear(prompt);
    await user.type(prompt, 'Only a test.');
    const testPrompt = screen.getByRole('textbox', { name: 'Test prompt' });
    await user.clear(testPrompt);
    await user.type(testPrompt, 'Testing the draft');
    await user.click(button('Run test'));
    const result = await waitFor(() => {
      const region = within(dialog()).getAllByRole('status').find((status) => status.getAttribute('data-state') === 'done');
      expect(region).toBeTruthy();
      return region!;
    });
    expect(result.textContent).toContain('Testing the draft');
    expect(result.textContent).toContain('openai/gpt-4o-mini');
    expect(result.textContent).toMatch(/\d+ in, \d+ out \(\d+\)/);
    expect(result.textContent).toMatch(/\$\d/);
    expect(result.textContent).toMatch(/\d+ ms|\d+\.\d s/);
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    expect((probe!.request as { messages: Array<{ content: string }> }).messages[0]!.content).toBe('Only a test.');
    expect((await admin.features.get('tested')).version).toBe(1);
    await expectNoAxeViolations();
  });

  it('sets the OpenRouter key: a refused key is explained plainly, a good one is shown masked, tested and removed, the focus kept', async () => {
    const { user } = renderDialog();
    await systemPrompt();
    const masked = (key: string) => `${key.slice(0, 6)}…${key.slice(-4)}`;
    await waitFor(() => expect(within(dialog()).getByText(`Key in use: ${masked(harness.upstreamKey)}`)).toBeTruthy());
    const field = screen.getByLabelText('New OpenRouter key');
    await user.type(field, `sk-or-v1-${'0'.repeat(64)}`);
    await user.click(button('Replace key'));
    await waitFor(() => expect(within(dialog()).getByText('OpenRouter rejected this key; check it and paste it again.')).toBeTruthy());
    expect(within(dialog()).getByText(`Key in use: ${masked(harness.upstreamKey)}`)).toBeTruthy();
    await expectNoAxeViolations();

    const account = harness.emulator.addKey({ label: 'Team key', limit: 25 });
    await user.clear(field);
    await user.type(field, account.key);
    await user.click(button('Replace key'));
    await waitFor(() => expect(within(dialog()).getByText('OpenRouter accepted the key "Team key"; limit $25.00, $25.00 left.')).toBeTruthy());
    expect(within(dialog()).getByText(`Key in use: ${masked(account.key)}`)).toBeTruthy();
    expect((field as HTMLInputElement).value).toBe('');
    expect(document.body.textContent).not.toContain(account.key);

    await user.click(button('Test key'));
    await waitFor(() => expect(within(dialog()).getByText('The key works.')).toBeTruthy());
    // By keyboard: the focus goes to Cancel (not to the page as the button it was on goes), back on a cancel, and to
    // the key field once the key is removed.
    button('Remove key').focus();
    await user.keyboard('{Enter}');
    expect(document.activeElement).toBe(button('Cancel'));
    await user.keyboard('{Enter}');
    expect(document.activeElement).toBe(button('Remove key'));
    await user.keyboard('{Enter}');
    await user.click(button('Yes, remove it'));
    await waitFor(() => expect(within(dialog()).getByText('The stored key is removed.')).toBeTruthy());
    expect(document.activeElement).toBe(field);
    expect(within(dialog()).getByText(`Key in use: ${masked(harness.upstreamKey)}`)).toBeTruthy();
  });

  it("writes out bidi controls in the label OpenRouter gives a key, so it cannot reorder the key's limit", async () => {
    const { user } = renderDialog();
    await systemPrompt();
    const account = harness.emulator.addKey({ label: 'Team\u202E key', limit: 25 });
    await user.type(screen.getByLabelText('New OpenRouter key'), account.key);
    await user.click(button('Replace key'));
    await waitFor(() => expect(within(dialog()).getByText('OpenRouter accepted the key "Team\\u202e key"; limit $25.00, $25.00 left.')).toBeTruthy());
    await admin.providerKey.remove();
  });

  it('announces that the limits could not be read, in the limits section', async () => {
    const fetch: typeof globalThis.fetch = (input, init) =>
      new URL(input instanceof Request ? input.url : String(input)).pathname.endsWith('/api/ai/limits')
        ? Promise.resolve(Response.json({ error: { message: 'The limits store is down.', type: 'server_error', code: 'service_unavailable' } }, { status: 503 }))
        : globalThis.fetch(input, init);
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={fetch}>
        <SettingsDialog feature="support" defaultOpen />
      </AiProvider>,
    );
    await systemPrompt();
    const section = document.querySelector<HTMLElement>('[data-section="limits"]')!;
    const alert = await waitFor(() => within(section).getByRole('alert'));
    expect(alert.textContent).not.toBe('');
  });

  it('shows a limit whose figures are missing ("—") among the others, and the dialog stays up', async () => {
    const limits = {
      stopped: false,
      stopReason: null,
      data: [
        { scope: 'project', target: null, kind: 'tokensPerDay', limit: 100_000, used: 1_200, remaining: 98_800, resetsAt: '2026-01-02T00:00:00Z' },
        { scope: 'user', target: null, kind: 'requestsPerMinute', limit: 60, used: null, remaining: null, resetsAt: null },
      ],
    };
    // The gateway's answers, but for its limits.
    const fetch: typeof globalThis.fetch = (input, init) =>
      new URL(input instanceof Request ? input.url : String(input)).pathname.endsWith('/api/ai/limits') ? Promise.resolve(Response.json(limits)) : globalThis.fetch(input, init);
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={fetch}>
        <SettingsDialog feature="support" defaultOpen />
      </AiProvider>,
    );
    await systemPrompt();
    const table = await waitFor(() => within(document.querySelector<HTMLElement>('[data-section="limits"]')!).getByRole('table'));
    const [, project, user] = within(table).getAllByRole('row');
    expect(within(project!).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['Tokens per day', '1,200 / 100,000', expect.stringMatching(/2026/)]);
    expect(within(user!).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['Requests per minute', '— / 60', '—']);
  });
});
