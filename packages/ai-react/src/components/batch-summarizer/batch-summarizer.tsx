'use client';
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { parseArticles, summariesToCsv } from '../../core/article-input.js';
import type { ArticleInput, ArticleSummary, JobItem, SummarizeOptions, SummaryLength, SummaryStyle } from '../../core/jobs-client.js';
import { classes } from '../../primitives/ai-root.js';
import { useSummarize } from '../../react/use-summarize.js';
import { SegmentedControl } from '../segmented-control/segmented-control.js';
import { defaultBatchSummarizerLabels, type BatchSummarizerLabels } from './batch-summarizer-labels.js';

export type BatchSummarizerSlot = 'root' | 'form' | 'articles' | 'options' | 'actions' | 'progress' | 'results' | 'result';

export interface BatchSummarizerProps {
  /** The summarization feature; default the gateway's `summarize`. */
  feature?: string;
  /** Text the articles box starts with. */
  defaultText?: string;
  /** Called with each export instead of downloading a file (e.g. to save it elsewhere). */
  onExport?: (file: { name: string; type: string; text: string }) => void;
  labels?: Partial<BatchSummarizerLabels>;
  classNames?: Partial<Record<BatchSummarizerSlot, string>>;
  unstyled?: boolean;
}

const LENGTHS: SummaryLength[] = ['short', 'medium', 'long'];
const STYLES: SummaryStyle[] = ['bullet_points', 'paragraph', 'structured'];

function read(text: string): { articles: ArticleInput[]; unreadable: boolean } {
  if (text.trim() === '') return { articles: [], unreadable: false };
  try {
    return { articles: parseArticles(text), unreadable: false };
  } catch {
    return { articles: [], unreadable: true };
  }
}

/**
 * Summarizes many articles as one batch job: paste or upload them (text, Markdown, CSV or JSON), choose length,
 * style, language, key points and sentiment; a progress bar shows items done and failed and the cost so far, each
 * article's summary appears with its key points and sentiment as it is ready, and the results export as JSON or CSV.
 *
 * @example
 * <BatchSummarizer feature="summarize" />
 */
