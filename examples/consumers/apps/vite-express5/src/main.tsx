import { createRoot } from 'react-dom/client';
import { AiProvider, ChatPanel } from '@insforge/ai-react';
import '@insforge/ai-react/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <AiProvider baseUrl="/ai">
    <ChatPanel feature="chat" />
  </AiProvider>,
);
