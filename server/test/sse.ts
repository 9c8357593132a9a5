/** A whole SSE body split into comments, JSON data events and `[DONE]`, for assertions on what a client saw. */
export function parseSseBody(text: string): { comments: string[]; events: Array<Record<string, unknown>>; done: boolean } {
  const comments: string[] = [];
  const events: Array<Record<string, unknown>> = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line === 'data: [DONE]') done = true;
      else if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
    }
  }
  return { comments, events, done };
}
