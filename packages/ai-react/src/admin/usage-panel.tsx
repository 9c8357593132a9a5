'use client';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { toAiError } from '../core/errors.js';
import { SegmentedControl } from '../components/segmented-control/segmented-control.js';
import type { AiTheme } from '../primitives/ai-root.js';
import { useControllableState } from '../primitives/use-controllable-state.js';
import { visuallyHidden } from '../primitives/visually-hidden.js';
import { useAiContext } from '../react/ai-provider.js';
import { useUsage } from '../react/use-usage.js';
import { defaultUsagePanelLabels, type UsagePanelLabels, type UsagePeriod } from './admin-labels.js';
import { AdminPanel, ScrollableTable, SelectField, slotClasses } from './admin-panel.js';
import { UsageBarChart } from './usage-bar-chart.js';
import { csvReaderOf, saveFile, type UsageCsvReader } from './usage-csv.js';
import { dailySeries, USAGE_METRICS, usageRowOf, usageRowsOf, type BarDatum, type UsageMetric, type UsageRow } from './usage-series.js';
import { UsageTable } from './usage-table.js';

/** The parts of the usage panel an app can add class names to. */
export type UsagePanelSlot = 'root' | 'header' | 'title' | 'controls' | 'input' | 'button' | 'totals' | 'chart' | 'table' | 'status' | 'error';

