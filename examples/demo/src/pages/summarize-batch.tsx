import { BatchSummarizer } from '@insforge/ai-react';

export type SummarizeMode = 'single' | 'batch';

/** Switches the Summarize page between one text (streamed) and a batch of articles (a job). */
export function SummarizeModeSwitch({ mode, onChange }: { mode: SummarizeMode; onChange(mode: SummarizeMode): void }) {
  return (
    <fieldset className="demo-format">
      <legend>Mode</legend>
      <label>
        <input type="radio" name="summarize-mode" value="single" checked={mode === 'single'} onChange={() => onChange('single')} />
        One text
      </label>
      <label>
        <input type="radio" name="summarize-mode" value="batch" checked={mode === 'batch'} onChange={() => onChange('batch')} />
        Batch of articles
      </label>
    </fieldset>
  );
}

const SAMPLE = [
  '# Harbour reopens\nThe harbour reopened on Monday after the storm, and the first ferries left on time.',
  '# New park approved\nThe council approved a new park by the river after a long debate about its cost.',
  '# Library hours\nThe city library will open on Sundays from next month, the mayor said.',
].join('\n\n');

/** The batch mode: many articles summarized as one job, with its progress, cost, results and exports. */
export function SummarizeBatch() {
  return (
    // data-insforge-ai scopes the library's design tokens (and follows the system theme).
    <section data-insforge-ai="" data-theme="system" className="demo-summary" aria-label="Batch summaries">
      <BatchSummarizer feature="summarize" defaultText={SAMPLE} />
    </section>
  );
}
