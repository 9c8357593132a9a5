'use client';
// The public surface of @insforge/ai-react: names are exported one by one as the core and hooks land.

// Core: the client
export { createAiClient } from './core/client.js';
export type { AiClient } from './core/client.js';
export type { ImagesApi } from './core/images-client.js';
export type { ModelsApi } from './core/models-client.js';
export type { AiClientOptions, RequestOptions } from './core/http-transport.js';
export type { AdminApi, ClientKeysApi, FeaturesApi, ProviderKeyApi } from './core/admin-client.js';
export type { ConversationInput, ConversationReplacement, ConversationsApi, RemoveRequestOptions, RemoteConversation, RemoteConversationSummary, RemoteMessage } from './core/conversations-client.js';
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
  FileContentPart,
  InputAudioPart,
  UrlCitationAnnotation,
  GeneratedImage,
  ImageGenerationParams,
  ImageGenerationResult,
  ModelEntry,
  ModelListQuery,
  ModelPricing,
  ServerToolUse,
  ToolCallDelta,
  ServerToolDefinition,
  ToolDefinition,
} from './core/chat-types.js';
export type {
  AiLimits,
  AuditEntry,
  CachePurgeResult,
  ClientKey,
  ClientKeyInput,
  ClientOverride,
  CreatedClientKey,
  FeatureCacheSettings,
  FeatureConfig,
  FeatureConfigFields,
  FeatureConfigInput,
  FeatureConfigUpdate,
  FeatureConfigVersion,
  FeatureModality,
  FeatureParams,
  FeatureTestRequest,
  FeatureTestResult,
  GuardrailConfig,
  GuardrailMode,
  GuardrailStage,
  GuardrailType,
  Page,
  PiiKind,
  ProviderKeyState,
  UsageFigures,
  UsageSummary,
  UsageSummaryParams,
} from './core/admin-types.js';

// Core: streaming and the message model
export type { ChatStreamEvent, ChatStreamOptions } from './core/chat-stream.js';
export { reduceChatEvent } from './core/chat-reducer.js';
export { answerParts, createAssistantMessage, cutShortReason, restoreMessages, shownAnswer, userMessageParts } from './core/chat-messages.js';
export { toRequestMessages } from './core/request-messages.js';
export { answerText, foldDelta, settleParts, WEB_SEARCH_TOOL, withServerSearch } from './core/answer-parts.js';
export { jsonSchemaOf, toolDefinitions } from './core/tool-calls.js';
export type {
  AssistantMessagePart,
  AttachmentKind,
  ChatTool,
  ChatTools,
  JsonSchema,
  MessageFilePart,
  MessageImagePart,
  MessagePart,
  MessageReasoningPart,
  MessageSourcePart,
  MessageStepPart,
  MessageTextPart,
  MessageToolPart,
  ReasoningDetail,
  SchemaLike,
  ToolCallState,
  ToolExecutionContext,
  UserMessagePart,
} from './core/message-parts.js';
export { editUserMessage, selectMessageBranch, versionsOf } from './core/message-branches.js';
export type {
  AnswerStatus,
  AnswerTiming,
  AssistantMessage,
  AssistantTurn,
  ConversationMessage,
  ConversationSummary,
  MessageBranch,
  StoredConversation,
  TokenUsage,
  ToolCall,
  UserMessage,
} from './core/chat-messages.js';