export interface UsagePanelProps {
  /** The period shown (controlled); default "week". */
  period?: UsagePeriod | undefined;
  defaultPeriod?: UsagePeriod | undefined;
  onPeriodChange?: ((period: UsagePeriod) => void) | undefined;
  /** What the charts draw (controlled): cost (default), tokens or requests. */
  metric?: UsageMetric | undefined;
  defaultMetric?: UsageMetric | undefined;
  onMetricChange?: ((metric: UsageMetric) => void) | undefined;
  /** Reads the CSV for "Download CSV"; default the client's `usage.csv` (the button is hidden without either). */
  readCsv?: UsageCsvReader | undefined;
  labels?: Partial<UsagePanelLabels> | undefined;
  classNames?: Partial<Record<UsagePanelSlot, string>> | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

type Download = { status: 'idle' | 'running' } | { status: 'done'; fileName: string } | { status: 'error'; message: string };

const PERIODS: readonly UsagePeriod[] = ['day', 'week', 'month'];

/**
 * The project's AI usage for an admin: cost, tokens and requests over time, by feature and by model (SVG charts,
 * each with its data as a table), and the usage records as CSV.
 *
 * @example
 * import { UsagePanel } from '@insforge/ai-react/admin';
 * <UsagePanel defaultPeriod="month" />
 */
export function UsagePanel(props: UsagePanelProps): ReactNode {
  const { classNames, unstyled, theme } = props;
  const { client } = useAiContext('UsagePanel');
  const labels = useMemo(() => ({ ...defaultUsagePanelLabels, ...props.labels }), [props.labels]);
  const [period, setPeriod] = useControllableState({ value: props.period, defaultValue: props.defaultPeriod ?? 'week', onChange: props.onPeriodChange });
  const [metric, setMetric] = useControllableState({ value: props.metric, defaultValue: props.defaultMetric ?? 'costUsd', onChange: props.onMetricChange });
  const overTime = useUsage({ period, groupBy: 'day' });
  const byFeature = useUsage({ period, groupBy: 'feature' });
  const byModel = useUsage({ period, groupBy: 'model' });
  const cx = slotClasses<UsagePanelSlot>(unstyled, classNames);

  const reads = [overTime, byFeature, byModel];
  const error = reads.find((read) => read.status === 'error')?.error;
  const loaded = reads.every((read) => read.summary !== undefined);
  const state = error ? 'error' : !loaded ? 'loading' : reads.some((read) => read.status === 'loading') ? 'refreshing' : 'ready';
  const refresh = () => Promise.all(reads.map((read) => read.refresh()));

  const read = props.readCsv ?? csvReaderOf(client);
  const [download, setDownload] = useState<Download>({ status: 'idle' });
  const running = useRef<AbortController | undefined>(undefined);
  const downloadCsv = async () => {
    if (!read) return;
    running.current?.abort();
    const abort = new AbortController();
    running.current = abort;
    setDownload({ status: 'running' });
    try {
      const content = await read({ period }, { signal: abort.signal });
      const fileName = `usage-${period}.csv`;
      saveFile(content, fileName);
      setDownload({ status: 'done', fileName });
    } catch (thrown) {
      if (!abort.signal.aborted) setDownload({ status: 'error', message: toAiError(thrown, { admin: true }).userMessage });
    }
  };

  const metricName = labels.metrics[metric];
  const format = (value: number) => (metric === 'costUsd' ? labels.formatMoney(value) : labels.formatNumber(value));
  const describe = (data: readonly BarDatum[]) => {
    const highest = data.reduce<BarDatum | undefined>((best, datum) => (best === undefined || datum.value > best.value ? datum : best), undefined);
    const total = data.reduce((sum, datum) => sum + datum.value, 0);
    return labels.chartSummary(data.length, highest && highest.value > 0 ? `${highest.label}, ${format(highest.value)}` : undefined, format(total));
  };
  const bars = (rows: readonly UsageRow[], none: string) => [...rows].sort((a, b) => b[metric] - a[metric]).map((row) => ({ label: row.key ?? none, value: row[metric] }));
  const days = dailySeries(overTime.summary, metric, Date.now());
  const features = usageRowsOf(byFeature.groups, 'feature');
  const models = usageRowsOf(byModel.groups, 'model');
  const totals = usageRowOf(byFeature.totals ?? overTime.totals ?? {});

  return (
    <AdminPanel
      cx={cx}
      unstyled={unstyled}
      theme={theme}
      state={state}
      title={labels.title}
      controls={
        <>
          <SelectField label={labels.period} value={period} options={PERIODS} optionLabel={(name) => labels.periods[name]} onChange={setPeriod} cx={cx} unstyled={unstyled} />
          <SegmentedControl<UsageMetric> label={labels.metric} value={metric} onValueChange={setMetric} options={USAGE_METRICS.map((name) => ({ value: name, label: labels.metrics[name] }))} unstyled={unstyled} />
        </>
      }
      refreshLabel={labels.refresh}
      onRefresh={() => void refresh()}
      actions={
        read && (
          <button type="button" className={cx('button', 'ia-usage__button', 'ia-usage__button--primary')} disabled={download.status === 'running'} onClick={() => void downloadCsv()}>
            {labels.downloadCsv}
          </button>
        )
      }
      status={state === 'loading' ? labels.loading : download.status === 'running' ? labels.downloading : download.status === 'done' ? labels.downloaded(download.fileName) : ''}
      alerts={[error?.userMessage, download.status === 'error' ? download.message : undefined]}
    >
      {loaded && (
        <>
          <h3 style={visuallyHidden}>{labels.totals}</h3>
          <dl className={cx('totals', 'ia-usage__totals')} data-testid="usage-totals">
            <div>
              <dt>{labels.requests}</dt>
              <dd>{labels.formatNumber(totals.requests)}</dd>
            </div>
            <div>
              <dt>{labels.metrics.totalTokens}</dt>
              <dd>{labels.formatNumber(totals.totalTokens)}</dd>
            </div>
            <div>
              <dt>{labels.cost}</dt>
              <dd>{labels.formatMoney(totals.costUsd)}</dd>
            </div>
          </dl>
          {totals.requests === 0 && <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.empty}</p>}
          <UsageBarChart
            title={labels.overTime(metricName)}
            description={describe(days)}
            data={days}
            format={format}
            layout="columns"
            dataTable={{ summary: labels.showData, labelHeader: labels.day, valueHeader: metricName }}
            className={cx('chart', 'ia-usage__chart')}
            unstyled={unstyled}
          />
          <div className={unstyled ? undefined : 'ia-usage__breakdowns'}>
            {[
              { name: 'feature', title: labels.byFeature(metricName), header: labels.feature, rows: features, none: labels.none },
              { name: 'model', title: labels.byModel(metricName), header: labels.model, rows: models, none: labels.notServed },
            ].map((breakdown) => (
              <div key={breakdown.name} className={unstyled ? undefined : 'ia-usage__breakdown'} data-breakdown={breakdown.name}>
                <UsageBarChart title={breakdown.title} description={describe(bars(breakdown.rows, breakdown.none))} data={bars(breakdown.rows, breakdown.none)} format={format} layout="rows" className={cx('chart', 'ia-usage__chart')} unstyled={unstyled} />
                <ScrollableTable label={breakdown.title} unstyled={unstyled}>
                  <UsageTable caption={breakdown.title} keyHeader={breakdown.header} rows={breakdown.rows} labels={labels} noneLabel={breakdown.none} className={cx('table', 'ia-usage__table')} />
                </ScrollableTable>
              </div>
            ))}
          </div>
        </>
      )}
    </AdminPanel>
  );
}
