import { createAiFetchHandler } from '@insforge/ai-server';

// One gateway for the whole app, mounted under /api/ai (the React components use it as their base URL).
const handler = createAiFetchHandler({
  basePath: '/api/ai',
  features: [{ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'You are a Next.js app.' }],
  // Everyone is one signed-in user here; a real app reads its own session (cookies, headers) in `authenticate`.
  authenticate: () => ({ projectId: 'default', userId: 'consumer', role: 'user' }),
});

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
