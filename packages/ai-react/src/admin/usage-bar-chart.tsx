'use client';
import { useId, type ReactNode } from 'react';
import { classes } from '../primitives/ai-root.js';
import { visuallyHidden } from '../primitives/visually-hidden.js';
import type { BarDatum } from './usage-series.js';

export interface UsageBarChartProps {
  title: string;
  /** What the chart shows, for screen readers (e.g. its highest bar and total). */
  description: string;
  data: readonly BarDatum[];
  format(value: number): string;
  /** `columns`: a bar per point in time; `rows`: a labelled bar per group, largest first. */
  layout: 'columns' | 'rows';
  /** Adds the chart's data as a table under a disclosure (the `rows` charts sit beside their own table). */
  dataTable?: { summary: string; labelHeader: string; valueHeader: string } | undefined;
  className?: string | undefined;
  unstyled?: boolean | undefined;
}

const WIDTH = 640;
const ROW_HEIGHT = 26;
const LABEL_WIDTH = 210;
const VALUE_WIDTH = 96;
const COLUMNS_HEIGHT = 150;
const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A bar chart drawn in SVG: an image named by its title and described in words (`role="img"`), its values in a
 * table beside it or under a disclosure. No chart library: bars are all the usage panel needs.
 */
export function UsageBarChart({ title, description, data, format, layout, dataTable, className, unstyled }: UsageBarChartProps): ReactNode {
  const id = useId();
  const max = Math.max(0, ...data.map((datum) => datum.value));
  const scale = (value: number, span: number) => (max === 0 ? 0 : (value / max) * span);
  const height = layout === 'rows' ? Math.max(ROW_HEIGHT, data.length * ROW_HEIGHT) + 4 : COLUMNS_HEIGHT;
  const own = (name: string) => (unstyled ? undefined : name);
  return (
    <figure className={classes(unstyled, 'ia-usage-chart', className)} data-layout={layout} data-state={data.length === 0 ? 'empty' : 'ready'}>
      <figcaption className={own('ia-usage-chart__title')}>{title}</figcaption>
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${WIDTH} ${height}`} width="100%" className={own('ia-usage-chart__svg')} focusable="false">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {layout === 'rows' ? <Rows data={data} format={format} scale={scale} own={own} /> : <Columns data={data} format={format} scale={scale} max={max} own={own} />}
      </svg>
      {dataTable && data.length > 0 && (
        <details className={own('ia-usage-chart__data')}>
          <summary>{dataTable.summary}</summary>
          <table className={own('ia-usage__table')}>
            <caption style={visuallyHidden}>{title}</caption>
            <thead>
              <tr>
                <th scope="col">{dataTable.labelHeader}</th>
                <th scope="col">{dataTable.valueHeader}</th>
              </tr>
            </thead>
            <tbody>
              {data.map((datum) => (
                <tr key={datum.label}>
                  <th scope="row">{datum.label}</th>
                  <td>{format(datum.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}

interface PartProps {
  data: readonly BarDatum[];
  format(value: number): string;
  scale(value: number, span: number): number;
  own(name: string): string | undefined;
}

function Rows({ data, format, scale, own }: PartProps): ReactNode {
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  return data.map((datum, index) => {
    const y = index * ROW_HEIGHT + 2;
    const width = Math.max(datum.value > 0 ? 2 : 0, scale(datum.value, span));
    return (
      <g key={datum.label} className={own('ia-usage-chart__row')}>
        <text x={LABEL_WIDTH - 8} y={y + ROW_HEIGHT / 2} textAnchor="end" dominantBaseline="middle" className={own('ia-usage-chart__label')}>
          {short(datum.label, 30)}
        </text>
        <rect x={LABEL_WIDTH} y={y + 4} width={width} height={ROW_HEIGHT - 8} rx={3} className={own('ia-usage-chart__bar')} />
        <text x={LABEL_WIDTH + width + 6} y={y + ROW_HEIGHT / 2} dominantBaseline="middle" className={own('ia-usage-chart__value')}>
          {format(datum.value)}
        </text>
      </g>
    );
  });
}

function Columns({ data, format, scale, max, own }: PartProps & { max: number }): ReactNode {
  const top = 18;
  const bottom = 22;
  const span = COLUMNS_HEIGHT - top - bottom;
  const step = data.length === 0 ? 0 : WIDTH / data.length;
  const gap = Math.min(6, step * 0.25);
  // Date labels under the first, the middle and the last bar: enough to read the axis, never crowded.
  const labelled = new Set([0, Math.floor((data.length - 1) / 2), data.length - 1]);
  return (
    <>
      <text x={0} y={12} className={own('ia-usage-chart__label')}>
        {format(max)}
      </text>
      <line x1={0} x2={WIDTH} y1={top} y2={top} className={own('ia-usage-chart__grid')} />
      <line x1={0} x2={WIDTH} y1={top + span} y2={top + span} className={own('ia-usage-chart__axis')} />
      {data.map((datum, index) => {
        const barHeight = Math.max(datum.value > 0 ? 2 : 0, scale(datum.value, span));
        const x = index * step + gap / 2;
        return (
          <g key={datum.label}>
            <rect x={x} y={top + span - barHeight} width={Math.max(1, step - gap)} height={barHeight} rx={2} className={own('ia-usage-chart__bar')} />
            {labelled.has(index) && (
              <text {...axisLabelPosition(index, data.length, x, step - gap)} y={COLUMNS_HEIGHT - 6} className={own('ia-usage-chart__label')}>
                {datum.label.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </>
  );
}

/** The first label starts at its bar, the last ends at its bar, so neither leaves the chart. */
function axisLabelPosition(index: number, count: number, x: number, width: number): { x: number; textAnchor: 'start' | 'middle' | 'end' } {
  if (count > 1 && index === 0) return { x, textAnchor: 'start' };
  if (count > 1 && index === count - 1) return { x: x + width, textAnchor: 'end' };
  return { x: x + width / 2, textAnchor: 'middle' };
}
