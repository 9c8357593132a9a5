// End to end: Chromium drives the demo that `npm start` started (see global-setup.ts), as a person would, and the
// emulator's control API says what reached "OpenRouter". One browser context for the whole file, so localStorage
// (the sign-in switch, the saved conversation) carries from step to step like one person's session; the steps run
// in order and each leaves a screenshot in test-artifacts/e2e.
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { renderImage, renderPdf, type GenerationProbe } from '@insforge/openrouter-emulator';

const demoUrl = inject('demoUrl');
const emulatorUrl = inject('emulatorUrl');
const artifactsDir = inject('artifactsDir');

/** What the emulator recorded of one upstream request (its control API sends the probe as JSON). */
type Generation = Omit<GenerationProbe, 'request'> & { request: { model?: string; messages?: Array<{ role: string; content: unknown }> } };

let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Uncaught page errors: none is allowed in any step. */
const pageErrors: string[] = [];
let shots = 0;

beforeAll(async () => {
  browser = await chromium.connect(inject('chromiumEndpoint'));
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(20_000);
});

// A step that failed with a dialog open must not fail the next ones: close what is left open.
beforeEach(async () => {
  for (let tries = 0; tries < 3 && (await page.getByRole('dialog').count()) > 0; tries += 1) await page.keyboard.press('Escape');
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  expect(pageErrors).toEqual([]);
});

