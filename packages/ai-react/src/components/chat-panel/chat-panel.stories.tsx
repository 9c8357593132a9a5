import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { ConversationMessage } from '../../core/chat-messages.js';
import { ChatPanel } from './chat-panel.js';
import { sampleAnswer, sampleConversation } from './sample-conversation.js';

const meta = {
  title: 'ChatPanel',
  component: ChatPanel,
  // The decorator pads the page by 16 px: the panel fills the rest, so its conversation scrolls inside it.
  args: { feature: 'chat', placeholder: 'Ask anything…', style: { height: 'calc(100vh - 32px)', maxWidth: 880, margin: '0 auto' } },
  parameters: {
    docs: { description: { component: 'A complete chat for one feature, against the mock gateway (no server, no key).' } },
  },
} satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

const SETUP_ANSWER = [
  'Wrap your app in `AiProvider`, then drop the panel where the chat belongs:',
  '',
  '```tsx',
  "import { AiProvider, ChatPanel } from '@insforge/ai-react';",
  '',
  'export function Support() {',
  '  return (',
  '    <AiProvider baseUrl="/ai">',
  '      <ChatPanel feature="support" />',
  '    </AiProvider>',
  '  );',
  '}',
  '```',
  '',
  'The **model**, the system prompt and the limits stay on the server; the browser never sees the OpenRouter key.',
].join('\n');

const MODELS_ANSWER = [
  'Any model of the catalog your administrator allows. A few common picks:',
  '',
  '| Model | Input $/M | Output $/M | Context |',
  '| :-- | --: | --: | --: |',
  '| openai/gpt-4o-mini | 0.15 | 0.60 | 128K |',
  '| anthropic/claude-sonnet-4 | 3.00 | 15.00 | 200K |',
  '| google/gemini-2.5-flash | 0.30 | 2.50 | 1M |',
  '',
  'Switch the model per feature in *AI settings*; the panel needs no change.',
].join('\n');

const conversation: ConversationMessage[] = [
  { id: 'u1', role: 'user', content: 'How do I add the chat to my app?', createdAt: 1 },
  { id: 't1', role: 'assistant', selected: 0, versions: [sampleAnswer('a1', SETUP_ANSWER)] },
  { id: 'u2', role: 'user', content: 'Which models can I use?', createdAt: 2 },
  {
    id: 't2',
    role: 'assistant',
    selected: 1,
    versions: [
      sampleAnswer('a2', 'Every model of the OpenRouter catalog that your administrator enabled for this feature.', { model: 'anthropic/claude-sonnet-4', provider: 'Anthropic', costUsd: 0.0021 }),
      sampleAnswer('a3', MODELS_ANSWER),
    ],
  },
];

const MARKDOWN_SHOWCASE = [
  '## Markdown, rendered safely',
  '',
  'Text with **strong**, *emphasis*, ***both***, ~~strikethrough~~, `inline code` and a [link](https://example.com/docs).',
  'A bare URL links too: https://example.com/changelog, while `<b>raw HTML</b>` stays text: <b>not bold</b>.',
  '',
  '### Lists',
  '',
  '1. Measure first',
  '2. Change one thing:',
  '   - keep the old path working',
  '   - compare the results',
  '     - nested once more',
  '3. Ship it',
  '',
  '- [ ] a task item shows as text',
  '- a [javascript: link](javascript:alert(1)) loses its link',
  '',
  '### A table',
  '',
  '| Plan | Price | Requests / min | Notes |',
  '| :--- | ---: | :---: | :--- |',
  '| Free | $0 | 20 | `gpt-4o-mini` only |',
  '| Team | $49 | 600 | every model |',
  '| Scale | $399 | 6,000 | **priority** routing |',
  '',
  '### Code',
  '',
  '```ts',
  'export async function ask(question: string): Promise<string> {',
  "  const response = await fetch('/ai/v1/chat/completions', {",
  "    method: 'POST',",
  "    body: JSON.stringify({ model: 'support', messages: [{ role: 'user', content: question }] }),",
  '  });',
  '  return (await response.json()).choices[0].message.content;',
  '}',
  '```',
  '',
  '> A quote, with *emphasis* inside.',
  '',
  '---',
  '',
  'And a code block still arriving:',
  '',
  '```python',
  'def stream():',
  '    yield "tokens"',
].join('\n');

/** Types a message and sends it with Enter, as a user would. */
async function ask(canvasElement: HTMLElement, text: string) {
  const canvas = within(canvasElement);
  const box = await canvas.findByRole('textbox', { name: 'Message' });
  await userEvent.type(box, text);
  await userEvent.keyboard('{Enter}');
  return canvas;
}

