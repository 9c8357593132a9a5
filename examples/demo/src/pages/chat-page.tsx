import { ChatPanel } from '@insforge/ai-react';
import type { DemoRole } from '../demo-role.js';

/** The chat assistant: the `chat` feature; each signed-in role has its own conversation, kept across reloads. */
export function ChatPage({ role }: { role: DemoRole }) {
  return (
    <section className="demo-page" aria-labelledby="chat-title">
      <h1 id="chat-title">Chat</h1>
      <p className="demo-lead">A general assistant: the <code>chat</code> feature, with its own model, fallback and system prompt set on the server.</p>
      <ChatPanel className="demo-chat" feature="chat" conversationId={`demo-chat-${role}`} theme="light" placeholder="Ask anything…" aria-label="Chat assistant" />
    </section>
  );
}
