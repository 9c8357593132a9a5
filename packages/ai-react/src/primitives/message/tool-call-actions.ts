import type { ComponentType } from 'react';
import type { MessageSourcePart, MessageToolPart } from '../../core/message-parts.js';
import type { ChatRuntime } from '../../react/use-chat-runtime.js';

/** What a tool component gets: the call, the actions that answer it, and the sources a server tool found. */
export interface ToolCallViewProps {
  part: MessageToolPart;
  /** Runs a call that waits for the user's approval. */
  approve(): void;
  /** Refuses it; the model reads `reason` (or that the user denied the call). */
  deny(reason?: string): void;
  /** Answers a call the app handles itself (a tool without `execute`): its result, or an error the model reads. */
  addToolOutput(result: { output: unknown } | { errorText: string }): void;
  /** The answer's sources, for a server tool that searched the web. */
  sources?: readonly MessageSourcePart[] | undefined;
}

/** Tool components by tool name: `{ get_weather: WeatherCard }`; other tools get the default card. */
export type ToolComponents = Record<string, ComponentType<ToolCallViewProps>>;

/**
 * The actions of one call, bound to the chat.
 *
 * @example
 * <WeatherCard part={part} {...toolCallActions(chat, part.toolCallId)} />
 */
export function toolCallActions(chat: Pick<ChatRuntime, 'respondToApproval' | 'addToolOutput'>, toolCallId: string): Pick<ToolCallViewProps, 'approve' | 'deny' | 'addToolOutput'> {
  return {
    approve: () => void chat.respondToApproval(toolCallId, true),
    deny: (reason) => void chat.respondToApproval(toolCallId, false, reason),
    addToolOutput: (result) => void chat.addToolOutput(toolCallId, result),
  };
}
