import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import type { ServerResponse } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { scriptedServer } from '../../../test/scripted-server.js';
import { createAiClient } from '../../core/client.js';
import { AiProvider } from '../../react/ai-provider.js';
import { ChatPanel } from './chat-panel.js';

// A gateway (or a proxy in front of it) that misbehaves: the panel must end in an error it explains, with a way on.
const nodeFetch = globalThis.fetch;
const answers: Array<(res: ServerResponse) => void> = [];
const gateway = scriptedServer((req, res) => {
  if (!req.url?.startsWith('/v1/chat/completions')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"No route","code":"not_found"}}');
  answers.shift()?.(res);
});
afterEach(cleanup);

const eventStream = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

async function ask(text: string) {
  const user = userEvent.setup();
  const client = createAiClient({ baseUrl: gateway.baseUrl, fetch: nodeFetch, streamIdleTimeoutMs: 300 });
  render(
    <AiProvider client={client}>
      <ChatPanel feature="chat" />
    </AiProvider>,
  );
  await user.type(screen.getByRole('textbox', { name: 'Message' }), text);
  await user.keyboard('{Enter}');
  return user;
}

it('shows a stream that stalls as a timeout with Try again, keeps what came, and answers on retry', async () => {
  answers.push((res) => eventStream(res).write(chunk('Partial words')));
  answers.push((res) => eventStream(res).end(`${chunk('A whole answer')}data: [DONE]\n\n`));
  const user = await ask('Hello');
  const alert = await screen.findByRole('alert', {}, { timeout: 5_000 });
  expect(alert.getAttribute('data-code')).toBe('timeout');
  expect(alert.textContent).toContain('took too long');
  expect(screen.getByText('Partial words', { exact: false })).toBeTruthy();
  await user.click(screen.getByRole('button', { name: 'Try again' }));
  await screen.findByText('A whole answer', { exact: false }, { timeout: 5_000 });
  await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  expect((screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement).disabled).toBe(false);
});

it("shows a proxy's HTML error page by its title, never its markup", async () => {
  answers.push((res) => res.writeHead(400, { 'content-type': 'text/html' }).end('<html><head><title>400 Bad Request</title></head><body><script>alert(1)</script></body></html>'));
  await ask('Hello');
  const alert = await screen.findByRole('alert', {}, { timeout: 5_000 });
  expect(alert.textContent).toContain('The request was not accepted: 400 Bad Request');
  expect(alert.textContent).not.toContain('<');
});
