'use client';
import { Fragment, type HTMLAttributes, type ReactNode } from 'react';
import type { ModelEntry } from '../../core/chat-types.js';
import { classes } from '../../primitives/ai-root.js';
import { defaultModelPickerLabels, type ModelPickerLabels } from './model-picker-labels.js';

/** The facts of one model as short strings: context, max output, prices and modalities. */
export function modelFactsOf(model: ModelEntry, labels: ModelPickerLabels = defaultModelPickerLabels): string[] {
  const facts: string[] = [];
  if (model.contextLength) facts.push(labels.contextLength(labels.formatTokens(model.contextLength)));
  if (model.maxOutputTokens) facts.push(labels.maxOutput(labels.formatTokens(model.maxOutputTokens)));
  const { promptPerMillion, completionPerMillion, perImage } = model.pricing;
  if (promptPerMillion !== undefined) facts.push(labels.inputPrice(labels.formatPrice(promptPerMillion)));
  if (completionPerMillion !== undefined) facts.push(labels.outputPrice(labels.formatPrice(completionPerMillion)));
  if (perImage !== undefined) facts.push(labels.imagePrice(labels.formatPrice(perImage)));
  if (model.modalities.length > 0) facts.push(model.modalities.map((modality) => labels.modalities[modality]).join(' · '));
  return facts;
}

export interface ModelFactsProps extends HTMLAttributes<HTMLSpanElement> {
  model: ModelEntry;
  labels?: ModelPickerLabels | undefined;
  unstyled?: boolean | undefined;
}

/**
 * A model's context length, max output, input and output price per million tokens and modalities, on one line:
 * the part of a picker option a settings form or an answer's tooltip can show too.
 *
 * @example
 * <ModelFacts model={entry} />
 */
export function ModelFacts({ model, labels = defaultModelPickerLabels, unstyled, className, ...props }: ModelFactsProps): ReactNode {
  return (
    <span className={classes(unstyled, 'ia-model-facts', className)} {...props}>
      {modelFactsOf(model, labels).map((fact, index) => (
        // A real separator, not CSS content: it is part of the name a screen reader reads.
        <Fragment key={fact}>
          {index > 0 ? ' · ' : null}
          <span className={classes(unstyled, 'ia-model-facts__item')}>{fact}</span>
        </Fragment>
      ))}
    </span>
  );
}
