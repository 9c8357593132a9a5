import { describe, expect, it } from 'vitest';
import { parseArticles, summariesToCsv } from './article-input.js';
import type { JobItem } from './jobs-client.js';

describe('parseArticles', () => {
  it('splits plain text on lines of --- and numbers the articles', () => {
    expect(parseArticles('First story.\n---\nSecond story.\n\n---\n')).toEqual([
      { id: '1', content: 'First story.' },
      { id: '2', content: 'Second story.' },
    ]);
  });

  it('reads Markdown with one article per # heading, the heading as its title', () => {
    expect(parseArticles('# Park opens\nThe council approved it.\n\n# Storm\nThe harbour closed.\n## Detail\nFor two days.')).toEqual([
      { id: '1', title: 'Park opens', content: 'The council approved it.' },
      { id: '2', title: 'Storm', content: 'The harbour closed.\n## Detail\nFor two days.' },
    ]);
  });

  it('reads CSV with quoted fields holding commas, quotes and line breaks', () => {
    const csv = 'id,title,content,source\r\na1,"Park, new","The council said ""yes"".\nIt opens in May.",Daily\r\n,,Second article,\r\n';
    expect(parseArticles(csv, 'news.csv')).toEqual([
      { id: 'a1', title: 'Park, new', content: 'The council said "yes".\nIt opens in May.', source: 'Daily' },
      { id: '2', content: 'Second article' },
    ]);
  });

  it('reads JSON arrays of articles or strings, and { articles: [...] }', () => {
    expect(parseArticles('[{"id": 7, "title": "T", "text": "Body"}, "Just text"]')).toEqual([
      { id: '7', title: 'T', content: 'Body' },
      { id: '2', content: 'Just text' },
    ]);
    expect(parseArticles('{"articles": [{"content": "One"}]}', 'upload.json')).toEqual([{ id: '1', content: 'One' }]);
    expect(() => parseArticles('[{"content": ', 'bad.json')).toThrow(/could not be read/);
  });

  it('takes the format from the file name over the text', () => {
    expect(parseArticles('# not a heading in a text file', 'notes.txt')).toEqual([{ id: '1', content: '# not a heading in a text file' }]);
  });
});

describe('summariesToCsv', () => {
  it('writes one row per article with its summary, key points, sentiment and error, safe for spreadsheets', () => {
    const item = (index: number, extra: Partial<JobItem>): JobItem => ({ index, key: `j:${index}`, status: 'done', result: null, error: null, attempts: 1, model: 'm', promptTokens: 1, completionTokens: 1, costUsd: 0.001, requestId: null, ...extra });
    const csv = summariesToCsv([
      item(0, { result: { id: 'a1', summary: '- First, "quoted"', key_points: ['one', 'two'], sentiment: { label: 'positive', score: 0.4 } } }),
      item(1, { status: 'failed', error: { code: 'worker_lost', message: 'Not retried' }, costUsd: null }),
    ]);
    expect(csv.split('\r\n')).toEqual([
      'index,id,status,summary,key_points,sentiment,sentiment_score,model,cost_usd,error',
      `0,a1,done,"'- First, ""quoted""","one\ntwo",positive,0.4,m,0.001,`,
      '1,,failed,,,,,m,,Not retried',
      '',
    ]);
  });
});
