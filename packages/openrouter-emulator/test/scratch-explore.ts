import { OpenRouter } from '@openrouter/sdk';
import { startEmulator } from '../src/index.js';

const emulator = await startEmulator();
const client = new OpenRouter({ apiKey: emulator.apiKey, serverURL: emulator.url, retryConfig: { strategy: 'none' } });
async function attempt(name: string, run: () => Promise<unknown>) {
  try {
    const value = await run();
    console.log('OK', name, JSON.stringify(value)?.slice(0, 400));
  } catch (error) {
    const e = error as { name?: string; statusCode?: number; pretty?: () => string; message?: string };
    console.log('FAIL', name, e.name, e.statusCode, e.pretty ? e.pretty().slice(0, 3000) : e.message);
  }
}
let genId = '';
await attempt('chat', async () => {
  const r = await client.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] } });
  genId = (r as { id: string }).id;
  return r;
});
await attempt('stream', async () => {
  const s = await client.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello there' }] } });
  const chunks = [];
  for await (const c of s as AsyncIterable<unknown>) chunks.push(c);
  return chunks.slice(-3);
});
await attempt('stream-b', async () => {
  const s = await client.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini#usage=b', stream: true, messages: [{ role: 'user', content: 'Hello there' }] } });
  const chunks = [];
  for await (const c of s as AsyncIterable<unknown>) chunks.push(c);
  return chunks.slice(-2);
});
await attempt('reasoning', async () => {
  const s = await client.chat.send({ chatRequest: { model: 'deepseek/deepseek-r1', reasoning: { effort: 'low' }, stream: true, messages: [{ role: 'user', content: 'Hello there' }] } });
  const chunks = [];
  for await (const c of s as AsyncIterable<unknown>) chunks.push(c);
  return chunks.slice(0, 2);
});
await attempt('error-after', async () => {
  const s = await client.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini#error-after=3', stream: true, messages: [{ role: 'user', content: 'Hello there' }] } });
  const chunks = [];
  for await (const c of s as AsyncIterable<unknown>) chunks.push(c);
  return chunks.slice(-2);
});
await attempt('models', async () => {
  const page = await client.models.list();
  return { n: page.result.data.length, first: page.result.data[0] };
});
await attempt('embeddings', () => client.embeddings.generate({ requestBody: { model: 'openai/text-embedding-3-small', input: 'hi' } }));
await attempt('key', () => client.apiKeys.getCurrentKeyMetadata());
await new Promise((r) => setTimeout(r, 50));
await attempt('generation', () => client.generations.getGeneration({ id: genId }));
await attempt('400', () => client.chat.send({ chatRequest: { model: 'nope/nope', messages: [{ role: 'user', content: 'x' }] } }));
await attempt('429', () => client.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } }, { headers: { 'X-Emulator-Scenario': 'status=429;retry-after=2' } }));
await emulator.close();
