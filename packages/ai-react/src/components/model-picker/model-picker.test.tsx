import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { useState, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import type { ModelEntry } from '../../core/chat-types.js';
import { AiProvider } from '../../react/ai-provider.js';
import { useModels } from '../../react/use-models.js';
import { ModelCombobox } from './model-combobox.js';
import { isFreeModel } from './model-filters.js';
import { ModelPicker, type ModelPickerProps } from './model-picker.js';

let harness: Harness;
let catalog: readonly ModelEntry[] = [];

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

function Gateway({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}

/** The whole admin catalog, as the picker loads it (read once, to compute what the list should show). */
async function loadCatalog(): Promise<readonly ModelEntry[]> {
  if (catalog.length > 0) return catalog;
  let loaded: readonly ModelEntry[] = [];
  function Reader() {
    const { models, status } = useModels();
    if (status === 'ready') loaded = models;
    return null;
  }
  render(
    <Gateway>
      <Reader />
    </Gateway>,
  );
  await waitFor(() => expect(loaded.length).toBeGreaterThan(300));
  cleanup();
  catalog = loaded;
  return catalog;
}

function renderPicker(props: ModelPickerProps = {}) {
  const user = userEvent.setup();
  const view = render(
    <Gateway>
      <ModelPicker {...props} />
    </Gateway>,
  );
  return { user, view, input: screen.getByRole('combobox', { name: 'Model' }) };
}

async function openAndLoad(user: ReturnType<typeof userEvent.setup>, input: HTMLElement) {
  await user.click(input);
  await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/^\d+ models?$/));
}

const listOptions = () => within(screen.getByRole('listbox', { hidden: true })).queryAllByRole('option');
const shownIds = () => listOptions().map((option) => option.getAttribute('data-model-id') ?? '');
const activeOption = (input: HTMLElement) => document.getElementById(input.getAttribute('aria-activedescendant') ?? '');
/** An option's row: the option (the name) and, over it, its badge and facts. */
const rowOf = (option: HTMLElement) => option.parentElement!;
const valueOf = (element: HTMLElement) => (element as HTMLInputElement).value;
const byId = (id: string) => catalog.find((model) => model.id === id)!;

