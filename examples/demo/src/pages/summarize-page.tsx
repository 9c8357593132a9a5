import { Markdown, ModelInfo, shownAnswer, useChat } from '@insforge/ai-react';
import { useId, useState, type FormEvent } from 'react';
import { demoUserId, type DemoRole } from '../demo-role.js';
import { SummarizeBatch, SummarizeModeSwitch, type SummarizeMode } from './summarize-batch.js';

const FORMATS = [
  { value: 'bullet points', label: 'Bullet points', instruction: 'as a short list of bullet points' },
  { value: 'paragraph', label: 'Paragraph', instruction: 'as one concise paragraph' },
  { value: 'structured', label: 'Structured', instruction: 'as a structured summary with short headings (Overview, Key points, Conclusion)' },
] as const;

type Format = (typeof FORMATS)[number]['value'];

/** The summarizer: paste text, pick a format, and the `summarize` feature streams a summary in that format. */
export function SummarizePage({ role }: { role: DemoRole }) {
  // The last summary is kept per signed-in user, like the chats.
  const chat = useChat({ feature: 'summarize', conversationId: 'demo-summarize', identity: demoUserId(role) });
  const [text, setText] = useState('');
  const [format, setFormat] = useState<Format>('bullet points');
  const textId = useId();
  const busy = chat.status === 'submitted' || chat.status === 'streaming';
  const last = chat.messages.at(-1);
  const answer = last?.role === 'assistant' ? shownAnswer(last) : undefined;
  const [mode, setMode] = useState<SummarizeMode>('single');

  const summarize = async (event: FormEvent) => {
    event.preventDefault();
    const source = text.trim();
    if (!source || busy) return;
    const { instruction } = FORMATS.find((entry) => entry.value === format) ?? FORMATS[0];
    // One summary at a time: the previous one is cleared, so the model sees only this text.
    await chat.clear();
    await chat.send(`Summarize the following text ${instruction}.\n\n---\n${source}`);
  };

  if (mode === 'batch') {
    return (
      <section className="demo-page" aria-labelledby="summarize-title">
        <h1 id="summarize-title">Summarize</h1>
        <p className="demo-lead">Many articles at once: the gateway runs them as a batch job through the <code>summarize</code> feature, within the project's limits.</p>
        <SummarizeModeSwitch mode={mode} onChange={setMode} />
        <SummarizeBatch />
      </section>
    );
  }

  return (
    <section className="demo-page" aria-labelledby="summarize-title">
      <h1 id="summarize-title">Summarize</h1>
      <p className="demo-lead">Paste text, pick a format: the <code>summarize</code> feature adds the format to your text and streams the summary.</p>
      <SummarizeModeSwitch mode={mode} onChange={setMode} />
      <form className="demo-summarize-form" onSubmit={(event) => void summarize(event)}>
        <label htmlFor={textId}>Text to summarize</label>
        <textarea id={textId} rows={10} value={text} onChange={(event) => setText(event.target.value)} placeholder="Paste an article, notes or a long email…" />
        <fieldset className="demo-format">
          <legend>Format</legend>
          {FORMATS.map((entry) => (
            <label key={entry.value}>
              <input type="radio" name="summary-format" value={entry.value} checked={format === entry.value} onChange={() => setFormat(entry.value)} />
              {entry.label}
            </label>
          ))}
        </fieldset>
        <div className="demo-actions">
          <button type="submit" disabled={busy || text.trim() === ''}>
            Summarize
          </button>
          {busy ? (
            <button type="button" onClick={() => chat.stop()}>
              Stop
            </button>
          ) : null}
        </div>
      </form>
      {/* data-insforge-ai scopes the library's design tokens (and follows the system theme) for its Markdown. */}
      <section data-insforge-ai="" data-theme="system" className="demo-summary" aria-label="Summary" data-answer-status={answer?.status}>
        <h2>Summary</h2>
        {answer ? (
          <>
            {answer.status === 'pending' ? <p className="demo-muted">Summarizing…</p> : null}
            <Markdown source={answer.content} />
            {answer.status === 'stopped' ? <p className="demo-muted">Stopped: the summary above is what arrived.</p> : null}
            {answer.status === 'done' || answer.status === 'stopped' ? <ModelInfo answer={answer} /> : null}
          </>
        ) : (
          <p className="demo-muted">The summary appears here.</p>
        )}
        {chat.error ? <p role="alert">{chat.error.userMessage}</p> : null}
        <p role="status" className="demo-visually-hidden">
          {busy ? 'Summarizing' : answer?.status === 'done' ? 'Summary complete' : ''}
        </p>
      </section>
    </section>
  );
}
