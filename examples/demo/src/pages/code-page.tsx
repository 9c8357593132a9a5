import { ChatPanel } from '@insforge/ai-react';
import type { DemoRole } from '../demo-role.js';

/** The code assistant: the `code` feature, a different model and a code-assistant system prompt. */
export function CodePage({ role }: { role: DemoRole }) {
  return (
    <section className="demo-page" aria-labelledby="code-title">
      <h1 id="code-title">Code</h1>
      <p className="demo-lead">A code assistant: the <code>code</code> feature answers with runnable code and points out edge cases.</p>
      <ChatPanel className="demo-chat" feature="code" conversationId={`demo-code-${role}`} theme="light" placeholder="Paste code or describe what to write…" aria-label="Code assistant" />
    </section>
  );
}
