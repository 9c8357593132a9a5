import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { ConversationMessage } from '../../core/chat-messages.js';
import type { ChatTools } from '../../core/message-parts.js';
import { ChatPanel } from './chat-panel.js';
import { sampleAnswer } from './sample-conversation.js';

const meta = {
  title: 'ChatPanel/Parts',
  component: ChatPanel,
  args: { feature: 'chat', placeholder: 'Ask anything…', style: { height: 'calc(100vh - 32px)', maxWidth: 880, margin: '0 auto' } },
  parameters: {
    docs: { description: { component: 'What an answer is made of, in order: reasoning, tool calls, text with numbered citations, sources, generated images; and a user message with files.' } },
  },
} satisfies Meta<typeof ChatPanel>;

export default meta;
type Story = StoryObj<typeof meta>;

/** A picture drawn in SVG (a data URL, as an attached or generated image is kept). */
const picture = (from: string, to: string, sun: string) =>
  `data:image/svg+xml;base64,${btoa(
    `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="640"><defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs><rect width="960" height="640" fill="url(#g)"/><circle cx="690" cy="210" r="86" fill="${sun}"/><path d="M0 640 L250 330 L420 500 L600 360 L960 640Z" fill="#1e293b" opacity=".85"/><path d="M0 640 L180 470 L330 560 L520 430 L760 600 L960 520 L960 640Z" fill="#0f172a"/></svg>`,
  )}`;
const PHOTO = picture('#6366f1', '#22d3ee', '#fde68a');
const LIGHTHOUSE = picture('#f97316', '#7c3aed', '#fef3c7');

/** Tools for the stories: Approve runs `create_ticket`, and the mock model answers after it. */
const tools: ChatTools = {
  get_weather: { description: 'The weather in a city now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, execute: () => ({ city: 'Chamonix', celsius: 14, sky: 'clear' }) },
  convert_units: { description: 'Converts a value between units', parameters: { type: 'object', properties: { value: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } } }, execute: () => ({ value: 6.2, unit: 'mi' }) },
  create_ticket: { description: 'Opens a ticket for the team', parameters: { type: 'object', properties: { title: { type: 'string' }, priority: { type: 'string' } } }, needsApproval: true, execute: () => ({ id: 'T-1042' }) },
};

const reasoningAndTools: ConversationMessage[] = [
  { id: 'rt-u1', role: 'user', content: 'Plan tomorrow’s 10 km run in Chamonix and open a ticket to update the trail page.', createdAt: 0 },
  {
    id: 'rt-t1',
    role: 'assistant',
    selected: 0,
    versions: [
      sampleAnswer('rt-a1', '', {
        finishReason: 'tool_calls',
        reasoning: 'The user wants three things: the weather, the distance in miles for the US readers, and a ticket. Weather and conversion can run together; the ticket changes something, so it asks first.',
        parts: [
          {
            type: 'reasoning',
            text: 'The user wants three things: **the weather**, the distance in miles for the US readers, and a ticket.\n\nWeather and conversion can run together; the ticket changes something, so it asks first.',
            details: [],
            startedAt: 0,
            finishedAt: 4_200,
          },
          { type: 'tool-call', toolCallId: 'call-weather', index: 0, name: 'get_weather', input: '{"city":"Chamonix"}', state: 'output-available', output: { city: 'Chamonix', celsius: 14, sky: 'clear' } },
          { type: 'tool-call', toolCallId: 'call-convert', index: 1, name: 'convert_units', input: '{"value":10,"from":"km","to":"mi"}', state: 'output-available', output: { value: 6.2, unit: 'mi' } },
          { type: 'tool-call', toolCallId: 'call-ticket', index: 2, name: 'create_ticket', input: '{"title":"Update the trail page: 10 km loop, 6.2 mi","priority":"normal"}', state: 'awaiting-approval' },
        ],
      }),
    ],
  },
];

/** Reasoning folded as "Thought for 4 s", two tool calls run in parallel, and a third waiting for approval (Approve runs it). */
export const ReasoningAndTools: Story = {
  args: { initialMessages: reasoningAndTools, tools },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const card = await canvas.findByRole('group', { name: 'Tool call: create_ticket' });
    await expect(within(card).getByRole('button', { name: 'Approve' })).toBeTruthy();
  },
};

