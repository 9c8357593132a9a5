// The public surface of @insforge/ai-react: names are exported one by one as the core and hooks land.

// Core: the client
export { createAiClient } from './core/client.js';
export type { AiClient } from './core/client.js';
export type { AiClientOptions, RequestOptions } from './core/http-transport.js';
export type { AdminApi, ClientKeysApi, FeaturesApi, ProviderKeyApi } from './core/admin-client.js';
export type { ConversationInput, ConversationsApi, RemoteConversation, RemoteConversationSummary, RemoteMessage } from './core/conversations-client.js';
export { AiError, isAiError, readAiError, toAiError } from './core/errors.js';
export type { AiErrorCode, AiErrorContext, AiErrorInfo, AiErrorInit } from './core/errors.js';
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionDelta,
  ChatCompletionMessage,
  ChatCompletionRequest,
  ChatMessageParam,
  ChatRole,
  CompletionUsage,
  ContentPart,
  GeneratedImage,
  ImageGenerationParams,
  ImageGenerationResult,
  ModelEntry,
  ModelListQuery,
  ModelPricing,
  ToolCallDelta,
  ToolDefinition,
} from './core/chat-types.js';
export type {
  AiLimits,
  AuditEntry,
  ClientKey,
  ClientKeyInput,
  ClientOverride,
  CreatedClientKey,
  FeatureConfig,
  FeatureConfigFields,
  FeatureConfigInput,
  FeatureConfigUpdate,
  FeatureConfigVersion,
  FeatureModality,
  FeatureParams,
  FeatureTestRequest,
  FeatureTestResult,
  Page,
  ProviderKeyState,
  UsageFigures,
  UsageSummary,
  UsageSummaryParams,
} from './core/admin-types.js';

// Core: streaming and the message model
export type { ChatStreamEvent, ChatStreamOptions } from './core/chat-stream.js';
export { reduceChatEvent } from './core/chat-reducer.js';
export { createAssistantMessage, restoreMessages, shownAnswer, toRequestMessages } from './core/chat-messages.js';
export type {
  AnswerStatus,
  AnswerTiming,
  AssistantMessage,
  AssistantTurn,
  ConversationMessage,
  ConversationSummary,
  StoredConversation,
  TokenUsage,
  ToolCall,
  UserMessage,
} from './core/chat-messages.js';

// Core: stores and controllers (one per mounted provider or component)
export { createChatController } from './core/chat-controller.js';
export type { ChatController, ChatControllerOptions } from './core/chat-controller.js';
export { createConversationStore } from './core/conversation-store.js';
export type { ChatStatus, ConversationState } from './core/conversation-store.js';
export { createImageStore } from './core/image-store.js';
export type { ImageGeneration, ImageGenerationStatus, ImageState, ImageStoreOptions } from './core/image-store.js';
export { createCatalogStore, selectModels } from './core/catalog-store.js';
export type { CatalogState, CatalogStoreOptions, ModelSort } from './core/catalog-store.js';
export { createSettingsDraftStore } from './core/settings-draft-store.js';
export type { DraftField, FeatureTestState, SettingsDraftState } from './core/settings-draft-store.js';
export { animationFrameScheduler, createFrameBatcher } from './core/frame-scheduler.js';
export type { FrameBatcher, FrameScheduler } from './core/frame-scheduler.js';

// Core: conversation storage
export type { ConversationStorage } from './core/storage/conversation-storage.js';
export { memoryStorage } from './core/storage/conversation-storage.js';
export { localStorageAdapter } from './core/storage/local-storage.js';
export type { LocalStorageAdapterOptions, WebStorage } from './core/storage/local-storage.js';
export { serverStorage } from './core/storage/server-storage.js';

// React bindings: a provider and thin hooks over the core (each file starts with 'use client'; this index does
// not, so server code can import the core from here without becoming a client module).
export { AiProvider, useAiContext } from './react/ai-provider.js';
export type { AiContextValue, AiDefaults, AiProviderProps } from './react/ai-provider.js';
export { useChat } from './react/use-chat.js';
export type { UseChatOptions, UseChatResult } from './react/use-chat.js';
export { useImageGeneration } from './react/use-image-generation.js';
export type { UseImageGenerationOptions, UseImageGenerationResult } from './react/use-image-generation.js';
export { useModels } from './react/use-models.js';
export type { UseModelsOptions, UseModelsResult } from './react/use-models.js';
export { useFeatureSettings } from './react/use-feature-settings.js';
export type { UseFeatureSettingsResult } from './react/use-feature-settings.js';
export { useProviderKey } from './react/use-provider-key.js';
export type { ProviderKeyFacts, UseProviderKeyResult } from './react/use-provider-key.js';
export { useUsage } from './react/use-usage.js';
export type { UseUsageResult } from './react/use-usage.js';
export { useLimits } from './react/use-limits.js';
export type { UseLimitsResult } from './react/use-limits.js';