// Core: stores and controllers (one per mounted provider or component)
export { createChatController } from './core/chat-controller.js';
export type { ChatController, ChatControllerOptions, ChatParams, SendOptions } from './core/chat-controller.js';
export { createConversationStore } from './core/conversation-store.js';
export type { ChatStatus, ConversationState } from './core/conversation-store.js';
export { createImageStore } from './core/image-store.js';
export type { ImageGeneration, ImageGenerationStatus, ImageState, ImageStoreOptions } from './core/image-store.js';
export { createCatalogStore, selectModels } from './core/catalog-store.js';
export type { CatalogState, CatalogStoreOptions, ModelSort } from './core/catalog-store.js';
export { limitInWords, messageBudgetOf, messageBudgetRequest } from './core/message-budget.js';
export type { MessageBudget, MessageBudgetInput, MessageBudgetStatus } from './core/message-budget.js';
export { createMessageBudgetStore } from './core/message-budget-store.js';
export type { MessageBudgetState, MessageBudgetStore } from './core/message-budget-store.js';
// The wire's shapes, shared with the gateway (@insforge/ai-protocol)
export type { ErrorMetadata, GatewayErrorCode, LimitKind, LimitScope, LimitStatus, LimitsResponse, OpenAIErrorBody } from '@insforge/ai-protocol';
export type { EstimateResponse } from '@insforge/ai-protocol';
export { createQueryCache } from './core/query-cache.js';
export type { QueryCache, QueryCacheOptions, QueryEntry, QueryFetcher, QueryKey, QueryState } from './core/query-cache.js';
export { createSettingsDraftStore } from './core/settings-draft-store.js';
export type { DraftField, FeatureTestState, SettingsDraftState } from './core/settings-draft-store.js';
export { animationFrameScheduler, createFrameBatcher } from './core/frame-scheduler.js';
export type { FrameBatcher, FrameScheduler } from './core/frame-scheduler.js';

// Core: conversation storage
export type { ConversationStorage, SaveOptions } from './core/storage/conversation-storage.js';
export { memoryStorage } from './core/storage/conversation-storage.js';
export { localStorageAdapter } from './core/storage/local-storage.js';
export type { LocalStorageAdapterOptions, WebStorage } from './core/storage/local-storage.js';
export { serverStorage } from './core/storage/server-storage.js';
export { scopedStorage } from './core/storage/scoped-storage.js';

// React bindings: a provider and thin hooks over the core (each file starts with 'use client'; this index does
// not, so server code can import the core from here without becoming a client module).
export { AiProvider, useAiContext } from './react/ai-provider.js';
export type { AiContextValue, AiDefaults, AiProviderProps } from './react/ai-provider.js';
export { useChat } from './react/use-chat.js';
export type { UseChatOptions, UseChatResult } from './react/use-chat.js';
export { useImageGeneration } from './react/use-image-generation.js';
export type { UseImageGenerationOptions, UseImageGenerationResult } from './react/use-image-generation.js';
export { useModels } from './react/use-models.js';
export { useFeatureAccepts } from './react/use-feature-accepts.js';
export { acceptAttribute, acceptedByModel, acceptsAttachments, attachmentKindOf, attachmentRefusal, byteSize, readAttachment } from './core/attachments.js';
export type { AttachmentRefusal } from './core/attachments.js';
export type { UseModelsOptions, UseModelsResult } from './react/use-models.js';
export { useFeatureSettings } from './react/use-feature-settings.js';
export type { UseFeatureSettingsResult } from './react/use-feature-settings.js';
export { useProviderKey } from './react/use-provider-key.js';
export type { ProviderKeyFacts, UseProviderKeyResult } from './react/use-provider-key.js';
export { useUsage } from './react/use-usage.js';
export type { UseUsageResult } from './react/use-usage.js';
export { useLimits } from './react/use-limits.js';
export type { UseLimitsResult } from './react/use-limits.js';
export { useMessageBudget } from './react/use-message-budget.js';
export type { UseMessageBudgetOptions, UseMessageBudgetResult } from './react/use-message-budget.js';

// Components: ModelPicker (a combobox over the catalog, windowed) and the small parts it is made of
export { ModelPicker } from './components/model-picker/model-picker.js';
export type { ModelPickerProps } from './components/model-picker/model-picker.js';
export { ModelCombobox, ModelComboboxFilters, ModelComboboxInput, ModelComboboxList, ModelComboboxPopup, ModelComboboxRoot, ModelComboboxStatus } from './components/model-picker/model-combobox.js';
export type { ModelComboboxProps, ModelComboboxRootProps } from './components/model-picker/model-combobox.js';
export { useModelComboboxContext } from './components/model-picker/model-combobox-state.js';
export type { ModelComboboxOptions, ModelComboboxState } from './components/model-picker/model-combobox-state.js';
export { providerDisplayNameOf, providerIdOf } from './components/model-picker/provider-names.js';
export { ModelFacts, modelFactsOf } from './components/model-picker/model-facts.js';
export type { ModelFactsProps } from './components/model-picker/model-facts.js';
export type { ModelPickerClassNames, ModelPickerSlot } from './components/model-picker/model-option.js';
export type { ModelPickerFilterValues } from './components/model-picker/model-picker-filters.js';
export { defaultModelPickerLabels } from './components/model-picker/model-picker-labels.js';
export type { ModelPickerLabels } from './components/model-picker/model-picker-labels.js';
export { filterModels, groupModelsByProvider, isFreeModel, providersOf, sortModels } from './components/model-picker/model-filters.js';
export type { ModelFilters, ModelGroup, ModelModality, ModelPickerSort } from './components/model-picker/model-filters.js';

