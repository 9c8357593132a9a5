import type { SummaryLength, SummaryStyle } from '../../core/jobs-client.js';

/** Every string a BatchSummarizer shows; pass any of them in `labels` to translate or reword it. */
export interface BatchSummarizerLabels {
  articles: string;
  articlesPlaceholder: string;
  /** Under the text: which formats are read. */
  articlesHint: string;
  upload: string;
  /** "3 articles ready". */
  articleCount(count: number): string;
  /** A paste or file that could not be read. */
  unreadable: string;
  length: string;
  lengths: Record<SummaryLength, string>;
  style: string;
  styles: Record<SummaryStyle, string>;
  language: string;
  keyPoints: string;
  sentiment: string;
  summarize: string;
  cancel: string;
  exportJson: string;
  exportCsv: string;
  /** The progress bar's name. */
  progress: string;
  /** "7 of 10 done, 1 failed · $0.0021 so far". */
  progressText(done: number, failed: number, total: number, costUsd: number): string;
  statuses: { queued: string; running: string; paused: string; completed: string; cancelled: string };
  results: string;
  keyPointsHeading: string;
  sentimentOf(label: string, score: number): string;
  /** An article that failed: "Failed: …". */
  failed(message: string): string;
  waiting: string;
}

export const defaultBatchSummarizerLabels: BatchSummarizerLabels = {
  articles: 'Articles',
  articlesPlaceholder: 'Paste articles: separate them with a line of ---, or paste JSON, CSV or Markdown (one # heading per article)',
  articlesHint: 'Text, Markdown, CSV (a content column) or JSON',
  upload: 'Upload a file',
  articleCount: (count) => (count === 1 ? '1 article ready' : `${count} articles ready`),
  unreadable: 'These articles could not be read.',
  length: 'Length',
  lengths: { short: 'Short', medium: 'Medium', long: 'Long' },
  style: 'Style',
  styles: { bullet_points: 'Bullets', paragraph: 'Paragraph', structured: 'Structured' },
  language: 'Language',
  keyPoints: 'Key points',
  sentiment: 'Sentiment',
  summarize: 'Summarize',
  cancel: 'Cancel',
  exportJson: 'Export JSON',
  exportCsv: 'Export CSV',
  progress: 'Summarizing',
  progressText: (done, failed, total, costUsd) => `${done} of ${total} done${failed > 0 ? `, ${failed} failed` : ''} · $${costUsd.toFixed(4)} so far`,
  statuses: { queued: 'Queued', running: 'Running', paused: 'Paused', completed: 'Completed', cancelled: 'Cancelled' },
  results: 'Summaries',
  keyPointsHeading: 'Key points',
  sentimentOf: (label, score) => `${label[0]?.toUpperCase() ?? ''}${label.slice(1)} (${score.toFixed(2)})`,
  failed: (message) => `Failed: ${message}`,
  waiting: 'Waiting…',
};