/** A fresh conversation: the feature's name as the heading and suggested prompts (a click sends one). */
export const Empty: Story = {
  args: { title: 'How can I help with your project?', suggestions: ['How do I add the chat to my app?', 'Which models can I use?', 'Show a TypeScript example', 'What does a request cost?'] },
};

/** The same, with nothing passed: the default greeting. */
export const EmptyDefault: Story = {};

/** Waiting for the first token: the answer shows a shimmering "Thinking…". */
export const Thinking: Story = {
  parameters: { gateway: { pacing: { ttftMs: 600_000, tokensPerSecond: 40 } } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Think about it first');
    await waitFor(() => expect(canvas.getByText('Thinking…')).toBeTruthy());
  },
};

/** A failure cut the answer off half way: the partial text stays, marked as cut off, with the error under it. */
export const CutOff: Story = {
  parameters: { gateway: { scenario: 'mid-stream-error', pacing: { ttftMs: 0, tokensPerSecond: 400 } } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Tell me everything');
    await canvas.findByText('The answer was cut off: the request failed.', {}, { timeout: 10_000 });
  },
};

/** Thumbs up and down under answers (shown when the app passes `onFeedback`), and the user's initial. */
export const WithFeedback: Story = {
  args: { initialMessages: conversation, userName: 'Ada', onFeedback: () => undefined },
};

/** A conversation with code, a table, a regenerated answer (versions "2 / 2") and model info; type to continue it. */
export const Conversation: Story = {
  args: { initialMessages: conversation },
};

/** An answer arriving: Stop (or Escape) ends it, the list is `aria-busy`, the status says "Generating…". */
export const Streaming: Story = {
  parameters: { gateway: { scenario: 'stall', pacing: { ttftMs: 200, tokensPerSecond: 40 } } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Explain streaming in a few paragraphs');
    await canvas.findByRole('button', { name: 'Stop' });
    await waitFor(() => expect(canvasElement.querySelector('li[data-status="streaming"]')).not.toBeNull(), { timeout: 5000 });
  },
};

/** The user stopped the answer: what arrived stays, marked "Stopped". */
export const Stopped: Story = {
  parameters: { gateway: { scenario: 'stall', pacing: { ttftMs: 100, tokensPerSecond: 60 } } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Write a long essay about caching');
    await waitFor(() => expect(canvasElement.querySelector('li[data-status="streaming"]')?.textContent?.length ?? 0).toBeGreaterThan(20), { timeout: 5000 });
    await userEvent.click(await canvas.findByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(canvasElement.querySelector('li[data-status="stopped"]')).not.toBeNull());
  },
};

/** 429: how long to wait, a countdown, then "Try again". */
export const RateLimited: Story = {
  parameters: { gateway: { scenario: 'rate-limited', retryAfterSeconds: 30 } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Hello there');
    await canvas.findByRole('alert');
  },
};

/** 402: the project's quota is reached; only an administrator can help. */
export const QuotaExceeded: Story = {
  parameters: { gateway: { scenario: 'quota-exceeded' } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Hello there');
    await canvas.findByRole('alert');
  },
};

/** OpenRouter rejected the project's key: an administrator must replace it. */
export const ProviderKeyInvalid: Story = {
  parameters: { gateway: { scenario: 'upstream-auth' } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Hello there');
    await canvas.findByRole('alert');
  },
};

/** The network is down: say so, and offer "Try again" at once. */
export const Offline: Story = {
  parameters: { gateway: { scenario: 'offline' } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Hello there');
    await canvas.findByRole('alert');
  },
};

/** The model provider failed (502): try again in a moment. */
export const UpstreamError: Story = {
  parameters: { gateway: { scenario: 'upstream-unavailable' } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Hello there');
    await canvas.findByRole('alert');
  },
};

/** 1,000 messages: typing stays instant (the composer's state is its own; messages are memoized). */
export const LongConversation: Story = {
  args: { initialMessages: sampleConversation(1000) },
};

/** Everything the renderer draws: headings, emphasis, lists, a GFM table, code with Copy, a quote, a code block in progress. */
export const MarkdownShowcase: Story = {
  args: {
    initialMessages: [
      { id: 'u1', role: 'user', content: 'Show me every kind of markdown you render.', createdAt: 1 },
      { id: 't1', role: 'assistant', selected: 0, versions: [sampleAnswer('a1', MARKDOWN_SHOWCASE)] },
    ],
  },
};

/** The conversation in the dark theme. */
export const DarkMode: Story = {
  args: { initialMessages: conversation },
  parameters: { theme: 'dark' },
};

/**
 * The mock model answers with `<script>`, `<img onerror>`, `javascript:` links and raw HTML: all of it shows as
 * text, none of it runs (the browser tests check this story).
 */
