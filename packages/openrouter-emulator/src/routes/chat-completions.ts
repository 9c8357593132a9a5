import type { IncomingMessage, ServerResponse } from 'node:http';
import { pricesFor } from '../catalog/catalog.js';
import { providerPricing } from '../catalog/providers.js';
import { planChat, providerFor, resolveChatModel, type ChatPlan } from '../chat/plan.js';
import { respondJson } from '../chat/respond-json.js';
import { streamChat } from '../chat/stream.js';
import { validateChatRequest } from '../chat/validate.js';
import { attributionHeaders, authenticateInference, matchText, resolveScenario, type EmulatorContext } from '../context.js';
import { countPromptTokens } from '../content/tokens.js';
import { checkCredit, faultError, moderationError, sendMalformed } from '../faults.js';
import { generationId, type GenerationProbe } from '../generations.js';
import type { KeyAccount } from '../keys.js';
import { readJsonBody, sleep } from '../http.js';
import { splitModelScenario, type Scenario } from '../scenario.js';

const DEFAULT_MODEL = 'openai/gpt-4o-mini';
/** Failures after which OpenRouter tries the next of the `models`. */
const FALLS_BACK = new Set([408, 429, 500, 502, 503, 524, 529]);

/** How a chat's planned answer is written: chat's completion and chunks, or the Responses API's object and events. */
export interface ChatAnswerFormat {
  json(context: EmulatorContext, res: ServerResponse, plan: ChatPlan, probe: GenerationProbe, scenario: Scenario): Promise<void>;
  stream(context: EmulatorContext, res: ServerResponse, plan: ChatPlan, probe: GenerationProbe, scenario: Scenario): Promise<void>;
}

const CHAT_FORMAT: ChatAnswerFormat = { json: respondJson, stream: (context, res, plan, probe, scenario) => streamChat(context, res, plan, probe, scenario) };

/** `POST /api/v1/chat/completions`: JSON or SSE, at the pace and with the faults the scenario asks for. */
export async function handleChatCompletions(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const account = authenticateInference(context, req);
  const body = await readJsonBody(req);
  validateChatRequest(body);
  await serveChat(context, req, res, account, body, CHAT_FORMAT);
}

/**
 * Serves a chat request already read and checked: its scenario (fallbacks among `models` included), its faults before
 * the answer, the credit check, the plan, and the answer in `format`, billed to the key once it ends. `sent` is the
 * body as the client sent it, which the generation's probe keeps (a Responses request, read as `body`).
 */
export async function serveChat(context: EmulatorContext, req: IncomingMessage, res: ServerResponse, account: KeyAccount, body: Record<string, unknown>, format: ChatAnswerFormat, sent = body): Promise<void> {
  const fallbacks = Array.isArray(body['models']) ? (body['models'] as string[]) : [];
  const rawModel = typeof body['model'] === 'string' ? body['model'] : (fallbacks[0] ?? DEFAULT_MODEL);
  const rawCandidates = [rawModel, ...fallbacks.filter((model) => model !== rawModel)];
  // OpenRouter tries the `models` in order when one fails (down, rate limited, timed out): a model whose scenario
  // fails that way hands over to the next; the last one's answer, or failure, is the request's.
  let start = 0;
  let resolved = resolveScenario(context, req, 'chat', body, rawModel, account);
  while (start < rawCandidates.length - 1 && resolved.scenario.failStatus !== undefined && FALLS_BACK.has(resolved.scenario.failStatus)) {
    start += 1;
    resolved = resolveScenario(context, req, 'chat', body, rawCandidates[start] as string, account);
  }
  const { model: requested, scenario } = resolved;
  const candidates = [requested, ...rawCandidates.slice(start + 1).map((model) => splitModelScenario(model).model)];
  const wantsImage = Array.isArray(body['modalities']) && body['modalities'].includes('image');
  const model = resolveChatModel(context.catalog, candidates, wantsImage);
  const provider = providerFor(body, model, scenario);

  if (scenario.stallMs && scenario.stallAfter === undefined) await sleep(scenario.stallMs);
  // A 403 on a chat is OpenRouter's moderation refusal, quoting the flagged message.
  if (scenario.moderation || scenario.failStatus === 403) throw moderationError(model.id, provider, matchText('chat', body));
  if (scenario.failStatus) throw faultError(scenario.failStatus, model.id, provider, scenario.retryAfterSeconds, scenario);
  if (body['stream'] !== true && sendMalformed(res, scenario)) return;

  const promptTokens = countPromptTokens(body['messages'] as unknown[], body['tools'], scenario.tokenizer);
  const maxTokens = (body['max_completion_tokens'] ?? body['max_tokens'] ?? model.top_provider.max_completion_tokens ?? Math.max(1, (model.context_length ?? 4096) - promptTokens)) as number;
  checkCredit(context.keys, account, pricesFor(providerPricing(model, provider), promptTokens), promptTokens, maxTokens);

  const id = generationId();
  const plan = planChat(context, body, model, scenario, id);
  const streamed = body['stream'] === true;
  const probe = context.generations.start({
    id,
    kind: 'chat',
    requestedModel: requested,
    model: model.id,
    provider: plan.provider.name,
    keyLabel: account.label,
    streamed,
    request: sent,
    headers: attributionHeaders(req),
    scenario: { ...scenario },
    promptTokens: plan.promptTokens,
    plannedTokens: plan.completionTokens,
    user: typeof body['user'] === 'string' ? body['user'] : null,
  });
  const charge = () => {
    if (probe.billed) context.keys.charge(account, probe.billed.cost);
  };
  try {
    if (streamed) await format.stream(context, res, plan, probe, scenario);
    else await format.json(context, res, plan, probe, scenario);
  } finally {
    charge();
  }
}
