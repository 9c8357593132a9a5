'use client';
import type { FeatureAccepts } from '@insforge/ai-protocol';
import { useMemo } from 'react';
import { acceptedByModel } from '../core/attachments.js';
import { useAiContext } from './ai-provider.js';
import { useModelList } from './use-models.js';

/**
 * What a feature (default the provider's) takes beyond text (attachments by kind, size and type; server tools), from the gateway's
 * `/v1/models`, narrowed to what its model reads (no images for a text-only model); undefined while it loads, when `enabled` is false, or when the server does not say.
 *
 * @example
 * const accepts = useFeatureAccepts('chat');
 * <Composer.Root accepts={accepts}>…</Composer.Root>
 */
export function useFeatureAccepts(feature: string | undefined, enabled = true): FeatureAccepts | undefined {
  const { defaults } = useAiContext('useFeatureAccepts');
  const features = useModelList({ source: 'features' }).data;
  const name = feature ?? defaults.feature ?? 'chat';
  const entry = features?.find((candidate) => candidate.kind === 'feature' && candidate.id === name);
  const accepts = useMemo(() => (entry ? acceptedByModel(entry.accepts, entry.inputModalities) : undefined), [entry]);
  return enabled ? accepts : undefined;
}
