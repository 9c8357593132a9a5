import { z } from 'zod';
import { GatewayError, renameParam } from '../errors.js';

/** Characters of one article's content the API accepts (about 25,000 tokens). */
export const MAX_ARTICLE_CHARACTERS = 100_000;
/** Articles answered in the request itself; more make a job. */
export const MAX_INLINE_ARTICLES = 3;
/** Articles one job may hold. */
export const MAX_JOB_ITEMS = 1_000;

const SUMMARY_WORDS = { short: 60, medium: 150, long: 300 } as const;

export const articleSchema = z
  .object({
    id: z.string().min(1, 'id must not be empty').max(256),
    title: z.string().max(1_000).optional(),
    content: z
      .string({ error: 'content must be text' })
      .refine((text) => text.trim() !== '', 'content is empty: send the article text to summarize')
      .refine((text) => text.length <= MAX_ARTICLE_CHARACTERS, `content is longer than ${MAX_ARTICLE_CHARACTERS.toLocaleString('en')} characters`),
    url: z.string().max(2_048).optional(),
    source: z.string().max(256).optional(),
  })
  .strict();

export const summarizeOptionsSchema = z
  .object({
    feature: z.string().min(1).max(256).optional(),
    summary_length: z.enum(['short', 'medium', 'long']).default('medium'),
    summary_style: z.enum(['bullet_points', 'paragraph', 'structured']).default('paragraph'),
    language: z.string().min(2).max(35).default('en'),
    include_key_points: z.boolean().default(true),
    include_sentiment: z.boolean().default(true),
  })
  .strict();

export const summarizeRequestSchema = z
  .object({
    articles: z.array(articleSchema).min(1, 'articles must hold at least one article').max(MAX_JOB_ITEMS, `a job holds at most ${MAX_JOB_ITEMS} articles`),
    options: summarizeOptionsSchema.default(() => summarizeOptionsSchema.parse({})),
    /** Make a job even for a few articles. */
    batch: z.boolean().optional(),
  })
  .strict();

export type Article = z.infer<typeof articleSchema>;
export type SummarizeOptions = z.infer<typeof summarizeOptionsSchema>;

/** The feature summaries go through unless the options name another. */
export const DEFAULT_SUMMARIZE_FEATURE = 'summarize';

/** What the model must answer for one article: strict structured output, so every answer parses the same way. */
export function summarySchema(options: SummarizeOptions): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    summary: { type: 'string', description: summaryInstruction(options) },
  };
  const required = ['summary'];
  if (options.include_key_points) {
    properties['key_points'] = { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 8 };
    required.push('key_points');
  }
  if (options.include_sentiment) {
    properties['sentiment'] = {
      type: 'object',
      properties: { label: { type: 'string', enum: ['neutral', 'positive', 'negative'] }, score: { type: 'number', minimum: -1, maximum: 1 } },
      required: ['label', 'score'],
      additionalProperties: false,
    };
    required.push('sentiment');
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function summaryInstruction(options: SummarizeOptions): string {
  const style = { bullet_points: 'as bullet points, one line each starting with "- "', paragraph: 'as one paragraph', structured: 'as short sections: context, what happened, why it matters' }[options.summary_style];
  return `At most ${SUMMARY_WORDS[options.summary_length]} words, ${style}, in the language "${options.language}".`;
}

/**
 * `error` about a summary's chat body in the words of the summarize request: the body's `model` is the request's
 * `options.feature`, and any other field is the article's at `index` (`articles.<index>.<param>`).
 */
export function inSummarizeRequest(error: unknown, index: number): unknown {
  return renameParam(error, (param) => (param === 'model' ? 'options.feature' : `articles.${index}${param ? `.${param}` : ''}`));
}

/** The chat body that summarizes one article through a feature (its system prompt and policy apply as for chat). */
export function summarizeChatBody(article: Article, options: SummarizeOptions): Record<string, unknown> {
  const header = [article.title && `Title: ${article.title}`, article.source && `Source: ${article.source}`, article.url && `URL: ${article.url}`].filter(Boolean).join('\n');
  return {
    model: options.feature ?? DEFAULT_SUMMARIZE_FEATURE,
    messages: [
      { role: 'system', content: `Summarize the article the user sends. ${summaryInstruction(options)}${options.include_key_points ? ' List its key points.' : ''}${options.include_sentiment ? ' Rate its sentiment from -1 (negative) to 1 (positive).' : ''}` },
      { role: 'user', content: `${header ? `${header}\n\n` : ''}${article.content}` },
    ],
    response_format: { type: 'json_schema', json_schema: { name: 'article_summary', strict: true, schema: summarySchema(options) } },
  };
}

export interface ArticleSummary {
  summary: string;
  key_points?: string[];
  sentiment?: { label: 'positive' | 'neutral' | 'negative'; score: number };
}

const summaryAnswer = z.object({
  summary: z.string(),
  key_points: z.array(z.string()).optional(),
  sentiment: z.object({ label: z.enum(['positive', 'neutral', 'negative']), score: z.number().min(-1).max(1) }).optional(),
});

/** Reads a model's structured answer; one that does not match the schema is an upstream error, not a result. */
export function parseSummary(text: string, options: SummarizeOptions): ArticleSummary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError('upstream_error', 'The model did not answer with JSON for the summary.');
  }
  const parsed = summaryAnswer.safeParse(value);
  if (!parsed.success || (options.include_key_points && !parsed.data.key_points) || (options.include_sentiment && !parsed.data.sentiment)) {
    throw new GatewayError('upstream_error', 'The model answered a summary that does not match its schema.');
  }
  const { summary, key_points: keyPoints, sentiment } = parsed.data;
  return { summary, ...(options.include_key_points && keyPoints ? { key_points: keyPoints } : {}), ...(options.include_sentiment && sentiment ? { sentiment } : {}) };
}
