'use client';
import type { ReactNode } from 'react';
import type { ModelListQuery } from '../../core/chat-types.js';
import { useModels } from '../../react/use-models.js';
import { ModelCombobox, type ModelComboboxProps } from './model-combobox.js';

export interface ModelPickerProps extends Omit<ModelComboboxProps, 'models' | 'status' | 'error' | 'onRetry'> {
  /** `auto` (default): the admin catalog, else the caller's features; or only one of them. */
  source?: ModelListQuery['source'] | undefined;
}

/**
 * A combobox named "Model" over the provider's model catalog: type to search, arrow keys to move, Enter to
 * choose; grouped by provider, with context, max output, prices, modalities and a free badge on each model;
 * filters and sorts; controlled (`value`) or not (`defaultValue`). Only the rows in view are rendered.
 *
 * @example
 * <ModelPicker modality="text" value={model} onValueChange={(modelId) => setModel(modelId)} />
 */
export function ModelPicker({ source, ...props }: ModelPickerProps): ReactNode {
  const { models, status, error, refresh } = useModels({ modality: props.modality, source });
  return <ModelCombobox {...props} models={models} status={status} error={error} onRetry={() => void refresh()} />;
}