export const HostileOutput: Story = {
  parameters: { gateway: { scenario: 'hostile', pacing: { ttftMs: 0, tokensPerSecond: 400 } } },
  play: async ({ canvasElement }) => {
    const canvas = await ask(canvasElement, 'Show me something dangerous');
    await canvas.findByText('this one is only code, shown as text', { exact: false }, { timeout: 10_000 });
  },
};

/** A 64×40 picture drawn in SVG for the story's attachment (a data URL, as an attached file is kept). */
const ATTACHED_IMAGE = `data:image/svg+xml;base64,${btoa('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#22d3ee"/></linearGradient></defs><rect width="640" height="400" fill="url(#g)"/><circle cx="470" cy="120" r="60" fill="#fde68a"/><path d="M0 400 L200 210 L330 320 L450 230 L640 400Z" fill="#1e293b" opacity=".8"/></svg>')}`;

const partsConversation: ConversationMessage[] = [
  {
    id: 'p-u1',
    role: 'user',
    content: 'Where was this photo taken, and what does the report say about visitors?',
    createdAt: 0,
    parts: [
      { type: 'text', text: 'Where was this photo taken, and what does the report say about visitors?' },
      { type: 'file', kind: 'image', mediaType: 'image/png', name: 'trip.png', size: 412_000, url: ATTACHED_IMAGE, width: 640, height: 400 },
      { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'visitor-report-2026.pdf', size: 1_240_000, url: 'data:application/pdf;base64,JVBERi0xLjQK' },
    ],
  },
  {
    id: 'p-t1',
    role: 'assistant',
    selected: 0,
    versions: [
      sampleAnswer('p-a1', 'The photo shows a mountain ridge at dusk; the report counts **1.2 million visitors** in 2026, up 8% [1]. It is 14 °C there now [2].', {
        reasoning: 'The image is a ridge at sunset. The PDF has a table of visitors per year; 2026 is the last row. Check the weather too.',
        parts: [
          { type: 'reasoning', text: 'The image is a ridge at sunset. The PDF has a table of visitors per year; 2026 is the last row. Check the weather too.', details: [], startedAt: 0, finishedAt: 4_200 },
          { type: 'tool-call', toolCallId: 'call-web', index: 0, name: 'web_search', input: '{"query":"ridge visitors 2026"}', state: 'output-available', server: true },
          { type: 'tool-call', toolCallId: 'call-weather', index: 1, name: 'get_weather', input: '{"city":"Chamonix"}', state: 'output-available', output: { city: 'Chamonix', celsius: 14, sky: 'clear' } },
          { type: 'step-start' },
          { type: 'text', text: 'The photo shows a mountain ridge at dusk; the report counts **1.2 million visitors** in 2026, up 8% [1]. It is 14 °C there now [2].' },
          { type: 'source', number: 1, url: 'https://tourism.example.org/reports/2026', title: 'Visitor report 2026' },
          { type: 'source', number: 2, url: 'https://weather.example.com/chamonix', title: 'Chamonix — current weather' },
        ],
      }),
    ],
  },
  { id: 'p-u2', role: 'user', content: 'Great, open a ticket to update our brochure.', createdAt: 0 },
  {
    id: 'p-t2',
    role: 'assistant',
    selected: 0,
    versions: [
      sampleAnswer('p-a2', '', {
        finishReason: 'tool_calls',
        parts: [{ type: 'tool-call', toolCallId: 'call-ticket', index: 0, name: 'create_ticket', input: '{"title":"Update brochure: 1.2M visitors in 2026","priority":"normal"}', state: 'awaiting-approval' }],
      }),
    ],
  },
];

/** Message parts: attachments in the user's message, reasoning, a server tool and a client tool, numbered sources, and a call waiting for approval. */
export const MessageParts: Story = {
  args: { initialMessages: partsConversation, userName: 'Ada' },
};

const nextMidnight = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
};

/** `showBudget`: under the draft, what the message may cost and what is left today; a long one warns before it is sent. */
export const WithBudget: Story = {
  args: { initialMessages: conversation, showBudget: true },
  parameters: { gateway: { limits: [{ scope: 'user', target: 'user-ada', kind: 'spendPerDayUsd', limit: 0.05, used: 0.0496, remaining: 0.0004, resetsAt: nextMidnight() }] } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('textbox', { name: 'Message' }));
    await userEvent.paste('Summarise the tram network timetable for me. '.repeat(300));
    await waitFor(() => expect(canvasElement.querySelector('[data-part="budget"]')).toHaveAttribute('data-state', 'blocked'), { timeout: 5_000 });
  },
};
