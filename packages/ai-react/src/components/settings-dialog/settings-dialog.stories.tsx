import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { AiTheme } from '../../primitives/ai-root.js';
import { DEFAULT_MOCK_FEATURES } from '../../testing/mock-features.js';
import { SettingsDialog, SettingsDialogContent, SettingsDialogForm, SettingsDialogRoot, SettingsDialogTrigger } from './settings-dialog.js';
import { SettingsExtensionsSection } from './extension-policy-section.js';
import { SettingsCacheSection, SettingsGuardrailsSection } from './policy-sections.js';
import { SettingsModelSection, SettingsTestSection } from './settings-form-sections.js';

const meta = {
  title: 'SettingsDialog',
  component: SettingsDialog,
  args: { feature: 'chat', defaultOpen: true },
  parameters: {
    docs: { description: { component: 'The settings of an AI feature for an admin, driven by what the chosen model supports.' } },
  },
} satisfies Meta<typeof SettingsDialog>;

export default meta;
type Story = StoryObj<typeof meta>;

// The dialog renders in a portal, outside the story's canvas.
const page = (canvasElement: HTMLElement) => within(canvasElement.ownerDocument.body);

/** Open on the chat feature: what each field inherits, the request preview, the key and the limits. */
export const Open: Story = {
  play: async ({ canvasElement }) => {
    await page(canvasElement).findByRole('textbox', { name: 'System prompt' });
  },
};

/** Several features, with a switcher in the header. */
export const SeveralFeatures: Story = {
  args: { feature: undefined, features: ['chat', 'code', 'summarize'] },
};

/** A model without temperature, top-p or penalties (openai/gpt-5): those fields are disabled, saying why. */
export const UnsupportedParameter: Story = {
  args: { feature: 'summarize' },
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    await waitFor(() => expect(body.getByRole('spinbutton', { name: 'Temperature' })).toBeDisabled());
  },
};

/** A saved temperature on a model that ignores it: the value stays visible, clearable, and the preview says so. */
export const UnsupportedValueSet: Story = {
  args: { feature: 'reasoning' },
  parameters: {
    gateway: {
      features: [...DEFAULT_MOCK_FEATURES, { name: 'reasoning', model: 'anthropic/claude-opus-5', systemPrompt: 'Think step by step.', params: { temperature: 1, top_p: 0.9, max_tokens: 8000 } }],
    },
  },
  play: async ({ canvasElement }) => {
    await page(canvasElement).findByRole('button', { name: 'Clear Top-p' });
  },
};

/** Someone saved first: who, and the two ways out. */
export const Conflict: Story = {
  parameters: { gateway: { scenarios: { admin: 'version-conflict' } } },
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    const prompt = await body.findByRole('textbox', { name: 'System prompt' });
    await userEvent.type(prompt, ' Be brief.');
    await userEvent.click(body.getByRole('button', { name: 'Save' }));
    await body.findByRole('button', { name: 'Reload their version' });
  },
};

/** A key OpenRouter refuses: said in plain words, and the key in use stays. */
export const KeyInvalid: Story = {
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    await userEvent.type(await body.findByLabelText('New OpenRouter key'), 'sk-or-v1-not-a-real-key');
    await userEvent.click(body.getByRole('button', { name: 'Replace key' }));
    await body.findByText('OpenRouter rejected this key; check it and paste it again.');
  },
};

/** Invalid JSON in the custom parameters: an error, and Save is blocked. */
export const InvalidJson: Story = {
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    const editor = await body.findByRole('textbox', { name: 'Custom parameters (JSON)' });
    await userEvent.clear(editor);
    await userEvent.type(editor, '{{"response_format": ');
    await body.findByText(/^This is not valid JSON/);
  },
};

