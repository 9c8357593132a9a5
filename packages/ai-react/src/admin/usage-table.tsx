'use client';
import type { ReactNode } from 'react';
import type { UsagePanelLabels } from './admin-labels.js';
import type { UsageRow } from './usage-series.js';
import { VisibleName } from './visible-name.js';

export interface UsageTableProps {
  caption: string;
  /** The header of the first column (Feature, Model). */
  keyHeader: string;
  rows: readonly UsageRow[];
  labels: UsagePanelLabels;
  /** The name of the group with no value (no feature: "(none)"; no model answered: "Not served"). */
  noneLabel?: string | undefined;
  className?: string | undefined;
}

/** Requests, tokens, cost, errors and median latency per group: every value the charts draw, and more. */
export function UsageTable({ caption, keyHeader, rows, labels, noneLabel = labels.none, className }: UsageTableProps): ReactNode {
  return (
    <table className={className}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{keyHeader}</th>
          <th scope="col">{labels.requests}</th>
          <th scope="col">{labels.promptTokens}</th>
          <th scope="col">{labels.completionTokens}</th>
          <th scope="col">{labels.cost}</th>
          <th scope="col">{labels.errors}</th>
          <th scope="col">{labels.latency}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key ?? ''} data-key={row.key ?? ''}>
            <th scope="row" data-state={row.key === null ? 'none' : undefined}>
              {row.key === null ? noneLabel : <VisibleName name={row.key} />}
            </th>
            {/* Each cell names its column, for the card layout a narrow table turns into. */}
            <td data-label={labels.requests}>{labels.formatNumber(row.requests)}</td>
            <td data-label={labels.promptTokens}>{labels.formatNumber(row.promptTokens)}</td>
            <td data-label={labels.completionTokens}>{labels.formatNumber(row.completionTokens)}</td>
            <td data-label={labels.cost}>{labels.formatMoney(row.costUsd)}</td>
            <td data-label={labels.errors}>{labels.formatNumber(row.errors)}</td>
            <td data-label={labels.latency}>{labels.formatMilliseconds(row.latencyP50Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
