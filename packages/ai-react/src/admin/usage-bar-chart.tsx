'use client';
import { useId, type ReactNode } from 'react';
import { showInvisibleCharacters } from '../core/invisible-characters.js';
import { classes } from '../primitives/ai-root.js';
import { visuallyHidden } from '../primitives/visually-hidden.js';
import type { BarDatum } from './usage-series.js';
import { VisibleName } from './visible-name.js';

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

/**
 * A bar chart in HTML and CSS, so its labels keep their size (12 px and up) at any width: an image named by its
 * title and described in words (`role="img"`), each bar with a tooltip of its label and value, its values in a
 * table beside it or under a disclosure. No chart library: bars are all the usage panel needs.
 *
 * @example
 * <UsageBarChart title="Cost by model" description="3 bars" data={bars} format={formatMoney} layout="rows" />
 */
export function UsageBarChart({ title, description, data, format, layout, dataTable, className, unstyled }: UsageBarChartProps): ReactNode {
  const id = useId();
  const max = Math.max(0, ...data.map((datum) => datum.value));
  const share = (value: number) => (max === 0 ? 0 : Math.max(value > 0 ? 1 : 0, (value / max) * 100));
  const own = (name: string) => (unstyled ? undefined : name);
  return (
    <figure className={classes(unstyled, 'ia-usage-chart', className)} data-layout={layout} data-state={data.length === 0 ? 'empty' : 'ready'}>
      <figcaption className={own('ia-usage-chart__title')}>{title}</figcaption>
      <div role="img" aria-labelledby={`${id}-title ${id}-desc`} className={own('ia-usage-chart__plot')}>
        <span id={`${id}-title`} style={visuallyHidden}>
          {title}
        </span>
        <span id={`${id}-desc`} style={visuallyHidden}>
          {description}
        </span>
        {layout === 'rows' ? (
          <div className={own('ia-usage-chart__rows')}>
            {data.map((datum) => (
              <div key={datum.label} className={own('ia-usage-chart__row')} data-tooltip={`${showInvisibleCharacters(datum.label)}: ${format(datum.value)}`}>
                <span className={own('ia-usage-chart__label')}><VisibleName name={datum.label} /></span>
                <span className={own('ia-usage-chart__track')}>
                  <span className={own('ia-usage-chart__bar')} style={{ inlineSize: `${share(datum.value)}%` }} />
                </span>
                <span className={own('ia-usage-chart__value')}>{format(datum.value)}</span>
              </div>
            ))}
          </div>
        ) : (
          <Columns data={data} format={format} share={share} max={max} own={own} />
        )}
      </div>
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
                  <th scope="row">
                    <VisibleName name={datum.label} />
                  </th>
                  <td data-label={dataTable.valueHeader}>{format(datum.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}

interface ColumnsProps {
  data: readonly BarDatum[];
  format(value: number): string;
  share(value: number): number;
  max: number;
  own(name: string): string | undefined;
}

function Columns({ data, format, share, max, own }: ColumnsProps): ReactNode {
  // Date labels under the first, the middle and the last bar: enough to read the axis, never crowded.
  const labelled = new Set([0, Math.floor((data.length - 1) / 2), data.length - 1]);
  return (
    <>
      <span className={own('ia-usage-chart__max')}>{format(max)}</span>
      <div className={own('ia-usage-chart__columns')} style={{ gridTemplateColumns: `repeat(${Math.max(1, data.length)}, minmax(0, 1fr))` }}>
        {data.map((datum) => (
          <span key={datum.label} className={own('ia-usage-chart__column')} data-tooltip={`${showInvisibleCharacters(datum.label)}: ${format(datum.value)}`}>
            <span className={own('ia-usage-chart__bar')} style={{ blockSize: `${share(datum.value)}%` }} />
          </span>
        ))}
      </div>
      <div className={own('ia-usage-chart__axis')}>
        {data.map((datum, index) => (labelled.has(index) ? <span key={datum.label}>{datum.label.slice(5)}</span> : null))}
      </div>
    </>
  );
}
