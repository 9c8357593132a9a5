import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageBarChart } from './usage-bar-chart.js';

afterEach(cleanup);

describe('UsageBarChart', () => {
  it('hides the caption of its data table from sight even unstyled, where no stylesheet would', () => {
    render(
      <UsageBarChart
        unstyled
        title="Cost by model"
        description="Highest: gpt-4o"
        data={[{ label: 'gpt-4o', value: 2 }]}
        format={(value) => `$${value}`}
        layout="rows"
        dataTable={{ summary: 'Show data', labelHeader: 'Model', valueHeader: 'Cost' }}
      />,
    );
    const caption = screen.getByRole('table', { name: 'Cost by model' }).querySelector('caption')!;
    expect(caption.className).toBe('');
    expect(caption.style.position).toBe('absolute');
    expect(caption.style.overflow).toBe('hidden');
    expect(caption.style.width).toBe('1px');
  });

  it('gives each bar a tooltip of its label and value, and lets a model name break after its slash only', () => {
    const { container } = render(
      <UsageBarChart
        title="Cost by model"
        description="2 bars"
        data={[
          { label: 'anthropic/claude-sonnet-4', value: 2 },
          { label: 'Not served', value: 0 },
        ]}
        format={(value) => `$${value}`}
        layout="rows"
      />,
    );
    const rows = [...container.querySelectorAll('.ia-usage-chart__row')];
    expect(rows.map((row) => row.getAttribute('data-tooltip'))).toEqual(['anthropic/claude-sonnet-4: $2', 'Not served: $0']);
    const label = rows[0]!.querySelector('.ia-usage-chart__label')!;
    expect(label.innerHTML).toBe('<bdi>anthropic/<wbr>claude-sonnet-4</bdi>');
    expect((rows[0]!.querySelector('.ia-usage-chart__bar') as HTMLElement).style.inlineSize).toBe('100%');
    expect((rows[1]!.querySelector('.ia-usage-chart__bar') as HTMLElement).style.inlineSize).toBe('0%');
    expect(screen.getByRole('img', { name: 'Cost by model 2 bars' })).toBeTruthy();
  });
});