/** A live test of the draft: the answer rendered as markdown (as the chat shows it), model, tokens, cost and latency. */
export const LiveTest: Story = {
  parameters: { gateway: { pacing: { ttftMs: 0, tokensPerSecond: Infinity } } },
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    const prompt = await body.findByRole('textbox', { name: 'Test prompt' });
    await userEvent.clear(prompt);
    await userEvent.type(prompt, 'Answer in markdown, with a list.');
    await userEvent.click(body.getByRole('button', { name: 'Run test' }));
    await body.findByText('Latency');
  },
};

/** Closing with unsaved edits asks first. */
export const UnsavedChanges: Story = {
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    await userEvent.type(await body.findByRole('textbox', { name: 'System prompt' }), ' Be kind.');
    await userEvent.click(body.getByRole('button', { name: 'Close' }));
    await body.findByRole('alertdialog', { name: 'Discard unsaved changes?' });
  },
};

/** The dark theme. */
export const Dark: Story = {
  parameters: { theme: 'dark' },
  play: async ({ canvasElement }) => {
    await page(canvasElement).findByRole('textbox', { name: 'System prompt' });
  },
};

/** A caller who is not an admin: the dialog says so plainly. */
export const NotAnAdmin: Story = {
  parameters: { gateway: { role: 'user' } },
  play: async ({ canvasElement }) => {
    await page(canvasElement).findByText(/You do not have permission/);
  },
};

/** Closed, with its trigger (shown once the gateway lets the caller use its admin routes). */
export const WithTrigger: Story = {
  args: { defaultOpen: false, trigger: <button type="button">AI settings</button> },
  play: async ({ canvasElement }) => {
    await page(canvasElement).findByRole('button', { name: 'AI settings' });
  },
};

/** Signed in as a user: the trigger is not shown at all, rather than opening onto "no permission". */
export const TriggerHiddenFromUsers: Story = {
  args: { defaultOpen: false, trigger: <button type="button">AI settings</button> },
  parameters: { gateway: { role: 'user' } },
  render: (args) => (
    <div>
      <p>Signed in as a user: no settings button below.</p>
      <SettingsDialog {...args} />
    </div>
  ),
  play: async ({ canvasElement }) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(page(canvasElement).queryByRole('button', { name: 'AI settings' })).toBeNull();
  },
};

/** Built from its parts: an own trigger through asChild, a note above the form, and only the model and the live test. */
export const Composed: Story = {
  render: (args) => (
    <SettingsDialogRoot feature={args.feature} theme={args.theme}>
      <SettingsDialogTrigger asChild>
        <button type="button">Tune the assistant</button>
      </SettingsDialogTrigger>
      <SettingsDialogContent>
        <p style={{ margin: '12px 20px 0' }}>Changes apply to the next answer of every user.</p>
        <SettingsDialogForm>
          <SettingsModelSection />
          <SettingsTestSection />
        </SettingsDialogForm>
      </SettingsDialogContent>
    </SettingsDialogRoot>
  ),
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    await userEvent.click(await body.findByRole('button', { name: 'Tune the assistant' }));
    await body.findByRole('textbox', { name: 'System prompt' });
  },
};

/**
 * The response cache and the guardrails of a feature, on their own: a PII redaction and a blocklist, in the order they
 * run. Saving a pattern that could backtrack catastrophically shows the gateway's refusal under its field.
 */
export const CacheAndGuardrails: Story = {
  parameters: {
    gateway: {
      features: [
        ...DEFAULT_MOCK_FEATURES.filter((feature) => feature.name !== 'chat'),
        {
          name: 'chat',
          model: 'openai/gpt-4o-mini',
          params: { temperature: 0 },
          cache: { enabled: true, ttlSeconds: 3600, cacheNonDeterministic: false },
          guardrailMessage: 'Let’s keep this chat about Acme.',
          guardrails: [
            { type: 'pii', stage: 'input', mode: 'redact', kinds: ['email', 'phone', 'card', 'iban', 'secret'] },
            { type: 'blocklist', stage: 'both', mode: 'block', words: ['lottery'], patterns: ['promo\\d+'], message: 'Promotions are handled by the sales team.' },
          ],
        },
      ],
    },
  },
  render: (args) => (
    <SettingsDialogRoot feature={args.feature} defaultOpen theme={args.theme}>
      <SettingsDialogContent>
        <SettingsDialogForm>
          <SettingsCacheSection />
          <SettingsGuardrailsSection />
        </SettingsDialogForm>
      </SettingsDialogContent>
    </SettingsDialogRoot>
  ),
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    const patterns = await body.findByRole('textbox', { name: 'Regular expressions' });
    await userEvent.type(patterns, '{Enter}(a+)+$');
    await userEvent.click(body.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patterns).toHaveAttribute('aria-invalid', 'true'));
  },
};

