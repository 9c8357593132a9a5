// The wire between @insforge/ai-server and its clients, in one place: the server builds these shapes and the
// React library reads them, so a change here fails the compile wherever the two would disagree.
export { errorBody, errorTypeOf, GATEWAY_ERROR_CODES, GATEWAY_ERROR_STATUS } from './errors.js';
export type { ErrorMetadata, GatewayErrorCode, OpenAIErrorBody } from './errors.js';
export type { EstimateResponse, LimitKind, LimitScope, LimitStatus, LimitsResponse } from './limits.js';
export { acceptedByModel, catalogEntries, listedFeature, listedModel, modalitiesOf, ownerOf } from './models.js';
export type { AttachmentKind, AttachmentRule, CatalogEntry, ExtensionAccess, ExtensionPolicy, CatalogResponse, FeatureAccepts, ListedFeature, ListedModel, ModelDetails, ModelList, Modality, OpenRouterListing, OpenRouterModel } from './models.js';
export { dataUrlBytes, imageInputTokens, imageSize, imageTypeOf, isDataUrl, pdfPageCount, percentDecode } from './attachments.js';
export { llamaGuardPrompt } from './moderation-prompt.js';
export type { ConversationAppendResponse, ConversationBody, ConversationCreateRequest, ConversationListBody, ConversationMessageBody, ConversationPageBody, ConversationRemoveQuery, ConversationSaveRequest, ConversationSummaryBody, WriteOrder } from './conversations.js';
export type { CircuitInfo, CircuitState, GatewayErrorClass, GatewayErrorEntry, ModelHealthReport, ModelHealthWindow, ModelPerformance } from './operations.js';