async function expectNoAxeViolations(container: Element) {
  // jsdom lays nothing out, so contrast is checked in the browser tests; `region` is about whole pages.
  const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

describe('ModelPicker', () => {
  beforeAll(async () => {
    await loadCatalog();
  });

  it('is a combobox named "Model" whose listbox groups the full catalog by provider and renders only the rows in view', async () => {
    const { user, input, view } = renderPicker();
    expect(input?.getAttribute('aria-expanded')).toBe('false');
    await expectNoAxeViolations(view.container);
    await openAndLoad(user, input);
    expect(input?.getAttribute('aria-expanded')).toBe('true');
    const listbox = screen.getByRole('listbox', { name: 'Models' });
    expect(input?.getAttribute('aria-controls')).toBe(listbox.id);
    expect(screen.getByRole('status').textContent).toContain(`${catalog.length} models`);
    const options = within(listbox).getAllByRole('option');
    expect(options.length).toBeGreaterThan(3);
    expect(options.length).toBeLessThan(30);
    expect(options[0]?.getAttribute('aria-setsize')).toBe(String(catalog.length));
    const groups = within(listbox).getAllByRole('group');
    expect(groups[0]!.getAttribute('aria-labelledby') ?? groups[0]!.getAttribute('aria-label')).toBeTruthy();
    expect(within(listbox).getAllByRole('group', { name: /\S/ })).toHaveLength(groups.length);
    // Every option sits in its provider's group.
    for (const group of groups) {
      const provider = group.getAttribute('data-provider');
      for (const option of within(group).queryAllByRole('option')) expect(byId(option.getAttribute('data-model-id')!).provider).toBe(provider);
    }
    await expectNoAxeViolations(view.container);
  });

  it('shows context, max output, input and output prices per million, modalities and a Free badge', async () => {
    const { user, input } = renderPicker();
    await openAndLoad(user, input);
    await user.type(input, 'gpt-4o-mini');
    const entry = byId('openai/gpt-4o-mini');
    // Named by the model's name, described by its facts (what a screen reader says after a pause).
    const mini = screen.getByRole('option', { name: 'OpenAI: GPT-4o-mini', description: /^\d+(\.\d)?K context · [\d.]+K max output · \$0\.15\/M in · \$0\.60\/M out · Text$/ });
    expect(mini.getAttribute('data-model-id')).toBe(entry.id);
    expect(rowOf(mini).textContent).toContain(`${Math.round(entry.contextLength! / 1000)}K context`);
    expect(within(rowOf(mini)).queryByText('Free')).toBeNull();
    expect(rowOf(mini).textContent).toContain('$0.60/M out');

    const freeModel = catalog.find((model) => isFreeModel(model) && model.modalities.includes('text'))!;
    await user.clear(input);
    await user.type(input, freeModel.id);
    const option = listOptions().find((candidate) => candidate.getAttribute('data-model-id') === freeModel.id)!;
    expect(within(rowOf(option)).getAllByText('Free').length).toBeGreaterThan(0);
    expect(screen.getByRole('option', { name: freeModel.name, description: `Free ${rowOf(option).querySelector('.ia-model-facts')!.textContent}` })).toBe(option);
  });

  it('moves with ArrowDown/ArrowUp/Home/End through the whole catalog, selects with Enter and closes with Escape', async () => {
    const onValueChange = vi.fn();
    const { user, input } = renderPicker({ onValueChange });
    input.focus();
    await user.keyboard('{ArrowDown}');
    expect(input?.getAttribute('aria-expanded')).toBe('true');
    await waitFor(() => expect(listOptions().length).toBeGreaterThan(0));
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe('1');
    expect(activeOption(input)?.getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe('3');
    await user.keyboard('{ArrowUp}');
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe('2');
    // The last of several hundred models: rendered, because the window follows the highlight.
    await user.keyboard('{End}');
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe(String(catalog.length));
    expect(listOptions()[0]!.getAttribute('aria-posinset')).not.toBe('1');
    await user.keyboard('{ArrowDown}');
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe(String(catalog.length));
    await user.keyboard('{Home}');
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe('1');
    await user.keyboard('{PageDown}');
    expect(activeOption(input)?.getAttribute('aria-posinset')).toBe('9');

    await user.keyboard('{Escape}');
    expect(input?.getAttribute('aria-expanded')).toBe('false');
    expect(input.hasAttribute('aria-activedescendant')).toBe(false);
    expect(onValueChange).not.toHaveBeenCalled();

    await user.type(input, 'claude sonnet 4');
    expect(input?.getAttribute('aria-expanded')).toBe('true');
    const first = activeOption(input)!;
    const chosen = first.getAttribute('data-model-id')!;
    expect(chosen).toMatch(/claude/);
    await user.keyboard('{Enter}');
    expect(onValueChange).toHaveBeenCalledWith(chosen, expect.objectContaining({ id: chosen, provider: 'anthropic' }));
    expect(input?.getAttribute('aria-expanded')).toBe('false');
    expect(valueOf(input)).toBe(byId(chosen).name);
    expect(document.activeElement).toBe(input);

    // Opened again, the chosen model is the one highlighted.
    await user.keyboard('{ArrowDown}');
    expect(activeOption(input)?.getAttribute('data-model-id')).toBe(chosen);
    expect(activeOption(input)?.getAttribute('data-state')).toBe('checked');
  });

  it('Escape in the open list does not reach a dialog around it; the next one does', async () => {
    const onOuterKeyDown = vi.fn();
    const user = userEvent.setup();
    render(
      <Gateway>
        <div onKeyDown={(event) => onOuterKeyDown(event.key)}>
          <ModelPicker />
        </div>
      </Gateway>,
    );
    const input = screen.getByRole('combobox', { name: 'Model' });
    await openAndLoad(user, input);
    await user.keyboard('{Escape}');
    expect(onOuterKeyDown).not.toHaveBeenCalledWith('Escape');
    await user.keyboard('{Escape}');
    expect(onOuterKeyDown).toHaveBeenCalledWith('Escape');
  });

  it('searches every word in the id, name and provider of the full catalog', async () => {
    const { user, input } = renderPicker();
    await openAndLoad(user, input);
    await user.type(input, 'CLAUDE');
    const expected = catalog.filter((model) => `${model.id} ${model.name} ${model.provider}`.toLowerCase().includes('claude'));
    expect(screen.getByRole('status').textContent).toContain(`${expected.length} models`);
    expect(shownIds().every((id) => `${id} ${byId(id).name}`.toLowerCase().includes('claude'))).toBe(true);
    await user.clear(input);
    await user.type(input, 'google flash');
    expect(shownIds().length).toBeGreaterThan(0);
    expect(shownIds().every((id) => id.includes('google/') && `${id} ${byId(id).name}`.toLowerCase().includes('flash'))).toBe(true);
    await user.clear(input);
    await user.type(input, 'zzzz-no-such-model');
    expect(screen.getByRole('status').textContent).toContain('No models match these filters.');
    expect(listOptions()).toEqual([]);
  });

  it('picks with a click, and renders other rows when the list scrolls', async () => {
    const { user, input } = renderPicker();
    await openAndLoad(user, input);
    const listbox = screen.getByRole('listbox');
    const before = shownIds();
    fireEvent.scroll(listbox, { target: { scrollTop: 58 * 150 } });
    const after = shownIds();
    expect(after.length).toBeLessThan(30);
    expect(after.some((id) => !before.includes(id))).toBe(true);
    const target = listOptions()[3]!;
    expect(Number(target.getAttribute('aria-posinset'))).toBeGreaterThan(100);
    const id = target.getAttribute('data-model-id')!;
    await user.click(target);
    expect(valueOf(input)).toBe(byId(id).name);
    expect(input?.getAttribute('aria-expanded')).toBe('false');
  });

  it('filters by modality, provider, price ceiling and minimum context', async () => {
    const { user, input } = renderPicker();
    await openAndLoad(user, input);
    const status = screen.getByRole('status');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Modality' }), 'image');
    const images = catalog.filter((model) => model.modalities.includes('image'));
    expect(status.textContent).toContain(`${images.length} model`);
    expect(shownIds().every((id) => byId(id).modalities.includes('image'))).toBe(true);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Modality' }), '');

    // Each provider once, named: OpenRouter's `~anthropic` aliases are Anthropic's models too.
    const providerNames = within(screen.getByRole('combobox', { name: 'Provider' })).getAllByRole('option').map((option) => option.textContent);
    expect(new Set(providerNames).size).toBe(providerNames.length);
    expect(providerNames.filter((name) => name?.startsWith('~'))).toEqual([]);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Provider' }), 'anthropic');
    expect(status.textContent).toBe(`${catalog.filter((model) => model.provider.replace('~', '') === 'anthropic').length} models`);
    expect(shownIds().every((id) => /^~?anthropic\//.test(id))).toBe(true);
    expect(screen.getAllByRole('group', { name: 'Anthropic' })).toHaveLength(1);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Provider' }), '');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Max input price' }), 'Free only');
    const free = catalog.filter((model) => isFreeModel(model));
    expect(status.textContent).toContain(`${free.length} models`);
    expect(listOptions().every((option) => within(rowOf(option)).queryAllByText('Free').length > 0)).toBe(true);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Max input price' }), 'Up to $1/M');
    expect(shownIds().every((id) => (byId(id).pricing.promptPerMillion ?? 0) <= 1)).toBe(true);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Max input price' }), 'Any price');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Min context' }), '1M+');
    const large = catalog.filter((model) => (model.contextLength ?? 0) >= 1_000_000);
    expect(status.textContent).toContain(`${large.length} models`);
    expect(shownIds().every((id) => byId(id).contextLength! >= 1_000_000)).toBe(true);

    // Filters and search narrow together.
    await user.type(input, 'gemini');
    expect(shownIds().length).toBeGreaterThan(0);
    expect(shownIds().every((id) => id.includes('gemini') && byId(id).contextLength! >= 1_000_000)).toBe(true);
  });

  it('sorts by price, context and newest, the first model shown being the one the sort puts first', async () => {
    const { user, input } = renderPicker();
    await openAndLoad(user, input);
    const sort = screen.getByRole('combobox', { name: 'Sort by' });
    const total = (model: ModelEntry) => (model.pricing.promptPerMillion ?? 0) + (model.pricing.completionPerMillion ?? 0);

    await user.selectOptions(sort, 'price');
    const cheapest = Math.min(...catalog.map(total));
    expect(total(byId(shownIds()[0]!))).toBe(cheapest);
    const firstGroup = screen.getAllByRole('group')[1]!;
    const prices = within(firstGroup)
      .getAllByRole('option')
      .map((option) => total(byId(option.getAttribute('data-model-id')!)));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));

    await user.selectOptions(sort, 'context');
    const largest = Math.max(...catalog.map((model) => model.contextLength ?? 0));
    expect(byId(shownIds()[0]!).contextLength).toBe(largest);

    await user.selectOptions(sort, 'newest');
    // The catalog lists the newest first (OpenRouter's order).
    expect(shownIds()[0]).toBe(chatModels.data[0]!.id);

    await user.selectOptions(sort, 'provider');
    const providers = screen.getAllByRole('group').slice(1).map((group) => group.getAttribute('data-provider')!);
    expect(providers).toEqual([...providers].sort((a, b) => a.localeCompare(b)));
  });

  it('with `modality`, lists only that modality and hides the modality filter', async () => {
    const { user, input } = renderPicker({ modality: 'embedding' });
    await openAndLoad(user, input);
    expect(screen.queryByRole('combobox', { name: 'Modality' })).toBeNull();
    expect(shownIds().length).toBeGreaterThan(0);
    expect(shownIds().every((id) => byId(id).modalities.includes('embedding'))).toBe(true);
  });

  it('two pickers of different modalities on one page each show their own list', async () => {
    render(
      <Gateway>
        <ModelPicker open modality="image" label="Image model" labels={{ listbox: 'Image models' }} />
        <ModelPicker open modality="embedding" label="Embedding model" labels={{ listbox: 'Embedding models' }} />
      </Gateway>,
    );
    const idsIn = (name: string) => within(screen.getByRole('listbox', { name })).queryAllByRole('option').map((option) => option.getAttribute('data-model-id') ?? '');
    await waitFor(() => {
      expect(idsIn('Image models').length).toBeGreaterThan(0);
      expect(idsIn('Embedding models').length).toBeGreaterThan(0);
    });
    expect(idsIn('Image models').every((id) => byId(id).modalities.includes('image'))).toBe(true);
    expect(idsIn('Embedding models').every((id) => byId(id).modalities.includes('embedding'))).toBe(true);
    expect(idsIn('Image models').some((id) => idsIn('Embedding models').includes(id))).toBe(false);
  });

  it('uncontrolled: starts from defaultValue and shows the chosen name', async () => {
    const onValueChange = vi.fn();
    const { user, input } = renderPicker({ defaultValue: 'openai/gpt-4o-mini', onValueChange });
    await waitFor(() => expect(valueOf(input)).toBe('OpenAI: GPT-4o-mini'));
    await user.click(input);
    expect(activeOption(input)?.getAttribute('data-model-id')).toBe('openai/gpt-4o-mini');
    await user.keyboard('{ArrowDown}{Enter}');
    expect(onValueChange).toHaveBeenCalledTimes(1);
    const [chosen] = onValueChange.mock.calls[0]!;
    expect(chosen).not.toBe('openai/gpt-4o-mini');
    expect(valueOf(input)).toBe(byId(chosen as string).name);
  });

  it('controlled: shows the value it is given, and only that, whatever is picked', async () => {
    const user = userEvent.setup();
    function Form() {
      const [model, setModel] = useState('openai/gpt-4o-mini');
      return (
        <>
          <ModelPicker value={model} onValueChange={setModel} name="model" />
          <output aria-label="Chosen">{model}</output>
          <button type="button" onClick={() => setModel('anthropic/claude-sonnet-4')}>
            Use Sonnet
          </button>
        </>
      );
    }
    const view = render(
      <Gateway>
        <Form />
      </Gateway>,
    );
    const input = screen.getByRole('combobox', { name: 'Model' });
    await waitFor(() => expect(valueOf(input)).toBe('OpenAI: GPT-4o-mini'));
    await user.click(screen.getByRole('button', { name: 'Use Sonnet' }));
    expect(valueOf(input)).toBe(byId('anthropic/claude-sonnet-4').name);
    expect(valueOf(view.container.querySelector<HTMLInputElement>('input[type=hidden][name=model]')!)).toBe('anthropic/claude-sonnet-4');
    await user.type(input, 'gpt-4o-mini');
    await user.keyboard('{Enter}');
    expect(screen.getByRole('status', { name: 'Chosen' }).textContent).toContain('openai/gpt-4o-mini');
    expect(valueOf(input)).toBe('OpenAI: GPT-4o-mini');

    // A parent that ignores the change keeps the value it gives.
    cleanup();
    const ignored = vi.fn();
    render(
      <Gateway>
        <ModelPicker value="openai/gpt-4o-mini" onValueChange={ignored} />
      </Gateway>,
    );
    const fixed = screen.getByRole('combobox', { name: 'Model' });
    await waitFor(() => expect(valueOf(fixed)).toBe('OpenAI: GPT-4o-mini'));
    await user.type(fixed, 'claude');
    await user.keyboard('{Enter}');
    expect(ignored).toHaveBeenCalledWith(expect.stringContaining('claude'), expect.anything());
    expect(valueOf(fixed)).toBe('OpenAI: GPT-4o-mini');
  });

  it('controls its open state too, and takes labels, class names and unstyled', async () => {
    const onOpenChange = vi.fn();
    const user = userEvent.setup();
    const view = render(
      <Gateway>
        <ModelPicker open onOpenChange={onOpenChange} label="Chat model" labels={{ listbox: 'Chat models', count: (count) => `${count} choices` }} classNames={{ input: 'my-input' }} theme="dark" />
      </Gateway>,
    );
    const input = screen.getByRole('combobox', { name: 'Chat model' });
    expect(input.className).toBe('ia-model-picker__input my-input');
    expect(view.container.firstElementChild?.getAttribute('data-theme')).toBe('dark');
    expect(view.container.firstElementChild?.getAttribute('data-state')).toBe('open');
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/^\d+ choices$/));
    expect(screen.getByRole('listbox', { name: 'Chat models' }).closest('[hidden]')).toBeNull();
    await user.click(input);
    await user.keyboard('{Escape}');
    expect(onOpenChange).toHaveBeenCalledWith(false);
    expect(input?.getAttribute('aria-expanded')).toBe('true');

    cleanup();
    render(
      <Gateway>
        <ModelPicker unstyled classNames={{ input: 'mine' }} />
      </Gateway>,
    );
    expect(screen.getByRole('combobox', { name: 'Model' }).className).toBe('mine');
  });
});

