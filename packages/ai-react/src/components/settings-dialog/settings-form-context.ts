'use client';
import type { ModelEntry } from '../../core/chat-types.js';
import type { FeatureConfig, FeatureConfigFields } from '../../core/admin-types.js';
import { createScopedContext } from '../../primitives/create-scoped-context.js';
import type { UseFeatureSettingsResult } from '../../react/use-feature-settings.js';
import type { NumericParameter } from './parameter-support.js';

/** What the sections of one feature's settings share: the saved configuration, the draft and its checks. */
export interface SettingsFormValue {
  feature: string;
  settings: UseFeatureSettingsResult;
  config: FeatureConfig;
  draft: FeatureConfigFields;
  /** The draft's model in the catalog, once loaded: what it supports. */
  model: ModelEntry | undefined;
  /** The custom parameters' JSON as typed, the saved one, and why the typed one is not valid yet. */
  custom: { text: string; savedText: string; error: string | undefined; dirty: boolean; ignored: string[] };
  editCustom(text: string): void;
  /** Each numeric parameter's problem with the draft's model, if any. */
  problems: Record<NumericParameter, string | undefined>;
  /** What is wrong with the draft's cache and guardrails, by field path (see `policyProblems`). */
  policyProblems: Record<string, string>;
  /** The draft has errors: it cannot be saved or tested as shown. */
  invalid: boolean;
}

export const [SettingsFormContext, useSettingsFormContext] = createScopedContext<SettingsFormValue>('SettingsDialog.Form');
