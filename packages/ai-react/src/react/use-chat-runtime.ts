'use client';
import { useMemo } from 'react';
import { createChatController, type ChatController } from '../core/chat-controller.js';
import type { ChatTool, ChatTools, ToolExecutionContext } from '../core/message-parts.js';
import type { ConversationStorage } from '../core/storage/conversation-storage.js';
import { scopedStorage } from '../core/storage/scoped-storage.js';
import { useAiContext } from './ai-provider.js';
import type { UseChatOptions } from './use-chat.js';
import { useInstance } from './use-instance.js';
import { useLatest } from './use-latest.js';

/** What chat primitives read: the conversation store and the chat's actions (stable for the chat's lifetime). */
export type ChatRuntime = Pick<ChatController, 'store' | 'send' | 'stop' | 'regenerate' | 'edit' | 'clear' | 'selectVersion' | 'respondToApproval' | 'addToolOutput'>;

const asksApproval = (rule: ChatTool['needsApproval'], input: unknown): boolean => (typeof rule === 'function' ? rule(input as never) : rule === true);

/**
 * The tools as the chat was created with them, each calling the latest render's `execute` and `needsApproval`: a
 * tool's closure may read props and state that changed since.
 */
function latestTools(tools: ChatTools, current: () => ChatTools | undefined): ChatTools {
  return Object.fromEntries(
    Object.entries(tools).map(([name, tool]) => {
      const latest = () => current()?.[name] ?? tool;
      const { execute, needsApproval } = tool;
      return [
        name,
        {
          ...tool,
          ...(execute ? { execute: (input: unknown, context: ToolExecutionContext) => (latest().execute ?? execute)(input as never, context) } : {}),
          ...(typeof needsApproval === 'function' ? { needsApproval: (input: unknown) => asksApproval(latest().needsApproval ?? needsApproval, input) } : {}),
        },
      ];
    }),
  );
}

/** The provider's storage, or the part of it that belongs to `identity`. */
export function useScopedStorage(storage: ConversationStorage, identity: string | undefined): ConversationStorage {
  return useMemo(() => (identity === undefined ? storage : scopedStorage(storage, identity)), [storage, identity]);
}

/**
 * A chat for primitives (`Thread.Root chat={…}`): the same chat as `useChat`, without subscribing the calling
 * component to its state, so the component that creates it never renders while an answer streams. Parts read
 * what they need with selectors.
 *
 * @example
 * const chat = useChatRuntime({ feature: 'support' });
 * <Thread.Root chat={chat}>…</Thread.Root>
 */
export function useChatRuntime(options: UseChatOptions = {}, hook = 'useChatRuntime'): ChatController {
  const { client, storage: shared, defaults } = useAiContext(hook);
  const storage = useScopedStorage(shared, options.identity);
  const feature = options.feature ?? defaults.feature ?? 'chat';
  const { conversationId } = options;
  const latest = useLatest(options);
  return useInstance(
    [client, storage, feature, conversationId],
    () =>
      createChatController({
        client,
        storage,
        feature,
        ...(conversationId === undefined ? {} : { conversationId }),
        // Read from this render's options: a chat created for a new conversation takes the options given with it.
        ...(options.initialMessages ? { initialMessages: options.initialMessages } : {}),
        // Read at each request: new params (a toggle, a setting) apply to the next answer without a new chat.
        params: () => {
          const { params } = latest.current;
          return typeof params === 'function' ? params() : params;
        },
        ...(options.tools ? { tools: latestTools(options.tools, () => latest.current.tools) } : {}),
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        onFinish: (answer) => latest.current.onFinish?.(answer),
        onError: (error) => latest.current.onError?.(error),
      }),
    (created) => created.dispose(),
  );
}