/** A full-page screenshot named after the step, numbered in the order taken. */
async function shot(name: string): Promise<void> {
  shots += 1;
  await page.screenshot({ path: path.join(artifactsDir, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function emulator<T>(route: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${emulatorUrl}/_emulator${route}`, { ...init, headers: { 'content-type': 'application/json' } });
  expect(response.ok, `${init?.method ?? 'GET'} /_emulator${route}: ${response.status}`).toBe(true);
  return ((await response.json()) as { data: T }).data;
}

/** The newest upstream chat request, as the emulator saw it. */
async function latestChatGeneration(): Promise<Generation> {
  const all = await emulator<Generation[]>('/generations?kind=chat');
  expect(all.length).toBeGreaterThan(0);
  return all.reduce((latest, next) => (next.startedAt > latest.startedAt ? next : latest));
}

/** A call to the demo's gateway as the demo's admin (the same `x-demo-role` header the app sends). */
async function asAdmin(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${demoUrl}/ai${route}`, {
    method,
    headers: { 'x-demo-role': 'admin', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, `${method} ${route}: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

async function signInAs(role: 'User' | 'Admin'): Promise<void> {
  await page.getByRole('radio', { name: role }).check();
  await expect.poll(() => page.getByRole('radio', { name: role }).isChecked()).toBe(true);
}

async function openPage(name: 'Chat' | 'Code' | 'Summarize' | 'Images' | 'Admin'): Promise<void> {
  await page.getByRole('navigation', { name: 'Demo pages' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

const assistantMessages = () => page.locator('li[data-role="assistant"]');
const lastAnswer = () => assistantMessages().last();
const textOf = async (locator: Locator) => ((await locator.locator('.ia-chat-content').textContent()) ?? '').trim();

async function send(text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

describe.sequential('the demo that npm start serves', () => {
  it('opens on the chat page with the offline banner', async () => {
    await page.goto(demoUrl);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'offline OpenRouter emulator' }).count()).toBe(1);
    await page.getByRole('heading', { level: 1, name: 'Chat' }).waitFor();
    await shot('start');
  });

  it('chat: an answer streams in, Stop keeps the partial text and closes the upstream request', async () => {
    await send('Tell me how streaming works, in detail.');
    const answer = lastAnswer();
    // Streaming: the text grows while the answer says it is streaming.
    await expect.poll(async () => (await answer.getAttribute('data-status')) === 'streaming' && (await textOf(answer)).length > 0, { timeout: 20_000 }).toBe(true);
    const early = await textOf(answer);
    await expect.poll(async () => (await textOf(answer)).length, { timeout: 10_000 }).toBeGreaterThan(early.length + 20);
    await shot('chat-streaming');

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => answer.getAttribute('data-status')).toBe('stopped');
    const partial = await textOf(answer);
    expect(partial.length).toBeGreaterThan(early.length);
    await answer.getByText('Stopped', { exact: true }).waitFor();
    await page.waitForTimeout(800);
    expect(await textOf(answer)).toBe(partial);

    // The emulator saw its client (the gateway) go away mid-answer: the upstream request was closed, not finished.
    await expect.poll(async () => (await latestChatGeneration()).status, { timeout: 5_000 }).toBe('cancelled');
    const upstream = await latestChatGeneration();
    expect(upstream.clientClosed).toBe(true);
    expect(upstream.tokensSent).toBeLessThan(upstream.plannedTokens);
    await shot('chat-stopped');
  });

  it('chat: Regenerate produces a second version, and a reload restores the conversation', async () => {
    // From here on the emulator answers quicker (the first answer showed the watchable pace).
    await emulator('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: { ttftMs: 50, tokensPerSecond: 400, replyTokens: 120, toolCalls: 'mentioned' } }) });
    const stopped = await textOf(lastAnswer());
    // A slow network holds the save made as the new answer starts, so the save of the finished answer waits behind it
    // when the page reloads: the chat sends it on the way out, in a request that outlives the page.
    let held = false;
    await page.route('**/api/ai/conversations/*', async (route) => {
      held = true;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await route.continue().catch(() => undefined);
    }, { times: 1 });
    await lastAnswer().getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    const versions = page.getByRole('group', { name: 'Versions' });
    await expect.poll(() => versions.textContent()).toContain('2 / 2');
    const second = await textOf(lastAnswer());
    expect(second.length).toBeGreaterThan(0);
    expect(held).toBe(true);
    await shot('chat-regenerated');

    // Reloaded at once, with the earlier save still held back and the answer's own save not yet sent.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Chat' }).waitFor();
    await expect.poll(() => page.locator('li[data-role="user"]').first().textContent()).toContain('Tell me how streaming works');
    await expect.poll(() => page.getByRole('group', { name: 'Versions' }).textContent()).toContain('2 / 2');
    expect(await textOf(lastAnswer())).toBe(second);
    await page.getByRole('button', { name: 'Previous version' }).click();
    await expect.poll(() => lastAnswer().getAttribute('data-status')).toBe('stopped');
    expect(await textOf(lastAnswer())).toBe(stopped);
    await shot('chat-restored-after-reload');
    await page.getByRole('button', { name: 'Next version' }).click();
  });

  it('chat: an image and a PDF go with a message, the answer names both, and both show in the message after a reload', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => page.locator('li[data-role="user"]').count()).toBe(0);
    const image = path.join(artifactsDir, 'harbour.png');
    const pdf = path.join(artifactsDir, 'brief.pdf');
    writeFileSync(image, renderImage({ prompt: 'a harbour at dusk', width: 320, height: 200 }));
    writeFileSync(pdf, renderPdf(3, 'the brief'));
    // The attach button opens this input; Chromium's file chooser is what a person would use.
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Attach files' }).click();
    await (await chooser).setFiles([image, pdf]);
    await page.getByRole('button', { name: 'Remove brief.pdf' }).waitFor();
    await shot('chat-attachments-in-composer');
    await send('What did I attach?');
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    const answer = await textOf(lastAnswer());
    expect(answer).toContain('an image of 320×200 pixels');
    expect(answer).toContain('a PDF of 3 pages ("brief.pdf"');
    const sent = (await latestChatGeneration()).request.messages?.at(-1)?.content as Array<{ type: string }>;
    expect(Array.isArray(sent) ? sent.map((part) => part.type).sort() : sent).toEqual(['file', 'image_url', 'text']);

    await page.waitForLoadState('networkidle');
    await page.reload();
    const question = page.locator('li[data-role="user"]').last();
    await expect.poll(() => question.textContent(), { timeout: 20_000 }).toContain('What did I attach?');
    await question.getByRole('button', { name: /harbour\.png/ }).waitFor();
    expect(await question.locator('img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
    await expect.poll(() => question.textContent()).toContain('brief.pdf');
    await shot('chat-attachments-after-reload');
  });

  it('chat: a tool asks for approval, its card shows the result, and the answer uses it', async () => {
    await send('Create a ticket: the trail map is out of date');
    const card = lastAnswer().locator('[data-part="tool-call"]').filter({ hasText: 'create_ticket' });
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain('Needs your approval');
    // Nothing runs before the user says so: no ticket yet, and the model has not been asked again.
    expect(await lastAnswer().textContent()).not.toMatch(/TCK-\d+/);
    expect((await latestChatGeneration()).request.messages?.some((message) => message.role === 'tool')).toBe(false);
    await shot('chat-tool-awaiting-approval');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => card.textContent()).toContain('Done');
    // The answer goes on from the result: the model is asked again with it, and its answer quotes the ticket.
    await expect.poll(() => textOf(lastAnswer()), { timeout: 20_000 }).toMatch(/The tool returned: .*TCK-\d+/);
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    const followUp = await latestChatGeneration();
    const result = followUp.request.messages?.find((message) => message.role === 'tool');
    expect(String(result?.content)).toMatch(/"id":"TCK-\d+"/);
    await card.getByRole('button', { name: /create_ticket/ }).click();
    await expect.poll(() => card.textContent()).toMatch(/Result[\s\S]*TCK-\d+/);
    await shot('chat-tool-result');
  });

  it('chat: with the web search toggle on, the answer cites numbered sources', async () => {
    const toggle = page.getByRole('button', { name: 'Search the web' });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    const answers = await assistantMessages().count();
    await send('Oslo night trams');
    // The new answer, not the one before it, has ended.
    await expect.poll(() => assistantMessages().count()).toBe(answers + 1);
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    // With the bound on its searches the gateway adds, so that caps reserve for each, on OpenRouter's engine, which
    // keeps it where an OpenAI model's own search would not.
    expect((await latestChatGeneration()).request).toMatchObject({ tools: expect.arrayContaining([{ type: 'openrouter:web_search', parameters: { max_uses: 10, engine: 'exa' } }]) });
    const sources = lastAnswer().getByRole('navigation', { name: 'Sources' });
    await expect.poll(() => sources.getByRole('link').count()).toBe(5);
    expect(await sources.getByRole('link').first().getAttribute('href')).toBe('https://example.org/oslo-night-trams/1');
    // The [n] markers in the text link to them.
    await lastAnswer().getByRole('link', { name: /^Source 1: / }).first().waitFor();
    await shot('chat-web-search-sources');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
  });

  it('chat: a conversation deleted from the list while its answer streams is gone, also after a reload', async () => {
    const threads = page.getByRole('navigation', { name: 'Chat conversations' });
    await threads.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => assistantMessages().count()).toBe(0);
    await emulator('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: { ttftMs: 50, tokensPerSecond: 30, replyTokens: 400, toolCalls: 'mentioned' } }) });
    try {
      await send('A long answer to delete halfway');
      await expect.poll(async () => (await lastAnswer().getAttribute('data-status')) === 'streaming' && (await textOf(lastAnswer())).length > 20, { timeout: 20_000 }).toBe(true);
      const title = 'A long answer to delete halfway';
      await expect.poll(() => threads.getByRole('button', { name: title, exact: true }).count()).toBe(1);
      await threads.getByRole('button', { name: `Delete “${title}”` }).click();
      // The panel starts a new chat, and the stopped answer's save does not bring the conversation back.
      await expect.poll(() => assistantMessages().count()).toBe(0);
      await page.waitForTimeout(1_000);
      expect(await threads.getByRole('button', { name: title, exact: true }).count()).toBe(0);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Chat' }).waitFor();
      await threads.getByRole('button', { name: /^Delete “/ }).first().waitFor();
      expect(await threads.getByRole('button', { name: title, exact: true }).count()).toBe(0);
      const stored = (await (await fetch(`${demoUrl}/ai/api/ai/conversations?limit=100`, { headers: { 'x-demo-role': 'user' } })).json()) as { data: Array<{ title: string | null }> };
      expect(stored.data.map((conversation) => conversation.title)).not.toContain(title);
    } finally {
      await emulator('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: { ttftMs: 50, tokensPerSecond: 400, replyTokens: 120, toolCalls: 'mentioned' } }) });
    }
  });

  /**
   * Deletes, from another page of the same person, the conversation whose answer streams here: `where` is another tab
   * (this browser) or another device (a browser of its own). Resolves once that page's list no longer shows it and the
   * gateway has deleted it (the list drops it before the gateway answers: a save of this page's answer must come after).
   */
  async function deleteElsewhere(where: 'tab' | 'device', title: string): Promise<{ other: Page; close: () => Promise<void> }> {
    const otherContext = where === 'tab' ? context : await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const other = await otherContext.newPage();
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(demoUrl);
    const otherThreads = other.getByRole('navigation', { name: 'Chat conversations' });
    await otherThreads.getByRole('button', { name: `Delete “${title}”` }).click();
    await expect.poll(() => otherThreads.getByRole('button', { name: title, exact: true }).count()).toBe(0);
    await expect.poll(async () => ((await (await fetch(`${demoUrl}/ai/api/ai/conversations?limit=100`, { headers: { 'x-demo-role': 'user' } })).json()) as { data: Array<{ title: string | null }> }).data.some((conversation) => conversation.title === title)).toBe(false);
    return { other, close: () => (where === 'tab' ? other.close() : otherContext.close()) };
  }

  for (const where of ['device', 'tab'] as const) {
    it(`chat: a conversation deleted in another ${where} while this one streams its answer stays deleted`, async () => {
      const threads = page.getByRole('navigation', { name: 'Chat conversations' });
      await threads.getByRole('button', { name: 'New chat' }).click();
      await expect.poll(() => assistantMessages().count()).toBe(0);
      // Long enough (8 s) that the other page's delete reaches the gateway while it streams, on a loaded machine too.
      await emulator('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: { ttftMs: 50, tokensPerSecond: 30, replyTokens: 240, toolCalls: 'mentioned' } }) });
      const title = `An answer another ${where} deletes`;
      let elsewhere: Awaited<ReturnType<typeof deleteElsewhere>> | undefined;
      try {
        await send(title);
        await expect.poll(async () => (await lastAnswer().getAttribute('data-status')) === 'streaming', { timeout: 20_000 }).toBe(true);
        elsewhere = await deleteElsewhere(where, title);
        // What the test is about: the conversation went while its answer streamed here.
        if (where === 'device') expect(await lastAnswer().getAttribute('data-status')).toBe('streaming');
        // Another tab of this browser tells this one at once: the answer stops. Another device cannot: the answer ends,
        // and its save, which only continues a stored conversation, writes nothing.
        await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe(where === 'tab' ? 'stopped' : 'done');
        await expect.poll(() => threads.getByRole('button', { name: title, exact: true }).count()).toBe(0);
        await page.waitForTimeout(500);
        const stored = (await (await fetch(`${demoUrl}/ai/api/ai/conversations?limit=100`, { headers: { 'x-demo-role': 'user' } })).json()) as { data: Array<{ title: string | null }> };
        expect(stored.data.map((conversation) => conversation.title)).not.toContain(title);
        await elsewhere.other.reload();
        const otherThreads = elsewhere.other.getByRole('navigation', { name: 'Chat conversations' });
        await otherThreads.getByRole('button', { name: 'New chat' }).waitFor();
        expect(await otherThreads.getByRole('button', { name: title, exact: true }).count()).toBe(0);
      } finally {
        await elsewhere?.close();
        await emulator('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: { ttftMs: 50, tokensPerSecond: 400, replyTokens: 120, toolCalls: 'mentioned' } }) });
      }
    });
  }

  it("code: a reasoning model's second turn, after a reload, sends the first turn's signed reasoning back", async () => {
    await openPage('Code');
    // The code feature takes screenshots, and nothing else.
    expect(await page.locator('input[type="file"]').getAttribute('accept')).toBe('image/png,image/jpeg,image/webp');
    await send('Reverse a string in TypeScript');
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    await lastAnswer().getByRole('button', { name: /^Thought for / }).waitFor();
    const first = await latestChatGeneration();
    expect(first.request).toMatchObject({ reasoning: { effort: 'low' } });

    await page.waitForLoadState('networkidle');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Code' }).waitFor();
    await expect.poll(() => page.locator('li[data-role="user"]').count(), { timeout: 20_000 }).toBe(1);
    await send('Now do it without split');
    await expect.poll(() => page.locator('li[data-role="assistant"]').count()).toBe(2);
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    const second = await latestChatGeneration();
    const earlier = second.request.messages?.find((message) => message.role === 'assistant') as { reasoning_details?: Array<{ type: string; signature?: string }> } | undefined;
    expect(earlier?.reasoning_details).toEqual([expect.objectContaining({ type: 'reasoning.text', signature: expect.any(String) })]);
    await shot('code-second-turn-after-reload');
    await openPage('Chat');
  });

  it("admin: the settings dialog changes the chat feature's model and system prompt, and the next answer uses them", async () => {
    const newModel = 'mistralai/mistral-small-3.2-24b-instruct';
    const newPrompt = 'You are a pirate. Answer every question like a pirate would.';
    await signInAs('Admin');
    await openPage('Admin');
    await page.getByRole('button', { name: 'AI settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'AI settings' });
    await dialog.waitFor();
    const model = dialog.getByRole('combobox', { name: 'Model' });
    await expect.poll(() => model.isEnabled(), { timeout: 20_000 }).toBe(true);
    await model.click();
    await model.fill(newModel);
    await dialog.locator(`[role="option"][data-model-id="${newModel}"]`).click();
    await expect.poll(() => dialog.getByText(newModel, { exact: false }).count()).toBeGreaterThan(0);
    const prompt = dialog.getByRole('textbox', { name: 'System prompt' });
    await prompt.fill(newPrompt);
    await shot('admin-settings-edited');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.getByRole('status').allTextContents().then((texts) => texts.join(' ')), { timeout: 10_000 }).toMatch(/Saved/);
    await shot('admin-settings-saved');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await openPage('Chat');
    await send('Which model are you?');
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    await lastAnswer().getByRole('button', { name: 'Model info' }).click();
    const tooltip = page.getByRole('tooltip');
    await expect.poll(() => tooltip.textContent()).toContain(newModel);
    await shot('chat-answer-from-new-model');

    const upstream = await latestChatGeneration();
    expect(upstream.request.model).toBe(newModel);
    expect(upstream.request.messages?.[0]).toEqual({ role: 'system', content: newPrompt });
    await page.keyboard.press('Escape');
  });

  it('admin: a bad OpenRouter key is refused with a clear message; a good one is accepted and shown masked', async () => {
    await openPage('Admin');
    await page.getByRole('button', { name: 'AI settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'AI settings' });
    const keyField = dialog.getByLabel('New OpenRouter key');
    await keyField.scrollIntoViewIfNeeded();
    await keyField.fill('sk-or-v1-this-key-does-not-exist-0000000000000000');
    await dialog.getByRole('button', { name: /^(Set|Replace) key$/ }).click();
    const refusal = dialog.getByRole('alert');
    await expect.poll(() => refusal.textContent(), { timeout: 10_000 }).toMatch(/key/i);
    const refusalText = (await refusal.textContent()) ?? '';
    expect(refusalText).not.toMatch(/\bat \S+:\d+|TypeError|undefined|\{"/);
    expect(refusalText).not.toContain('sk-or-v1-this-key');
    await keyField.scrollIntoViewIfNeeded();
    await shot('admin-key-refused');

    // A key the emulator knows, as OpenRouter would know a real one.
    const created = await emulator<{ key: string }>('/keys', { method: 'POST', body: JSON.stringify({ label: 'demo e2e' }) });
    await keyField.fill(created.key);
    await dialog.getByRole('button', { name: /^(Set|Replace) key$/ }).click();
    const state = dialog.locator('.ia-settings__key-state');
    const masked = `…${created.key.slice(-4)}`;
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toContain(masked);
    const shown = (await state.textContent()) ?? '';
    expect(shown).not.toContain(created.key);
    expect(await dialog.getByRole('status').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/accepted/i)]));
    await shot('admin-key-accepted');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('images: two images appear and can be downloaded', async () => {
    await openPage('Images');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('A lighthouse at dusk, watercolor');
    await page.getByRole('radiogroup', { name: 'Images' }).getByRole('radio', { name: '2' }).click();
    await page.getByRole('button', { name: 'Generate' }).click();
    const gallery = page.getByRole('list', { name: 'Generated images' });
    await expect.poll(() => gallery.getByRole('img').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => gallery.getByRole('img').evaluateAll((images) => images.every((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0))).toBe(true);
    await shot('images-generated');

    for (const index of [1, 2]) {
      const [download] = await Promise.all([page.waitForEvent('download'), gallery.getByRole('link', { name: `Download image ${index} of 2` }).click()]);
      expect(download.suggestedFilename()).toMatch(/\.(png|jpe?g|webp|svg)$/);
      const saved = path.join(artifactsDir, `download-${index}-${download.suggestedFilename()}`);
      await download.saveAs(saved);
      expect(await download.failure()).toBeNull();
    }
  });

  it('code and summarize: each feature answers with its own model and system prompt', async () => {
    await openPage('Code');
    await send('Write a function that reverses a string.');
    await expect.poll(() => lastAnswer().getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    const code = await latestChatGeneration();
    expect(code.request.model).toBe('anthropic/claude-sonnet-4');
    expect(code.request.messages?.[0]).toMatchObject({ role: 'system', content: expect.stringContaining('code assistant') });
    await shot('code-answered');

    await openPage('Summarize');
    await page.getByRole('textbox', { name: 'Text to summarize' }).fill('The lighthouse keeper rose at dawn. He cleaned the lamp, logged the weather and rowed to town for supplies.');
    await page.getByRole('radio', { name: 'Structured' }).check();
    await page.getByRole('button', { name: 'Summarize' }).click();
    const summary = page.getByRole('region', { name: 'Summary' }).or(page.locator('[data-answer-status]'));
    await expect.poll(() => summary.first().getAttribute('data-answer-status'), { timeout: 20_000 }).toBe('done');
    const summarize = await latestChatGeneration();
    expect(summarize.request.model).toBe('google/gemini-2.5-flash');
    expect(summarize.request.messages?.[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You summarize the text') });
    expect(JSON.stringify(summarize.request.messages?.at(-1))).toContain('structured summary with short headings');
    await shot('summarize-answered');
  });

  it('summarize: the batch mode runs a 10-article job with its progress bar to the end', async () => {
    await openPage('Summarize');
    await page.getByRole('radio', { name: 'Batch of articles' }).check();
    const articles = Array.from({ length: 10 }, (_, index) => `# Story ${index + 1}\nOn day ${index + 1} the town council approved a new bridge over the river.`).join('\n\n');
    await page.getByRole('textbox', { name: 'Articles' }).fill(articles);
    await expect.poll(() => page.getByText('10 articles ready').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Summarize' }).click();
    const bar = page.getByRole('progressbar', { name: 'Summarizing' });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('10');
    await expect.poll(() => page.locator('.ia-batch-summarizer').getAttribute('data-state')).toBe('completed');
    expect(await bar.getAttribute('aria-valuetext')).toMatch(/^10 of 10 done · \$0\.\d{4} so far$/);
    expect(await page.getByRole('list', { name: 'Summaries' }).getByRole('heading', { level: 3 }).count()).toBe(10);
    // Each article went upstream once, through the summarize feature's model, asking for strict structured output.
    const sent = (await emulator<Generation[]>('/generations?kind=chat')).filter((generation) => JSON.stringify(generation.request).includes('approved a new bridge'));
    expect(sent).toHaveLength(10);
    expect(sent.every((generation) => generation.request.model === 'google/gemini-2.5-flash')).toBe(true);
    expect(JSON.stringify(sent[0]?.request)).toContain('"strict":true');
    await shot('summarize-batch');
  });

  it('quota: a user over a limit sees the friendly quota message, not an error dump', async () => {
    const { version } = (await asAdmin('GET', '/api/ai/limits/policy')) as { version: number };
    // The demo user may spend almost nothing today: any answer's worst case is over it.
    await asAdmin('PUT', '/api/ai/limits/policy', { version, policy: { project: {}, features: {}, users: { default: {}, overrides: { 'demo-user': { spendPerDayUsd: 0.000001 } } } } });
    await signInAs('User');
    await openPage('Chat');
    await send('One more question, please.');
    const alert = page.locator('[data-insforge-ai]').getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('The usage limit is reached; contact your administrator.');
    expect((await alert.textContent()) ?? '').not.toMatch(/\bat \S+:\d+|quota_exceeded|\{"|402/);
    await shot('user-over-quota');
  });

  it('usage: the usage panel shows the requests just made, with their cost', async () => {
    type Group = { feature?: string; requests: number; cancelled: number; rejected: number; costUsd: number };
    const summary = async () => ((await asAdmin('GET', '/api/ai/usage/summary?groupBy=feature')) as { groups: Group[] }).groups;
    // Chat: the stopped answer, its regeneration, the attachments' answer, the tool call and its follow-up, the web
    // search, the answer stopped by its conversation's deletion, the answers whose conversation another device deleted
    // (it ended) and another tab deleted (it stopped), the new model's answer and the rejected one; the ledger writes
    // in batches.
    await expect.poll(async () => (await summary()).find((group) => group.feature === 'chat')?.requests, { timeout: 5_000 }).toBe(11);
    const groups = await summary();
    const chat = groups.find((group) => group.feature === 'chat');
    expect(chat).toMatchObject({ cancelled: 3, rejected: 1 });
    expect(chat?.costUsd).toBeGreaterThan(0);
    expect(groups.find((group) => group.feature === 'image')).toMatchObject({ requests: 1, costUsd: expect.any(Number) });

    await signInAs('Admin');
    await openPage('Admin');
    // The panel's table by feature shows the same requests, with their cost.
    const chatRow = page.getByRole('table', { name: 'Cost by feature' }).getByRole('row').filter({ hasText: /^chat/ });
    await expect.poll(() => chatRow.first().textContent(), { timeout: 20_000 }).toMatch(/^chat11.*\$0\.\d*[1-9]/);
    const imageRow = page.getByRole('table', { name: 'Cost by feature' }).getByRole('row').filter({ hasText: /^image/ });
    expect(await imageRow.first().textContent()).toMatch(/^image1.*\$0\.\d*[1-9]/);
    // At this laptop width every column, Median latency included, shows without scrolling the table.
    const scrollers = page.locator('.ia-usage__table-scroll');
    const overflows = await scrollers.evaluateAll((boxes) => boxes.map((box) => box.scrollWidth - box.clientWidth));
    expect(overflows.length).toBeGreaterThanOrEqual(2);
    expect(overflows.filter((overflow) => overflow > 0)).toEqual([]);
    await expect.poll(() => page.getByRole('columnheader', { name: 'Median latency' }).first().isVisible()).toBe(true);
    await shot('admin-usage');
  });

  it('fits a 360 px phone: no page scrolls sideways, the chat composer is on screen, dialogs stay inside it', async () => {
    const width = 360;
    const height = 740;
    await page.setViewportSize({ width, height });
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    try {
      for (const role of ['User', 'Admin'] as const) {
        await signInAs(role);
        for (const name of ['Chat', 'Code', 'Summarize', 'Images', 'Admin'] as const) {
          await openPage(name);
          // Admin widgets load their data: measure once they have.
          await page.waitForLoadState('networkidle');
          expect(await sideways(), `${name} as ${role} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
          await shot(`phone-${role.toLowerCase()}-${name.toLowerCase()}`);
        }
      }
      // The chat fills the screen with its composer at the bottom, inside the viewport.
      await openPage('Chat');
      const composer = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
      expect(composer).not.toBeNull();
      expect(composer!.y + composer!.height).toBeLessThanOrEqual(height);
      expect(composer!.y).toBeGreaterThan(height / 2);
      // The settings dialog and the model picker in it stay inside the screen.
      await openPage('Admin');
      await page.getByRole('button', { name: 'AI settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'AI settings' });
      await dialog.waitFor();
      const model = dialog.getByRole('combobox', { name: 'Model' });
      await expect.poll(() => model.isEnabled(), { timeout: 20_000 }).toBe(true);
      await model.click();
      const inside = async (locator: Locator) => {
        const box = await locator.boundingBox();
        return box !== null && box.x >= 0 && box.x + box.width <= width + 0.5;
      };
      expect(await inside(dialog)).toBe(true);
      expect(await inside(dialog.locator('.ia-model-picker__popup'))).toBe(true);
      expect(await dialog.evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(0);
      expect(await sideways()).toBeLessThanOrEqual(0);
      await shot('phone-admin-settings');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('follows the system theme: a dark preference turns the page and every component dark', async () => {
    const lightness = (selector: string) =>
      page.locator(selector).first().evaluate((element) => {
        const [red = 0, green = 0, blue = 0] = (getComputedStyle(element).backgroundColor.match(/\d+(\.\d+)?/g) ?? []).map(Number);
        return (red + green + blue) / 3;
      });
    try {
      await page.emulateMedia({ colorScheme: 'dark' });
      for (const [name, component] of [['Chat', '.ia-chat'], ['Images', '.ia-image-generator__card'], ['Admin', '.ia-usage__totals > div']] as const) {
        await openPage(name);
        await page.locator(component).first().waitFor();
        expect(await lightness('body'), `${name}: the page`).toBeLessThan(60);
        expect(await lightness(component), `${name}: ${component}`).toBeLessThan(60);
        await shot(`dark-${name.toLowerCase()}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(await lightness('.ia-usage__totals > div')).toBeGreaterThan(200);
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });
});
