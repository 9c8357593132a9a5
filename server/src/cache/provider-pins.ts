import type { CacheStore } from './cache-store.js';
import type { GatewayLogger } from '../logger.js';
import type { ForwardStage, MeteredRequest } from '../gateway/metered-request.js';
import { isRecord } from '../records.js';

/**
 * Models whose providers sign their reasoning (Claude, Gemini): a tool continuation must reach the provider that
 * made the calls, or it is refused ("Corrupted thought signature", "Invalid `signature`").
 */
const SIGNING_FAMILIES = ['anthropic/', 'google/gemini'];
/** How long a tool call's provider is remembered (a tool loop's turns are minutes apart at most). */
const PIN_TTL_MS = 60 * 60_000;

/** The ids of the tool calls of the last assistant message: the turn a continuation answers. */
function continuedCallIds(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message: unknown = messages[index];
    if (!isRecord(message) || message['role'] !== 'assistant') continue;
    const calls = Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
    return calls.filter(isRecord).map((call) => call['id']).filter((id): id is string => typeof id === 'string');
  }
  return [];
}

/**
 * The lifecycle's provider-pin stage: remembers which provider answered with tool calls (in the gateway's shared
 * cache store, so every instance knows), and sends a continuation of those calls to that provider only
 * (`provider: { order: [it], allow_fallbacks: false }`) unless the client chose providers itself — for the model
 * families whose providers refuse each other's signed reasoning.
 */
export class ProviderPins {
  constructor(private readonly options: { store: CacheStore; logger: GatewayLogger }) {}

  stage(): ForwardStage {
    return { name: 'provider-pin', run: async (meter, plan, _res, route) => {
      const outgoing = route.exchange?.outgoing(plan);
      if (outgoing?.kind !== 'chat' || !outgoing.models.some((model) => SIGNING_FAMILIES.some((family) => model.startsWith(family)))) return undefined;
      const scope = `pin:${meter.identity.projectId}:`;
      if (outgoing.body['provider'] === undefined) {
        for (const id of continuedCallIds(outgoing.body['messages'])) {
          const provider = await this.#read(`${scope}${id}`);
          if (provider === undefined) continue;
          outgoing.body['provider'] = { order: [provider], allow_fallbacks: false };
          break;
        }
      }
      this.#remember(meter, scope);
      return undefined;
    } };
  }

  async #read(key: string): Promise<string | undefined> {
    try {
      return await this.options.store.get(key);
    } catch (error) {
      // Without the store the continuation goes unpinned, as it would without this stage.
      this.options.logger.warn('provider pin unavailable', { error });
      return undefined;
    }
  }

  /** Watches the answer for tool calls and the provider that made them; stores the pair once the answer is whole. */
  #remember(meter: MeteredRequest, scope: string): void {
    const calls = new Set<string>();
    let provider: string | undefined;
    const collect = (toolCalls: unknown) => {
      for (const call of Array.isArray(toolCalls) ? toolCalls.filter(isRecord) : []) if (typeof call['id'] === 'string' && call['id'] !== '') calls.add(call['id']);
    };
    meter.answerTaps.push({
      // The provider comes with the first chunk (always parsed) and tool calls never in a plain piece of text.
      skipsPlainText: true,
      chunk(chunk) {
        provider ??= typeof chunk.provider === 'string' ? chunk.provider : undefined;
        const delta = (chunk.choices?.[0] as { delta?: { tool_calls?: unknown } } | undefined)?.delta;
        collect(delta?.tool_calls);
      },
      body(body) {
        provider = typeof body['provider'] === 'string' ? body['provider'] : provider;
        const choices = Array.isArray(body['choices']) ? body['choices'] : [];
        collect((choices[0] as { message?: { tool_calls?: unknown } } | undefined)?.message?.tool_calls);
      },
      finished: (result) => {
        if (result.status !== 'ok' || provider === undefined || calls.size === 0) return;
        for (const id of calls) {
          this.options.store.set(`${scope}${id}`, provider, PIN_TTL_MS).catch((error: unknown) => this.options.logger.warn('provider pin not stored', { error }));
        }
      },
    });
  }
}