/** The dialog with only what clients may add: the form the extension stories render. */
const extensionsOnly = (args: { feature?: string | undefined; theme?: AiTheme | undefined }) => (
  <SettingsDialogRoot feature={args.feature} defaultOpen theme={args.theme}>
    <SettingsDialogContent>
      <SettingsDialogForm>
        <SettingsExtensionsSection />
      </SettingsDialogForm>
    </SettingsDialogContent>
  </SettingsDialogRoot>
);

/**
 * What clients of a feature may add beyond its parameters, on a model that takes tools, images and reasoning: web
 * search allowed, images bounded (count, size, types), no audio, reasoning within a budget, provider preferences
 * left to the client.
 */
const EXTENDED_CHAT = {
  name: 'chat',
  model: 'anthropic/claude-sonnet-4',
  params: { max_tokens: 1024 },
  clientOverrides: { reasoning: { min: 1024, max: 16000 } },
  extensions: {
    serverTools: { web_search: 'allow' as const },
    provider: 'allow' as const,
    attachments: { image: { maxCount: 4, maxBytes: 5 * 1024 * 1024, mimeTypes: ['image/png', 'image/jpeg', 'image/webp'] }, audio: false as const },
  },
};
const withExtendedChat = { gateway: { features: [...DEFAULT_MOCK_FEATURES.filter((feature) => feature.name !== 'chat'), EXTENDED_CHAT] } };

export const Extensions: Story = {
  parameters: withExtendedChat,
  render: extensionsOnly,
  play: async ({ canvasElement }) => {
    const search = await page(canvasElement).findByRole('radiogroup', { name: 'Web search' });
    await expect(within(search).getByRole('radio', { name: 'Allow' })).toBeChecked();
  },
};

/** Provider preferences always on: the feature's own order, filters, sort, fallbacks and data collection, with every request. */
export const ExtensionsProviderPreferences: Story = {
  parameters: withExtendedChat,
  render: extensionsOnly,
  play: async ({ canvasElement }) => {
    const body = page(canvasElement);
    await userEvent.click(within(await body.findByRole('radiogroup', { name: 'Provider preferences' })).getByRole('radio', { name: 'Always on' }));
    const order = await body.findByRole('textbox', { name: 'Try these providers first' });
    await userEvent.type(order, 'anthropic, google-vertex');
    await userEvent.selectOptions(body.getByRole('combobox', { name: 'Prefer' }), 'The lowest price');
    order.closest('[data-extension="provider"]')?.scrollIntoView({ block: 'start' });
  },
};

/** A text-only model without reasoning (ibm-granite/granite-4.1-8b): images, audio and reasoning are disabled, saying why. */
export const ExtensionsTextOnlyModel: Story = {
  parameters: {
    gateway: { features: [...DEFAULT_MOCK_FEATURES.filter((feature) => feature.name !== 'chat'), { name: 'chat', model: 'ibm-granite/granite-4.1-8b', params: { max_tokens: 512 } }] },
  },
  render: extensionsOnly,
  play: async ({ canvasElement }) => {
    const images = await page(canvasElement).findByRole('radiogroup', { name: 'Images' });
    await waitFor(() => expect(within(images).getByRole('radio', { name: 'Allow' })).toBeDisabled());
    images.closest('[data-group="attachments"]')?.scrollIntoView({ block: 'start' });
  },
};
