'use client';
import type { ReactNode } from 'react';
import type { UsagePanelLabels } from './admin-labels.js';
import type { UsageRow } from './usage-series.js';

export interface UsageTableProps {
  caption: string;
  /** The header of the first column (Feature, Model). */
  keyHeader: string;
  rows: readonly UsageRow[];
  labels: UsagePanelLabels;
  className?: string | undefined;
}

/** Requests, tokens, cost, errors and median latency per group: every value the charts draw, and more. */
export function UsageTable({ caption, keyHeader, rows, labels, className }: UsageTableProps): ReactNode {
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
            <th scope="row">{row.key ?? labels.none}</th>
            <td>{labels.formatNumber(row.requests)}</td>
            <td>{labels.formatNumber(row.promptTokens)}</td>
            <td>{labels.formatNumber(row.completionTokens)}</td>
            <td>{labels.formatMoney(row.costUsd)}</td>
            <td>{labels.formatNumber(row.errors)}</td>
            <td>{labels.formatMilliseconds(row.latencyP50Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