const webSearch: ConversationMessage[] = [
  { id: 'ws-u1', role: 'user', content: 'What changed in the EU AI Act this year?', createdAt: 0 },
  {
    id: 'ws-t1',
    role: 'assistant',
    selected: 0,
    versions: [
      sampleAnswer('ws-a1', '', {
        parts: [
          { type: 'tool-call', toolCallId: 'web_search-0', index: 0, name: 'web_search', input: '{}', state: 'output-available', server: true },
          {
            type: 'text',
            text: 'Three changes matter for most teams:\n\n1. **General-purpose models** now carry transparency duties: a summary of training data and a copyright policy [1].\n2. The **high-risk** obligations start a year later than first planned, in August 2027 [2][3].\n3. Fines for the largest providers are capped at 3% of global turnover [1].\n\nIf you ship a chatbot, the practical step today is to tell users they talk to an AI [2].',
          },
          { type: 'source', number: 1, url: 'https://digital-strategy.example.eu/ai-act/general-purpose-models', title: 'General-purpose AI models: obligations and code of practice' },
          { type: 'source', number: 2, url: 'https://news.example.com/tech/2026/ai-act-timeline', title: 'AI Act: the new timeline, explained' },
          { type: 'source', number: 3, url: 'https://www.example.org/policy/ai-act-high-risk-delay', title: 'Why the high-risk rules were delayed' },
        ],
      }),
    ],
  },
];

/** A web search (OpenRouter's server tool) with its sources: `[n]` in the text links to source n, listed under the answer. */
export const WebSearch: Story = {
  args: { initialMessages: webSearch },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    // Source 2 is cited twice: both markers link to it.
    await expect(await canvas.findAllByRole('link', { name: 'Source 2: AI Act: the new timeline, explained' })).toHaveLength(2);
  },
};

const attachments: ConversationMessage[] = [
  {
    id: 'at-u1',
    role: 'user',
    content: 'Where was this photo taken, and what does the report say about visitors?',
    createdAt: 0,
    parts: [
      { type: 'file', kind: 'image', mediaType: 'image/png', name: 'ridge-at-dusk.png', size: 412_000, url: PHOTO, width: 960, height: 640 },
      { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'visitor-report-2026.pdf', size: 1_240_000, url: 'data:application/pdf;base64,JVBERi0xLjQK' },
      { type: 'text', text: 'Where was this photo taken, and what does the report say about visitors?' },
    ],
  },
  {
    id: 'at-t1',
    role: 'assistant',
    selected: 0,
    versions: [sampleAnswer('at-a1', 'The photo shows the Aiguilles Rouges ridge above Chamonix at dusk. The report counts **1.2 million visitors** in 2026, up 8% on 2025, with July the busiest month.')],
  },
];

/** A user message with an image (a thumbnail that opens large) and a PDF (a chip with its name, kind and size). */
export const UserAttachments: Story = {
  args: { initialMessages: attachments },
};

const generated: ConversationMessage[] = [
  { id: 'gi-u1', role: 'user', content: 'Draw a lighthouse at sunset, flat colours.', createdAt: 0 },
  {
    id: 'gi-t1',
    role: 'assistant',
    selected: 0,
    versions: [
      sampleAnswer('gi-a1', 'Here it is: warm sky, a dark coast, flat shapes.', {
        model: 'google/gemini-2.5-flash-image',
        parts: [{ type: 'text', text: 'Here it is: warm sky, a dark coast, flat shapes.' }, { type: 'image', url: LIGHTHOUSE }],
      }),
    ],
  },
];

/** An image the model generated, inline; a click opens the image generator's lightbox. */
export const GeneratedImage: Story = {
  args: { initialMessages: generated },
};

/** The same, with the lightbox open (Esc closes it and gives the focus back to the image). */
export const GeneratedImageOpen: Story = {
  args: { initialMessages: generated },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'Open Generated image 1' }));
    await waitFor(() => expect(within(canvasElement.ownerDocument.body).getByRole('dialog')).toBeTruthy(), { timeout: 10_000 });
  },
};

/** Reasoning the provider sends only encrypted: nothing to unfold, one line says so (and it still goes back next turn). */
export const EncryptedReasoning: Story = {
  args: {
    initialMessages: [
      { id: 'er-u1', role: 'user', content: 'Is 9,991 prime?', createdAt: 0 },
      {
        id: 'er-t1',
        role: 'assistant',
        selected: 0,
        versions: [
          sampleAnswer('er-a1', 'No: 9,991 = 97 × 103.', {
            model: 'openai/o4-mini',
            parts: [
              { type: 'reasoning', text: '', details: [{ type: 'reasoning.encrypted', data: 'gAAAAB…', id: 'rs_1', format: 'openai-responses-v1', index: 0 }], startedAt: 0, finishedAt: 6_400 },
              { type: 'text', text: 'No: 9,991 = 97 × 103.' },
            ],
          }),
        ],
      },
    ],
  },
};