// Components: ImageGenerator (prompt, options, progress, gallery, errors, history) and its parts
export { ImageGenerator } from './components/image-generator/image-generator.js';
export type { ImageGeneratorProps } from './components/image-generator/image-generator.js';
export { ImageGeneratorRoot } from './components/image-generator/image-generator-root.js';
export type { ImageGeneratorRootProps } from './components/image-generator/image-generator-root.js';
export { ImageGeneratorForm, ImageGeneratorGenerate, ImageGeneratorOptions, ImageGeneratorPrompt } from './components/image-generator/image-generator-form.js';
export type { ImageGeneratorGenerateProps } from './components/image-generator/image-generator-form.js';
export { ImageGeneratorGallery, ImageGeneratorHistory, ImageGeneratorStatus } from './components/image-generator/image-generator-results.js';
export { useImageGeneratorContext } from './components/image-generator/image-generator-context.js';
export type { ImageGeneratorContextValue, ImageOptions, ImageQuality, ImageStyle } from './components/image-generator/image-generator-context.js';
export { ImageGallery, ImageGalleryItem } from './components/image-generator/image-gallery.js';
export type { ImageGalleryItemProps, ImageGalleryProps } from './components/image-generator/image-gallery.js';
export { ImageLightbox } from './components/image-generator/image-lightbox.js';
export type { ImageLightboxProps } from './components/image-generator/image-lightbox.js';
export { SegmentedControl } from './components/segmented-control/segmented-control.js';
export type { SegmentedControlProps, SegmentedOption } from './components/segmented-control/segmented-control.js';
export { ImageHistory } from './components/image-generator/image-history.js';
export type { ImageHistoryProps } from './components/image-generator/image-history.js';
export { GenerationProgress } from './components/image-generator/generation-progress.js';
export type { GenerationProgressProps } from './components/image-generator/generation-progress.js';
export { GenerationError } from './components/image-generator/generation-error.js';
export type { GenerationErrorProps } from './components/image-generator/generation-error.js';
export { defaultImageGeneratorLabels } from './components/image-generator/image-generator-labels.js';
export type { ImageGeneratorLabels } from './components/image-generator/image-generator-labels.js';
export type { ImageGeneratorClassNames, ImageGeneratorSlot } from './components/image-generator/image-generator-classes.js';
export { copyImage, imageFileName } from './components/image-generator/image-file.js';
export { useElapsedSeconds } from './react/use-elapsed-seconds.js';

// Summaries and batch jobs: the hooks, the client's types, reading articles, and the ready-made BatchSummarizer
export { useJob } from './react/use-job.js';
export type { UseJobOptions, UseJobResult } from './react/use-job.js';
export { useSummarize } from './react/use-summarize.js';
export type { UseSummarizeResult } from './react/use-summarize.js';
export { createJobPoller } from './core/job-poller.js';
export type { JobPoller, JobPollerState } from './core/job-poller.js';
export { createJobsApi, isFinishedJob } from './core/jobs-client.js';
export type { AiJob, ArticleInput, ArticleSummary, CreateJobOptions, InlineSummary, JobItem, JobItemStatus, JobsApi, JobStatus, SentimentLabel, SummarizeOptions, SummarizeResponse, SummaryLength, SummaryStyle } from './core/jobs-client.js';
export { parseArticles, summariesToCsv } from './core/article-input.js';
export type { ArticleFormat } from './core/article-input.js';
export { BatchSummarizer } from './components/batch-summarizer/batch-summarizer.js';
export type { BatchSummarizerProps, BatchSummarizerSlot } from './components/batch-summarizer/batch-summarizer.js';
export { defaultBatchSummarizerLabels } from './components/batch-summarizer/batch-summarizer-labels.js';
export type { BatchSummarizerLabels } from './components/batch-summarizer/batch-summarizer-labels.js';

