import { ChatPanel, ThreadList } from '@insforge/ai-react';
import { useConversationId } from '../conversation-id.js';
import { demoUserId, type DemoRole } from '../demo-role.js';

const SUGGESTIONS = ['Reverse a string in TypeScript', 'Debounce a function', 'Write a SQL query for the top 5 customers'];

/** The code assistant: the `code` feature, a different model and a code-assistant system prompt; per user, as the chat. */
export function CodePage({ role }: { role: DemoRole }) {
  const userId = demoUserId(role);
  const [conversationId, setConversationId] = useConversationId('code', userId);
  return (
    <section className="demo-page demo-page--chat" aria-labelledby="code-title">
      <h1 id="code-title">Code</h1>
      <p className="demo-lead">A code assistant: the <code>code</code> feature answers with runnable code and points out edge cases.</p>
      <div className="demo-chat-layout">
        <ThreadList className="demo-threads" feature="code" identity={userId} activeId={conversationId} onSelect={setConversationId} onNewChat={() => setConversationId(`code-${Date.now()}`)} role="navigation" aria-label="Code conversations" />
        <ChatPanel
          className="demo-chat"
          feature="code"
          identity={userId}
          conversationId={conversationId}
          onConversationIdChange={setConversationId}
          userName={role === 'admin' ? 'Admin' : 'User'}
          title="What are we building?"
          suggestions={SUGGESTIONS}
          placeholder="Paste code or describe what to write…"
          aria-label="Code assistant"
        />
      </div>
    </section>
  );
}
