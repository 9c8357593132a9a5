import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createAiClient, type AiClient } from './client.js';
import { createSettingsDraftStore, sameJson } from './settings-draft-store.js';

let harness: Harness;
let admin: AiClient;

beforeAll(async () => {
  harness = await startHarness();
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await admin.features.create({ name: 'drafted', model: 'openai/gpt-4o-mini', systemPrompt: 'Original.', params: { temperature: 0.5 } });
});
afterAll(() => harness.close());

describe('createSettingsDraftStore', () => {
  it('loads the base, tracks dirty fields, and saves only them with the version read', async () => {
    const settings = createSettingsDraftStore({ client: admin, feature: 'drafted' });
    await settings.getState().load();
    expect(settings.getState()).toMatchObject({ status: 'ready', version: 1, dirty: [], draft: { systemPrompt: 'Original.' } });
    settings.getState().change({ systemPrompt: 'Edited.' });
    settings.getState().change({ params: { temperature: 0.5 } });
    expect(settings.getState().dirty).toEqual(['systemPrompt']);
    settings.getState().change({ params: { temperature: 0.9 } });
    expect(settings.getState().dirty).toEqual(['systemPrompt', 'params']);
    const saved = await settings.getState().save();
    expect(saved).toMatchObject({ version: 2, systemPrompt: 'Edited.', params: { temperature: 0.9 } });
    expect(settings.getState()).toMatchObject({ version: 2, dirty: [], base: { version: 2 } });
  });

  it('keeps an edit made while a save is on its way: it stays in the draft, dirty, over the saved version', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const client = { features: { ...admin.features, update: async (...args: Parameters<AiClient['features']['update']>) => (await held, admin.features.update(...args)) } };
    const settings = createSettingsDraftStore({ client, feature: 'drafted' });
    await settings.getState().load();
    const version = settings.getState().version!;
    settings.getState().change({ systemPrompt: 'Sent.' });
    const saving = settings.getState().save();
    settings.getState().change({ systemPrompt: 'Typed while saving.', params: { temperature: 0.1 } });
    release();
    expect((await saving)?.systemPrompt).toBe('Sent.');
    expect(settings.getState()).toMatchObject({ version: version + 1, dirty: ['systemPrompt', 'params'], draft: { systemPrompt: 'Typed while saving.', params: { temperature: 0.1 } } });
  });

  it('sends one update when save is called again while a save is on its way', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let updates = 0;
    const client = { features: { ...admin.features, update: async (...args: Parameters<AiClient['features']['update']>) => (updates++, await held, admin.features.update(...args)) } };
    const settings = createSettingsDraftStore({ client, feature: 'drafted' });
    await settings.getState().load();
    settings.getState().change({ systemPrompt: 'Saved once.' });
    const first = settings.getState().save();
    const second = settings.getState().save();
    release();
    const [one, two] = await Promise.all([first, second]);
    expect(updates).toBe(1);
    expect(two).toEqual(one);
    expect(settings.getState()).toMatchObject({ status: 'ready', error: undefined, dirty: [], draft: { systemPrompt: 'Saved once.' } });
  });

  it('keeps the draft on a conflict, and keeps the edits over the newer version on reload', async () => {
    const mine = createSettingsDraftStore({ client: admin, feature: 'drafted' });
    await mine.getState().load();
    const version = mine.getState().version!;
    await admin.features.update('drafted', { model: 'anthropic/claude-sonnet-4', version });
    mine.getState().change({ systemPrompt: 'Mine.' });
    expect(await mine.getState().save()).toBeUndefined();
    expect(mine.getState()).toMatchObject({ status: 'error', error: { code: 'conflict', currentVersion: version + 1 }, dirty: ['systemPrompt'] });
    await mine.getState().load();
    expect(mine.getState()).toMatchObject({ version: version + 1, dirty: ['systemPrompt'], draft: { systemPrompt: 'Mine.', model: 'anthropic/claude-sonnet-4' } });
    expect((await mine.getState().save())?.systemPrompt).toBe('Mine.');
  });

  it('discards edits, runs the draft in a live test without saving it, resets and restores', async () => {
    const settings = createSettingsDraftStore({ client: admin, feature: 'drafted' });
    await settings.getState().load();
    const before = settings.getState().version!;
    settings.getState().change({ systemPrompt: 'Only a test.' });
    const result = await settings.getState().runTest('Testing the draft');
    expect(result?.answer).toContain('Testing the draft');
    expect(settings.getState().test).toMatchObject({ status: 'done', result: { feature: 'drafted' } });
    expect((harness.emulator.generations({ kind: 'chat' }).at(-1)!.request as { messages: Array<{ content: string }> }).messages[0]!.content).toBe('Only a test.');
    expect((await admin.features.get('drafted')).version).toBe(before);
    settings.getState().discard();
    expect(settings.getState().dirty).toEqual([]);
    expect(await settings.getState().reset()).toMatchObject({ systemPrompt: 'Original.', version: before + 1 });
    expect(await settings.getState().restore(before)).toMatchObject({ version: before + 2 });
  });

  it('says admin_unavailable against a server without admin routes', async () => {
    const plain = createAiClient({ baseUrl: `${harness.emulator.url}/nowhere` });
    const settings = createSettingsDraftStore({ client: plain, feature: 'chat' });
    await settings.getState().load();
    expect(settings.getState()).toMatchObject({ status: 'error', error: { code: 'admin_unavailable' } });
  });
});

describe('sameJson', () => {
  it('compares JSON values ignoring key order and undefined fields', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: [] }, { a: {} })).toBe(false);
  });
});