describe('ModelCombobox on 400+ models', () => {
  // How long a keystroke takes is measured in Chromium by the benchmark (`npm run bench`, "searching the model
  // catalog in ModelPicker"), not timed here: what keeps it short is that a keystroke renders only the rows in view.
  it('typing renders only the rows in view, whatever the catalog holds', async () => {
    const models = await loadCatalog();
    // More than the real catalog: every model again under a second provider.
    const many = [...models, ...models.slice(0, 100).map((model) => ({ ...model, id: `copy-${model.id}`, provider: `copy-${model.provider}` }))];
    expect(many.length).toBeGreaterThanOrEqual(400);
    render(<ModelCombobox models={many} defaultOpen />);
    const input = screen.getByRole('combobox', { name: 'Model' });
    const typeWords = (words: string) => {
      for (let end = 1; end <= words.length; end += 1) {
        act(() => {
          fireEvent.change(input, { target: { value: words.slice(0, end) } });
        });
        expect(listOptions().length).toBeLessThan(30);
      }
    };
    typeWords('g');
    expect(listOptions().length).toBeGreaterThan(0);
    typeWords('gemini flash');
    expect(listOptions().length).toBeGreaterThan(0);
    expect(shownIds().every((id) => id.includes('gemini') && id.includes('flash'))).toBe(true);
  });
});

