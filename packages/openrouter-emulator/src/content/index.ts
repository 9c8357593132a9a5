// The emulator's deterministic content, safe in a browser (no Node built-ins): token counting, seeded randomness,
// the replies it composes and its moderation marker. A fake gateway built on these answers as the emulator does.
export { contentText, countPromptTokens, countTokens, isRecord, splitTokens } from './tokens.js';
export type { Tokenizer } from './tokens.js';
export { createRandom, hashString } from './hash.js';
export { composeReasoning, composeReply, quote, topicsOf } from './reply.js';
export type { ReplyInput } from './reply.js';
export { MODERATION_MARKER } from './moderation.js';
