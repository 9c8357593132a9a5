// A Server Component: the library's components are client components, imported here directly.
import { AiProvider, ChatPanel } from '@insforge/ai-react';

export default function Page() {
  return (
    <main>
      <AiProvider baseUrl="/api/ai">
        <ChatPanel feature="chat" />
      </AiProvider>
    </main>
  );
}