describe('ModelCombobox parts', () => {
  const entry = (id: string, name: string): ModelEntry => ({ id, kind: 'model', name, provider: id.slice(0, id.indexOf('/')), model: id, modalities: ['text'], inputModalities: [], outputModalities: [], pricing: {}, supportedParameters: [] });
  const models = [entry('openai/gpt-4o-mini', 'OpenAI: GPT-4o-mini'), entry('anthropic/claude-sonnet-4', 'Anthropic: Claude Sonnet 4')];

  it('recomposes: a popup of the list alone (no filters), choosing with the keyboard as the ready-made one does', async () => {
    const user = userEvent.setup();
    const onValueChange = vi.fn();
    render(
      <ModelCombobox.Root models={models} onValueChange={onValueChange} data-testid="root">
        <ModelCombobox.Input />
        <ModelCombobox.Popup>
          <ModelCombobox.List />
        </ModelCombobox.Popup>
      </ModelCombobox.Root>,
    );
    expect(screen.getByTestId('root').className).toBe('ia-model-picker');
    const input = screen.getByRole('combobox', { name: 'Model' });
    await user.click(input);
    expect(screen.queryByRole('group', { name: 'Filters' })).toBeNull();
    expect(screen.getAllByRole('option')).toHaveLength(2);
    await user.type(input, 'claude{Enter}');
    expect(onValueChange).toHaveBeenCalledWith('anthropic/claude-sonnet-4', models[1]);
    expect(() => render(<ModelCombobox.List />)).toThrow('`ModelCombobox.List` must be used within `ModelCombobox.Root`');
  });
});
