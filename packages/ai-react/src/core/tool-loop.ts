import type { StoreApi } from 'zustand/vanilla';
import { shownAnswer, type AssistantMessage, type AssistantTurn, type ConversationMessage } from './chat-messages.js';
import type { ToolDefinition } from './chat-types.js';
import { replaceAnswer, type ConversationState } from './conversation-store.js';
import type { ChatTools, MessageToolPart } from './message-parts.js';
import { executeToolCall, stepAnswered, toolDefinitions, triageToolCalls, updateToolCall } from './tool-calls.js';

// The client tool loop of a chat controller, loaded only by chats that offer tools (or answer a tool call), so a
// chat without tools does not carry it.

/** What the loop needs of its controller. */
export interface ToolLoopHost {
  tools: ChatTools;
  maxSteps: number;
  store: StoreApi<ConversationState>;
  persist(): void;
  /** Streams the next model call of the answer of the turn at `turnIndex` (its pending answer is in `messages`). */
  respond(messages: readonly ConversationMessage[], turnIndex: number): Promise<void>;
}

export interface ToolLoop {
  /** The request's `tools`; throws, naming the tool, when one's parameters are not a schema. */
  definitions(): ToolDefinition[];
  /** After a model call that finished: errors for bad calls, approvals asked, the rest run, then the next step. */
  advance(turnId: string): Promise<void>;
  respondToApproval(toolCallId: string, approved: boolean, reason?: string): Promise<void>;
  addToolOutput(toolCallId: string, result: { output: unknown } | { errorText: string }): Promise<void>;
  /** Aborts the tools running, if any: their calls fail as stopped, and the answer is stopped. */
  stop(): void;
}

/**
 * The tool loop over a controller's store: runs the calls of each step (after approval where a tool asks for it),
 * writes their results, and asks the model again until it answers, up to `maxSteps` model calls.
 *
 * @example
 * const loop = createToolLoop({ tools, maxSteps: 5, store, persist, respond });
 * await loop.advance(turnId);
 */
export function createToolLoop(host: ToolLoopHost): ToolLoop {
  const { tools, maxSteps, store, persist, respond } = host;
  /** Client tools running for an answer: Stop aborts them. */
  let running: { abort: AbortController; turnId: string } | undefined;

  const answerOf = (turnId: string): AssistantMessage | undefined => {
    const turn = store.getState().messages.find((message): message is AssistantTurn => message.role === 'assistant' && message.id === turnId);
    return turn ? shownAnswer(turn) : undefined;
  };
  const setAnswer = (turnId: string, answer: AssistantMessage) => store.setState({ messages: replaceAnswer(store.getState().messages, turnId, answer) });

  /** The turn and answer holding a tool call, searched from the latest turn. */
  const findToolCall = (toolCallId: string) => {
    const messages = store.getState().messages;
    for (let index = messages.length - 1; index >= 0; index -= 1) {
      const turn = messages[index];
      if (turn?.role !== 'assistant') continue;
      const answer = shownAnswer(turn);
      const call = answer.parts.find((part): part is MessageToolPart => part.type === 'tool-call' && part.toolCallId === toolCallId);
      if (call) return { turnId: turn.id, answer, call };
    }
    throw new RangeError(`No tool call "${toolCallId}" in this conversation.`);
  };

  /** Runs the given calls of a turn's answer and writes their results; false when Stop came first. */
  const runTools = async (turnId: string, calls: readonly MessageToolPart[]): Promise<boolean> => {
    if (calls.length === 0) return true;
    const abort = new AbortController();
    running = { abort, turnId };
    store.setState({ status: 'submitted' });
    const results = Promise.all(calls.map(async (call) => [call.toolCallId, await executeToolCall(tools[call.name], call, abort.signal)] as const));
    // Stop settles the run at once, even when a tool ignores its signal and never settles.
    const stopped = new Promise<undefined>((resolve) => abort.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    const changes = await Promise.race([results, stopped]);
    if (!changes || running?.abort !== abort) return false;
    running = undefined;
    const answer = answerOf(turnId);
    if (!answer) return false;
    setAnswer(turnId, { ...answer, parts: changes.reduce((parts, [id, change]) => updateToolCall(parts, id, change), answer.parts) });
    return true;
  };

  /** Once every tool call of the latest step has a result, asks the model again in a new step of the same answer. */
  const continueWhenAnswered = async (turnId: string): Promise<void> => {
    const answer = answerOf(turnId);
    const answered = answer !== undefined && stepAnswered(answer.parts);
    const steps = (answer?.parts.filter((part) => part.type === 'step-start').length ?? 0) + 1;
    if (!answer || !answered || steps >= maxSteps) {
      // Every result is in but the loop may not ask again: say so on the answer, rather than end it silently.
      if (answer && answered) setAnswer(turnId, { ...answer, stepLimitReached: true });
      store.setState({ status: 'ready' });
      persist();
      return;
    }
    const { finishReason: _finished, ...rest } = answer;
    const next: AssistantMessage = { ...rest, status: 'pending', parts: [...answer.parts, { type: 'step-start' }] };
    const messages = replaceAnswer(store.getState().messages, turnId, next);
    await respond(messages, messages.findIndex((message) => message.id === turnId));
  };

  return {
    definitions: () => toolDefinitions(tools),
    async advance(turnId) {
      const answer = answerOf(turnId);
      if (answer?.status !== 'done') return;
      const { parts, ready } = triageToolCalls(answer.parts, tools);
      if (parts !== answer.parts) setAnswer(turnId, { ...answer, parts });
      if (await runTools(turnId, ready.filter((call) => tools[call.name]?.execute))) await continueWhenAnswered(turnId);
    },
    async respondToApproval(toolCallId, approved, reason) {
      const { turnId, answer, call } = findToolCall(toolCallId);
      if (call.state !== 'awaiting-approval') return;
      if (!approved) {
        setAnswer(turnId, { ...answer, parts: updateToolCall(answer.parts, toolCallId, { state: 'denied', ...(reason ? { errorText: reason } : {}) }) });
        return continueWhenAnswered(turnId);
      }
      const approvedCall: MessageToolPart = { ...call, state: 'input-available' };
      setAnswer(turnId, { ...answer, parts: updateToolCall(answer.parts, toolCallId, { state: 'input-available' }) });
      // A tool without `execute` waits for addToolOutput once approved.
      if (await runTools(turnId, Object.hasOwn(tools, call.name) && tools[call.name]?.execute ? [approvedCall] : [])) await continueWhenAnswered(turnId);
    },
    async addToolOutput(toolCallId, result) {
      const { turnId, answer, call } = findToolCall(toolCallId);
      if (call.state !== 'input-available' && call.state !== 'awaiting-approval') return;
      const change: Partial<MessageToolPart> = 'errorText' in result ? { state: 'output-error', errorText: result.errorText } : { state: 'output-available', output: result.output ?? null };
      setAnswer(turnId, { ...answer, parts: updateToolCall(answer.parts, toolCallId, change) });
      await continueWhenAnswered(turnId);
    },
    stop() {
      const current = running;
      if (!current) return;
      running = undefined;
      current.abort.abort();
      const answer = answerOf(current.turnId);
      if (answer) {
        const parts = answer.parts.map((part) => (part.type === 'tool-call' && part.state === 'input-available' && !part.server ? { ...part, state: 'output-error' as const, errorText: 'Stopped by the user.' } : part));
        setAnswer(current.turnId, { ...answer, parts, status: 'stopped' });
      }
      store.setState({ status: 'ready' });
      persist();
    },
  };
}
