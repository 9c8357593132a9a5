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
});
