import { z } from 'zod';

const tokenArray = z.array(z.number().int().nonnegative()).min(1);

/**
 * OpenAI's embeddings request. A field not named here is refused with a 400 naming it rather than dropped: OpenRouter's
 * `provider` or `input_type`, ignored, would embed the text elsewhere or otherwise than the client asked.
 */
export const embeddingsRequestSchema = z.strictObject({
  model: z.string().min(1, 'model names an embedding feature (e.g. "embed") or a model id'),
  input: z.union(
    [z.string().min(1), z.array(z.string().min(1)).min(1).max(2048), tokenArray, z.array(tokenArray).min(1).max(2048)],
    { error: 'input must be a non-empty string, up to 2048 strings, a token array or up to 2048 token arrays' },
  ),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().max(256).nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;
