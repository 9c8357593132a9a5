import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationMessage } from '../../core/chat-messages.js';
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { mockClient } from '../../testing/mock-gateway.js';
import { ChatPanel, type ChatPanelProps } from './chat-panel.js';
import { sampleAnswer, sampleConversation } from './sample-conversation.js';

afterEach(cleanup);

const RED = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const BLUE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function renderPanel(props: Partial<ChatPanelProps>) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider client={mockClient({ pacing: { ttftMs: 0, tokensPerSecond: Infinity } })} storage={memoryStorage()}>
      <ChatPanel feature="chat" {...props} />
    </AiProvider>,
  );
  return { user, ...view };
}

async function violations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`);
}

const messages: ConversationMessage[] = [
  {
    id: 'u1',
    role: 'user',
    content: 'Compare these',
    createdAt: 0,
    parts: [
      { type: 'file', kind: 'image', mediaType: 'image/png', name: 'before.png', size: 68, url: RED, width: 1, height: 1 },
      { type: 'file', kind: 'image', mediaType: 'image/png', name: 'after.png', size: 68, url: BLUE, width: 1, height: 1 },
      { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'brief.pdf', size: 1_240_000, url: 'data:application/pdf;base64,JVBERi0xLjQK' },
      { type: 'text', text: 'Compare these' },
    ],
  },
  {
    id: 't1',
    role: 'assistant',
    selected: 0,
    versions: [
      sampleAnswer('a1', 'Two drafts [1].', {
        parts: [
          { type: 'reasoning', text: 'Look at both.', details: [], startedAt: 0, finishedAt: 2_000 },
          { type: 'text', text: 'Two drafts [1].' },
          { type: 'image', url: RED },
          { type: 'image', url: BLUE },
          { type: 'source', number: 1, url: 'https://design.example/drafts', title: 'Drafts' },
        ],
      }),
    ],
  },
];

describe('ChatPanel: message parts', () => {
  it('opens a generated image in the lightbox (loaded on demand); ← → move, Escape closes and gives the focus back', async () => {
    const { user } = renderPanel({ initialMessages: messages });
    const first = await screen.findByRole('button', { name: 'Open Generated image 1' });
    await user.click(first);
    const dialog = await screen.findByRole('dialog', { name: 'Image 1 of 2' }, { timeout: 10_000 });
    expect(within(dialog).getByRole('link', { name: 'Download image 1 of 2' }).getAttribute('download')).toBe('generated-image-1.png');
    expect(await violations()).toEqual([]);
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'Image 2 of 2' })).toBeTruthy();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Open Generated image 2' }));
  });

  it("shows a user's images as thumbnails that open large, and a PDF as a chip with its name, kind and size", async () => {
    const { user } = renderPanel({ initialMessages: messages, labels: { openImage: (name) => `Vergrößern: ${name}` } });
    const files = await screen.findByRole('list', { name: 'Attachments' });
    expect(within(files).getByText('brief.pdf')).toBeTruthy();
    expect(files.querySelector('[data-part="file-meta"]')?.textContent).toBe('PDF · 1.2 MB');
    await user.click(within(files).getByRole('button', { name: 'Vergrößern: after.png' }));
    expect(await screen.findByRole('dialog', { name: 'Image 2 of 2' }, { timeout: 10_000 })).toBeTruthy();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(document.activeElement).toBe(within(files).getByRole('button', { name: 'Vergrößern: after.png' })));
  });

  it('a long file name shows its end on screen, and stays whole for screen readers and in its tooltip, in the message and the composer', async () => {
    const sent = 'quarterly-report-final-v1.pdf';
    const attached = 'quarterly-report-final-v2.pdf';
    const initialMessages: ConversationMessage[] = [{ id: 'u1', role: 'user', content: 'Compare', createdAt: 0, parts: [{ type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: sent, size: 1_240_000, url: 'data:application/pdf;base64,JVBERi0xLjQK' }, { type: 'text', text: 'Compare' }] }];
    const { user, container } = renderPanel({ initialMessages });
    await screen.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    await user.upload(container.querySelector<HTMLInputElement>('input[type="file"]')!, new File(['%PDF-1.4'], attached, { type: 'application/pdf' }));
    const names = [...container.querySelectorAll<HTMLElement>('[data-part="file-name"]')];
    // What a screen reader reads and the tooltip: the whole name.
    expect(names.map((name) => [name.textContent, name.title])).toEqual([
      [sent, sent],
      [attached, attached],
    ]);
    // What the stylesheet draws: a start it may shorten, then the end with the extension, which it keeps.
    expect(names.map((name) => [name.dataset['start'], name.dataset['end']])).toEqual([
      ['quarterly-report-', 'final-v1.pdf'],
      ['quarterly-report-', 'final-v2.pdf'],
    ]);
    expect(screen.getByText(attached)).toBeTruthy();
    expect(await violations()).toEqual([]);
  });

  it('removing an attached file with the keyboard gives the focus to the textbox, not to the page', async () => {
    const { user, container } = renderPanel({});
    await screen.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    const picker = container.querySelector<HTMLInputElement>('input[type="file"]')!;
    await user.upload(picker, [new File(['%PDF-1.4'], 'a.pdf', { type: 'application/pdf' }), new File(['%PDF-1.4'], 'b.pdf', { type: 'application/pdf' })]);
    screen.getByRole('button', { name: 'Remove a.pdf' }).focus();
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('button', { name: 'Remove a.pdf' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Message' }));
  });

  it('the last "Show earlier messages", pressed with the keyboard, leaves the focus on the conversation, not on the page', async () => {
    const { user } = renderPanel({ initialMessages: sampleConversation(5), pageSize: 2 });
    const earlier = screen.getByRole('button', { name: 'Show earlier messages' });
    earlier.focus();
    await user.keyboard('{Enter}');
    expect(document.activeElement).toBe(earlier);
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('button', { name: 'Show earlier messages' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('region', { name: 'Conversation' }));
  });

  it('links citations, folds reasoning, lists sources, and passes axe with every part on screen', async () => {
    renderPanel({ initialMessages: messages });
    expect((await screen.findByRole('link', { name: 'Source 1: Drafts' })).getAttribute('href')).toBe('https://design.example/drafts');
    expect(screen.getByRole('button', { name: 'Thought for 2 s' }).getAttribute('aria-expanded')).toBe('false');
    expect(within(screen.getByRole('navigation', { name: 'Sources' })).getByRole('link', { name: /Drafts/ })).toBeTruthy();
    expect(await violations()).toEqual([]);
  });
});