/** A failed tool and a denied one: the error in words, the card stays folded. */
export const ToolErrors: Story = {
  args: {
    initialMessages: [
      { id: 'te-u1', role: 'user', content: 'Check the weather in Atlantis and delete the old tickets.', createdAt: 0 },
      {
        id: 'te-t1',
        role: 'assistant',
        selected: 0,
        versions: [
          sampleAnswer('te-a1', 'I could not find Atlantis, and I left the tickets alone as you asked.', {
            parts: [
              { type: 'tool-call', toolCallId: 'call-1', index: 0, name: 'get_weather', input: '{"city":"Atlantis"}', state: 'output-error', errorText: 'No city named "Atlantis".' },
              { type: 'tool-call', toolCallId: 'call-2', index: 1, name: 'delete_tickets', input: '{"older_than_days":90}', state: 'denied', errorText: 'The user denied this call.' },
              { type: 'step-start' },
              { type: 'text', text: 'I could not find Atlantis, and I left the tickets alone as you asked.' },
            ],
          }),
        ],
      },
    ],
  },
};

/** A PNG drawn on a canvas, as a picked file. */
async function drawnPhoto(name: string): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 420;
  const context = canvas.getContext('2d');
  if (context) {
    const sky = context.createLinearGradient(0, 0, 0, 420);
    sky.addColorStop(0, '#6366f1');
    sky.addColorStop(1, '#22d3ee');
    context.fillStyle = sky;
    context.fillRect(0, 0, 640, 420);
    context.fillStyle = '#fde68a';
    context.beginPath();
    context.arc(460, 130, 56, 0, Math.PI * 2);
    context.fill();
    context.fillStyle = '#1e293b';
    context.beginPath();
    context.moveTo(0, 420);
    context.lineTo(180, 220);
    context.lineTo(300, 330);
    context.lineTo(430, 240);
    context.lineTo(640, 420);
    context.fill();
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  return new File([blob ?? new Blob()], name, { type: 'image/png' });
}

/**
 * The composer with files: an image and a PDF ready to send, and a recording the chat's model cannot take — refused
 * at once with the reason, Send disabled until it is removed; nothing is sent with it.
 */
export const ComposerAttachments: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    const input = canvasElement.querySelector<HTMLInputElement>('input[type="file"]');
    if (!input) throw new Error('The composer has no file input.');
    // A drop or a paste can bring a file the picker would not offer: the composer checks it all the same.
    const files = [await drawnPhoto('ridge-at-dusk.png'), new File(['%PDF-1.4\n'], 'visitor-report-2026.pdf', { type: 'application/pdf' }), new File([new Uint8Array(2048)], 'voice-note.wav', { type: 'audio/wav' })];
    await userEvent.setup({ applyAccept: false }).upload(input, files);
    await userEvent.type(await canvas.findByRole('textbox', { name: 'Message' }), 'What do these say about visitors?');
    await canvas.findByRole('alert');
    await waitFor(() => expect(canvasElement.querySelectorAll('[data-part="attachment-drafts"] [data-status="ready"]')).toHaveLength(2));
    await expect(canvas.getByRole<HTMLButtonElement>('button', { name: 'Send' }).disabled).toBe(true);
  },
};

const PDF_URL = 'data:application/pdf;base64,JVBERi0xLjQK';
const longNames: ConversationMessage[] = [
  {
    id: 'ln-u1',
    role: 'user',
    content: 'What changed between these two drafts?',
    createdAt: 0,
    parts: [
      { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'quarterly-report-final-v1.pdf', size: 1_240_000, url: PDF_URL },
      { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'quarterly-report-final-v2.pdf', size: 1_310_000, url: PDF_URL },
      { type: 'file', kind: 'file', mediaType: 'text/csv', name: 'customer-survey-responses-2026-03.csv', size: 86_000, url: 'data:text/csv;base64,YQo=' },
      { type: 'text', text: 'What changed between these two drafts?' },
    ],
  },
  {
    id: 'ln-t1',
    role: 'assistant',
    selected: 0,
    versions: [sampleAnswer('ln-a1', 'The second draft moves the visitor numbers to the first page and adds the March survey results.')],
  },
];

/**
 * Long file names that differ only at the end: each chip keeps the end of the name and its extension in view and
 * shortens the middle, in the message and in the composer; the whole name stays its text and its tooltip.
 */
export const LongFileNames: Story = {
  args: { initialMessages: longNames },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    const input = canvasElement.querySelector<HTMLInputElement>('input[type="file"]');
    if (!input) throw new Error('The composer has no file input.');
    const pdf = (name: string) => new File(['%PDF-1.4\n'], name, { type: 'application/pdf' });
    const files = [pdf('quarterly-report-final-v2.pdf'), pdf('quarterly-report-final-v3.pdf'), await drawnPhoto('IMG_20260312_184455_panorama.png'), pdf('q3.pdf')];
    await userEvent.upload(input, files);
    await waitFor(() => expect(canvasElement.querySelectorAll('[data-part="attachment-drafts"] [data-status="ready"]')).toHaveLength(4));
  },
};
