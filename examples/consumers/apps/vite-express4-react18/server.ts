import express from 'express';
import { createAiGateway } from '@insforge/ai-server';

const app = express();
app.use(
  '/ai',
  createAiGateway({
    features: [{ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'You are a consumer app.' }],
    // Everyone is one signed-in user here; a real app maps its own session. The database is DATABASE_URL, else SQLite.
    authenticate: () => ({ projectId: 'default', userId: 'consumer', role: 'user' }),
  }),
);
app.use(express.static('dist'));
const server = app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`);
});