// Components: SettingsDialog (an admin's settings of a feature, driven by what the chosen model supports)
export {
  SettingsDialog,
  SettingsDialogContent,
  SettingsDialogForm,
  SettingsDialogRoot,
  SettingsDialogTrigger,
  SettingsCacheSection,
  SettingsCustomParametersSection,
  SettingsDefaultSections,
  SettingsExtensionsSection,
  SettingsGuardrailsSection,
  SettingsKeySection,
  SettingsLimitsSection,
  SettingsModelSection,
  SettingsParametersSection,
  SettingsPreviewSection,
  SettingsTestSection,
  useSettingsFormContext,
  defaultSettingsDialogLabels,
  DEFAULT_SETTINGS_DIALOG_LABELS,
  LimitsSection,
  LiveTestSection,
  ProviderKeySection,
  RequestPreviewSection,
  SettingsSection,
} from './components/settings-dialog/index.js';
export type {
  LiveTestSectionProps,
  SettingsDialogContentProps,
  SettingsDialogLabels,
  SettingsDialogProps,
  SettingsDialogRootProps,
  SettingsDialogSlot,
  SettingsDialogTriggerProps,
  SettingsFormValue,
} from './components/settings-dialog/index.js';
export { useAdminAccess } from './react/use-admin-access.js';
export type { AdminAccess } from './react/use-admin-access.js';

// Components: ChatPanel (a complete chat) and the parts it is built from; Markdown (safe, stream-tolerant)
export { ChatPanel } from './components/chat-panel/chat-panel.js';
export type { ChatPanelProps } from './components/chat-panel/chat-panel.js';
export type { ChatClassNames, ChatSlot, MessageActionsContext, RenderMessageActions } from './components/chat-panel/chat-panel-context.js';
export { ChatComposer } from './components/chat-panel/chat-composer.js';
export type { ChatComposerProps } from './components/chat-panel/chat-composer.js';
export { ChatEmptyState } from './components/chat-panel/chat-empty-state.js';
export type { ChatEmptyStateProps } from './components/chat-panel/chat-empty-state.js';
export { ChatAssistantMessage, ChatUserMessage } from './components/chat-panel/chat-message-views.js';
export { ChatAnswerImages } from './components/chat-panel/chat-answer-images.js';
export { ChatError, chatErrorAction } from './components/chat-panel/chat-error.js';
export type { ChatErrorAction } from './components/chat-panel/chat-error.js';
export { ChatAnnouncer } from './components/chat-panel/chat-announcer.js';

// Chat primitives: compound parts to build a chat of your own (each part reads only the state it needs).
export * as Thread from './primitives/thread/thread.js';
export * as Message from './primitives/message/message.js';
export * as Composer from './primitives/composer/composer-parts.js';
export * as ActionBar from './primitives/action-bar/action-bar-parts.js';
export * as BranchPicker from './primitives/branch-picker/branch-picker-parts.js';
export { ModelInfo, modelFacts } from './primitives/model-info.js';
export type { ModelInfoProps } from './primitives/model-info.js';
export { ComposerBudget, composerBudgetText, defaultComposerBudgetLabels, useComposerBudget } from './primitives/composer-budget/index.js';
export type { BudgetPeriod, ComposerBudgetLabels, ComposerBudgetProps } from './primitives/composer-budget/index.js';
export { useThreadContext, useThreadSelector } from './primitives/thread/thread-context.js';
export type { ThreadContextValue } from './primitives/thread/thread-context.js';
// Conversations: a list of the user's conversations and the hook under it
export { ThreadList } from './components/thread-list/thread-list.js';
export type { ThreadListProps, ThreadListSlot } from './components/thread-list/thread-list.js';
export { defaultThreadListLabels } from './components/thread-list/thread-list-labels.js';
export type { ThreadListLabels } from './components/thread-list/thread-list-labels.js';
export { useConversations } from './react/use-conversations.js';
export type { UseConversationsResult } from './react/use-conversations.js';
export { createConversationList } from './core/conversation-list.js';
export type { ConversationList, ConversationListState } from './core/conversation-list.js';
export { notifyStorageChanged, subscribeToStorage } from './core/storage/storage-events.js';