export function BatchSummarizer({ feature, defaultText = '', onExport, labels: labelOverrides, classNames = {}, unstyled }: BatchSummarizerProps): ReactNode {
  const labels = { ...defaultBatchSummarizerLabels, ...labelOverrides };
  const [text, setText] = useState(defaultText);
  const [fileText, setFileText] = useState<{ name: string; articles: ArticleInput[] } | undefined>();
  const [length, setLength] = useState<SummaryLength>('short');
  const [style, setStyle] = useState<SummaryStyle>('bullet_points');
  const [language, setLanguage] = useState('en');
  const [keyPoints, setKeyPoints] = useState(true);
  const [sentiment, setSentiment] = useState(true);
  const { summarize, job, status, error, cancel } = useSummarize();
  const pasted = useMemo(() => read(text), [text]);
  const articles = fileText?.articles ?? pasted.articles;
  const ids = useId();
  const running = job !== undefined && (job.status === 'queued' || job.status === 'running' || job.status === 'paused');
  const state = status === 'error' ? 'error' : job?.status ?? (status === 'submitted' ? 'queued' : 'idle');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (articles.length === 0 || running) return;
    const options: SummarizeOptions = { summary_length: length, summary_style: style, language, include_key_points: keyPoints, include_sentiment: sentiment };
    if (feature) options.feature = feature;
    void summarize(articles, { ...options, batch: true });
  };
  const upload = async (file: File | undefined) => {
    if (!file) return setFileText(undefined);
    try {
      setFileText({ name: file.name, articles: parseArticles(await file.text(), file.name) });
    } catch {
      setFileText({ name: file.name, articles: [] });
    }
  };
  const save = (name: string, type: string, body: string) => {
    if (onExport) return onExport({ name, type, text: body });
    const url = URL.createObjectURL(new Blob([body], { type }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  const items = job?.items ?? [];
  const finished = job ? job.progress.done + job.progress.failed + job.progress.cancelled : 0;

  return (
    <section className={classes(unstyled, 'ia-batch-summarizer', classNames.root)} data-state={state}>
      <form className={classes(unstyled, 'ia-batch-summarizer__form', classNames.form)} onSubmit={submit}>
        <div className={classes(unstyled, 'ia-batch-summarizer__articles', classNames.articles)}>
          <label htmlFor={`${ids}-text`}>{labels.articles}</label>
          <textarea id={`${ids}-text`} rows={8} value={text} placeholder={labels.articlesPlaceholder} aria-describedby={`${ids}-hint`} onChange={(event) => setText(event.target.value)} />
          <p id={`${ids}-hint`} className={classes(unstyled, 'ia-batch-summarizer__hint')}>
            {labels.articlesHint}
          </p>
          <label className={classes(unstyled, 'ia-batch-summarizer__upload')}>
            {labels.upload}
            <input type="file" accept=".txt,.md,.markdown,.csv,.json,text/plain,text/markdown,text/csv,application/json" onChange={(event) => void upload(event.target.files?.[0])} />
          </label>
          <p className={classes(unstyled, 'ia-batch-summarizer__count')} aria-live="polite">
            {(fileText ? fileText.articles.length === 0 : pasted.unreadable) ? labels.unreadable : articles.length > 0 ? labels.articleCount(articles.length) : ''}
          </p>
        </div>
        <fieldset className={classes(unstyled, 'ia-batch-summarizer__options', classNames.options)} disabled={running}>
          <SegmentedControl<SummaryLength> label={labels.length} value={length} onValueChange={setLength} options={LENGTHS.map((value) => ({ value, label: labels.lengths[value] }))} unstyled={unstyled} />
          <SegmentedControl<SummaryStyle> label={labels.style} value={style} onValueChange={setStyle} options={STYLES.map((value) => ({ value, label: labels.styles[value] }))} unstyled={unstyled} />
          <label className={classes(unstyled, 'ia-batch-summarizer__language')}>
            {labels.language}
            <input value={language} size={6} maxLength={35} onChange={(event) => setLanguage(event.target.value)} />
          </label>
          <label className={classes(unstyled, 'ia-batch-summarizer__check')}>
            <input type="checkbox" checked={keyPoints} onChange={(event) => setKeyPoints(event.target.checked)} />
            {labels.keyPoints}
          </label>
          <label className={classes(unstyled, 'ia-batch-summarizer__check')}>
            <input type="checkbox" checked={sentiment} onChange={(event) => setSentiment(event.target.checked)} />
            {labels.sentiment}
          </label>
        </fieldset>
        <div className={classes(unstyled, 'ia-batch-summarizer__actions', classNames.actions)}>
          <button type="submit" className={classes(unstyled, 'ia-batch-summarizer__button ia-batch-summarizer__button--primary')} disabled={articles.length === 0 || running || status === 'submitted'}>
            {labels.summarize}
          </button>
          {running ? (
            <button type="button" className={classes(unstyled, 'ia-batch-summarizer__button')} onClick={() => void cancel()}>
              {labels.cancel}
            </button>
          ) : null}
          {job && items.length > 0 ? (
            <>
              <button type="button" className={classes(unstyled, 'ia-batch-summarizer__button')} onClick={() => save(`summaries-${job.id}.json`, 'application/json', JSON.stringify(items.map(exported), null, 2))}>
                {labels.exportJson}
              </button>
              <button type="button" className={classes(unstyled, 'ia-batch-summarizer__button')} onClick={() => save(`summaries-${job.id}.csv`, 'text/csv', summariesToCsv(items))}>
                {labels.exportCsv}
              </button>
            </>
          ) : null}
        </div>
      </form>
      {error ? (
        <p role="alert" className={classes(unstyled, 'ia-batch-summarizer__error')}>
          {error.userMessage}
        </p>
      ) : null}
      {job ? (
        <div className={classes(unstyled, 'ia-batch-summarizer__progress', classNames.progress)} data-status={job.status}>
          <div role="progressbar" aria-label={labels.progress} aria-valuemin={0} aria-valuemax={job.progress.total} aria-valuenow={finished} aria-valuetext={labels.progressText(job.progress.done, job.progress.failed, job.progress.total, job.costUsd)} className={classes(unstyled, 'ia-batch-summarizer__bar')}>
            <div className={classes(unstyled, 'ia-batch-summarizer__fill')} style={{ width: `${job.progress.total ? (100 * finished) / job.progress.total : 0}%` }} />
          </div>
          <p aria-live="polite">
            <span className={classes(unstyled, 'ia-batch-summarizer__status')}>{labels.statuses[job.status]}</span> {labels.progressText(job.progress.done, job.progress.failed, job.progress.total, job.costUsd)}
            {job.status === 'paused' && job.statusReason ? ` — ${job.statusReason}` : ''}
          </p>
        </div>
      ) : null}
      {items.length > 0 ? (
        <ol aria-label={labels.results} className={classes(unstyled, 'ia-batch-summarizer__results', classNames.results)}>
          {items.map((item) => (
            <SummaryResult key={item.index} item={item} article={articleOf(item, articles)} labels={labels} className={classes(unstyled, 'ia-batch-summarizer__result', classNames.result)} unstyled={unstyled} />
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function SummaryResult({ item, article, labels, className, unstyled }: { item: JobItem; article: ArticleInput | undefined; labels: BatchSummarizerLabels; className: string | undefined; unstyled: boolean | undefined }): ReactNode {
  const result = item.result as ArticleSummary | null;
  return (
    <li className={className} data-status={item.status}>
      <h3>{article?.title ?? article?.id ?? String(item.index + 1)}</h3>
      {result ? (
        <>
          <p className={classes(unstyled, 'ia-batch-summarizer__summary')}>{result.summary}</p>
          {result.key_points?.length ? (
            <>
              <h4>{labels.keyPointsHeading}</h4>
              <ul>
                {result.key_points.map((point, index) => (
                  <li key={index}>{point}</li>
                ))}
              </ul>
            </>
          ) : null}
          {result.sentiment ? (
            <p className={classes(unstyled, 'ia-batch-summarizer__sentiment')} data-sentiment={result.sentiment.label}>
              {labels.sentimentOf(result.sentiment.label, result.sentiment.score)}
            </p>
          ) : null}
        </>
      ) : item.error ? (
        <p className={classes(unstyled, 'ia-batch-summarizer__failure')}>{labels.failed(item.error.message ?? item.error.code)}</p>
      ) : (
        <p className={classes(unstyled, 'ia-batch-summarizer__waiting')}>{labels.waiting}</p>
      )}
    </li>
  );
}

/** The article an item summarized: the job's order is the order the articles were sent in. */
function articleOf(item: JobItem, articles: readonly ArticleInput[]): ArticleInput | undefined {
  const id = (item.result as { id?: string } | null)?.id;
  return (id ? articles.find((article) => article.id === id) : undefined) ?? articles[item.index];
}

const exported = (item: JobItem) => ({ index: item.index, status: item.status, ...(item.result ? { result: item.result } : {}), ...(item.error ? { error: item.error } : {}), model: item.model, costUsd: item.costUsd });
