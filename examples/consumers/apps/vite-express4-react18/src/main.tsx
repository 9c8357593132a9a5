import { createRoot } from 'react-dom/client';
import { AiProvider, ChatPanel } from '@insforge/ai-react';
import '@insforge/ai-react/styles.css';

createRoot(document.getElementById('root')!).render(
  <AiProvider baseUrl="/ai">
    <ChatPanel feature="chat" />
  </AiProvider>,
);