// Icons: small inline SVG components (one module each, so an app bundles only those it uses)
export type { IconProps } from './icons/icon.js';
export { ArrowDownIcon } from './icons/arrow-down-icon.js';
export { ArrowUpIcon } from './icons/arrow-up-icon.js';
export { BanIcon } from './icons/ban-icon.js';
export { CheckIcon } from './icons/check-icon.js';
export { ChevronDownIcon } from './icons/chevron-down-icon.js';
export { ChevronLeftIcon } from './icons/chevron-left-icon.js';
export { ChevronRightIcon } from './icons/chevron-right-icon.js';
export { ChevronUpIcon } from './icons/chevron-up-icon.js';
export { CloseIcon } from './icons/close-icon.js';
export { CopyIcon } from './icons/copy-icon.js';
export { DownloadIcon } from './icons/download-icon.js';
export { EditIcon } from './icons/edit-icon.js';
export { ExpandIcon } from './icons/expand-icon.js';
export { FileIcon } from './icons/file-icon.js';
export { GlobeIcon } from './icons/globe-icon.js';
export { ImageIcon } from './icons/image-icon.js';
export { InfoIcon } from './icons/info-icon.js';
export { LoaderIcon } from './icons/loader-icon.js';
export { MenuIcon } from './icons/menu-icon.js';
export { MoonIcon } from './icons/moon-icon.js';
export { MoreIcon } from './icons/more-icon.js';
export { PaperclipIcon } from './icons/paperclip-icon.js';
export { PlusIcon } from './icons/plus-icon.js';
export { RegenerateIcon } from './icons/regenerate-icon.js';
export { SearchIcon } from './icons/search-icon.js';
export { ShieldIcon } from './icons/shield-icon.js';
export { SparklesIcon } from './icons/sparkles-icon.js';
export { StopIcon } from './icons/stop-icon.js';
export { SunIcon } from './icons/sun-icon.js';
export { ThumbsDownIcon } from './icons/thumbs-down-icon.js';
export { ThumbsUpIcon } from './icons/thumbs-up-icon.js';
export { TrashIcon } from './icons/trash-icon.js';
export { WarningIcon } from './icons/warning-icon.js';
export { WrapIcon } from './icons/wrap-icon.js';

export { useChatRuntime } from './react/use-chat-runtime.js';
export type { ChatRuntime } from './react/use-chat-runtime.js';
export { useStoreSelector } from './react/use-store-selector.js';
export { useStoreState } from './react/use-store-state.js';
export { LIVE, useQuery } from './react/use-query.js';
export type { UseQueryOptions, UseQueryResult } from './react/use-query.js';
export { Slot } from './primitives/slot.js';
export { composeEventHandlers } from './primitives/compose-event-handlers.js';
export { useStickToBottom } from './components/chat-panel/use-stick-to-bottom.js';
export type { StickToBottom } from './components/chat-panel/use-stick-to-bottom.js';
export { defaultChatLabels } from './components/chat-panel/chat-labels.js';
export type { ChatLabels } from './components/chat-panel/chat-labels.js';
export { Markdown } from './markdown/markdown.js';
export type { MarkdownCitation, MarkdownProps } from './markdown/markdown.js';
export type { MarkdownLabels } from './markdown/markdown-labels.js';
export { CopyButton } from './markdown/copy-button.js';
export type { CopyButtonProps, CopyState } from './markdown/copy-button.js';
export { continueMarkdown, parseMarkdown } from './markdown/parse-blocks.js';
export type { MarkdownBlock, MarkdownParse, SourceBlock, TableAlign } from './markdown/parse-blocks.js';
export { parseInline } from './markdown/parse-inline.js';
export type { InlineNode } from './markdown/parse-inline.js';
export { safeHref } from './markdown/safe-url.js';
