import type { GatewayError } from '../errors.js';
import { usageFigures } from '../upstream/usage-figures.js';
import type { StreamFormat, UpstreamChunk } from './stream-proxy.js';

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/** True when a chunk carries nothing for the client: OpenRouter's form-A usage chunk once its usage is taken. */
function isEmptyChunk(chunk: UpstreamChunk): boolean {
  const choices = chunk.choices ?? [];
  return choices.every((choice) => {
    if (choice.finish_reason) return false;
    const delta = choice.delta ?? {};
    return Object.entries(delta).every(([key, value]) => key === 'role' || value === '' || value === null || value === undefined);
  });
}

/** Its two forms, made once: a format holds no state, and every open stream would otherwise hold one of its own. */
const OPENAI_WITH_USAGE = makeOpenAIStreamFormat(true);
const OPENAI_WITHOUT_USAGE = makeOpenAIStreamFormat(false);

/**
 * OpenAI's chunk stream: chunks as OpenRouter sent them minus `usage` (real model and provider included), a
 * final `choices: []` usage chunk only when the client asked with `stream_options.include_usage`, then `[DONE]`.
 */
export function openAIStreamFormat(includeUsage: boolean): StreamFormat {
  return includeUsage ? OPENAI_WITH_USAGE : OPENAI_WITHOUT_USAGE;
}

function makeOpenAIStreamFormat(includeUsage: boolean): StreamFormat {
  return {
    chunk(chunk, raw) {
      if (isEmptyChunk(chunk)) return undefined;
      // Already OpenAI's chunk shape: forwarded as it came, without serializing it again.
      if (chunk.usage === undefined) return raw.includes('\n') ? event(chunk) : `data: ${raw}\n\n`;
      const { usage: _usage, ...rest } = chunk;
      return event(rest);
    },
    plain: (raw) => `data: ${raw}\n\n`,
    plainAsSent: true,
    error: (error: GatewayError) => {
      const body = error.toBody();
      // A client can count down before trying again, as the Retry-After header would have told it.
      return event(error.retryAfterWholeSeconds === undefined ? body : { error: { ...body.error, retry_after: error.retryAfterWholeSeconds } });
    },
    end(summary) {
      const usage = includeUsage && summary.usage
        ? event({ id: summary.id, object: 'chat.completion.chunk', created: summary.created, model: summary.model, provider: summary.provider, choices: [], usage: summary.usage })
        : '';
      return `${usage}data: [DONE]\n\n`;
    },
  };
}

/** InsForge's stream (seed 000): `{chunk}` per piece of text, then `{done, tokenUsage}`; errors as `{error}`. */
export function insforgeStreamFormat(): StreamFormat {
  return {
    chunk(chunk) {
      const content = chunk.choices?.[0]?.delta?.['content'];
      return typeof content === 'string' && content !== '' ? event({ chunk: content }) : undefined;
    },
    error: (error: GatewayError) =>
      event({ error: true, code: error.code, message: error.message, ...(error.retryAfterWholeSeconds === undefined ? {} : { retryAfter: error.retryAfterWholeSeconds }), ...(error.options.metadata ? { metadata: error.options.metadata } : {}) }),
    end(summary) {
      const figures = usageFigures(summary.usage);
      return event({
        done: true,
        model: summary.model,
        tokenUsage: { promptTokens: figures.promptTokens, completionTokens: figures.completionTokens, totalTokens: figures.promptTokens + figures.completionTokens },
      });
    },
  };
}
