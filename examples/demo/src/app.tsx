import { AiProvider, createAiClient, serverStorage } from '@insforge/ai-react';
import { useEffect, useState, type MouseEvent } from 'react';
import { useDemoConfig } from './demo-config.js';
import { readRole, useDemoRole, type DemoRole } from './demo-role.js';
import { PAGES, usePage, type PagePath } from './location.js';
import { AdminPage } from './pages/admin-page.js';
import { ChatPage } from './pages/chat-page.js';
import { CodePage } from './pages/code-page.js';
import { ImagesPage } from './pages/images-page.js';
import { SummarizePage } from './pages/summarize-page.js';

const ROLES: ReadonlyArray<{ role: DemoRole; label: string }> = [
  { role: 'user', label: 'User' },
  { role: 'admin', label: 'Admin' },
];

export function App() {
  const config = useDemoConfig();
  const [role, setRole] = useDemoRole();
  const [page, navigate] = usePage();
  // One client for the app; every request reads the switch as it is sent, so a new role applies at once.
  const [client] = useState(() => createAiClient({ baseUrl: '/ai', getHeaders: () => ({ 'x-demo-role': readRole() }) }));
  // Conversations live on the gateway (per signed-in user), attachments in its file store: a reload, or another
  // browser, shows them as sent.
  const [storage] = useState(() => serverStorage(client));
  const title = PAGES.find((entry) => entry.path === page)?.label ?? 'Chat';
  useEffect(() => {
    document.title = `${title} · InsForge AI demo`;
  }, [title]);

  const follow = (path: PagePath) => (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(path);
  };

  // The chat pages fill the screen, their composer pinned at the bottom; the others scroll as documents.
  const fills = page === '/chat' || page === '/code';
  return (
    <AiProvider client={client} storage={storage}>
      <div className="demo-app" data-layout={fills ? 'fill' : 'document'}>
        <header className="demo-header">
          <a className="demo-brand" href="/chat" onClick={follow('/chat')}>
            InsForge AI <span>demo</span>
          </a>
          <nav aria-label="Demo pages">
            <ul className="demo-nav">
              {PAGES.map((entry) => (
                <li key={entry.path}>
                  <a href={entry.path} aria-current={entry.path === page ? 'page' : undefined} onClick={follow(entry.path)}>
                    {entry.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <fieldset className="demo-role">
            <legend>Signed in as</legend>
            {ROLES.map((entry) => (
              <label key={entry.role}>
                <input type="radio" name="demo-role" value={entry.role} checked={entry.role === role} onChange={() => setRole(entry.role)} />
                {entry.label}
              </label>
            ))}
          </fieldset>
        </header>
        {config?.offline ? (
          <p className="demo-banner" role="status">
            Answers come from the offline OpenRouter emulator — no key is set. Set <code>OPENROUTER_API_KEY</code> and restart to use OpenRouter.
          </p>
        ) : null}
        {/* Keyed by role: every page starts over as the newly signed-in user (admin widgets re-read what they may see). */}
        <main className="demo-main" key={role}>
          {page === '/chat' ? <ChatPage role={role} /> : null}
          {page === '/code' ? <CodePage role={role} /> : null}
          {page === '/summarize' ? <SummarizePage role={role} /> : null}
          {page === '/images' ? <ImagesPage /> : null}
          {page === '/admin' ? <AdminPage role={role} /> : null}
        </main>
      </div>
    </AiProvider>
  );
}
