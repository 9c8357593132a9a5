import { ChatPanel, ThreadList } from '@insforge/ai-react';
import { useConversationId } from '../conversation-id.js';
import { demoTools } from '../demo-tools.js';
import { demoUserId, type DemoRole } from '../demo-role.js';

const SUGGESTIONS = ['Plan a weekend in Lisbon', 'Convert these units: 10 km to miles', 'Create a ticket: the trail map is out of date', 'Compare SQL and NoSQL in a table'];

/**
 * The chat assistant: the `chat` feature. Conversations are kept per signed-in user (`identity`), so the user and
 * the admin of one browser never see each other's; "New chat" starts another and the page remembers it. The model
 * may call two tools that run in the browser (a unit converter, and a ticket it asks you to approve first), search
 * the web when the composer's toggle is on, and read the images and PDFs you attach.
 */
export function ChatPage({ role }: { role: DemoRole }) {
  const userId = demoUserId(role);
  const [conversationId, setConversationId] = useConversationId('chat', userId);
  return (
    <section className="demo-page demo-page--chat" aria-labelledby="chat-title">
      <h1 id="chat-title">Chat</h1>
      <p className="demo-lead">
        A general assistant: the <code>chat</code> feature, with its own model, fallback and system prompt set on the server. It can convert units, create a ticket once you approve it, search the web, and read the images and PDFs you attach.
      </p>
      <div className="demo-chat-layout">
        {/* The signed-in user's conversations (wide screens): open, rename, delete, search, New chat. */}
        <ThreadList className="demo-threads" feature="chat" identity={userId} activeId={conversationId} onSelect={setConversationId} onNewChat={() => setConversationId(`chat-${Date.now()}`)} role="navigation" aria-label="Chat conversations" />
        <ChatPanel
          className="demo-chat"
          feature="chat"
          identity={userId}
          conversationId={conversationId}
          onConversationIdChange={setConversationId}
          userName={role === 'admin' ? 'Admin' : 'User'}
          title="How can I help you today?"
          suggestions={SUGGESTIONS}
          placeholder="Ask anything…"
          tools={demoTools}
          webSearch
          showBudget
          aria-label="Chat assistant"
        />
      </div>
    </section>
  );
}
