import { cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { SegmentedControl } from './segmented-control.js';

afterEach(() => cleanup());

function Quality() {
  const [value, setValue] = useState('standard');
  return (
    <SegmentedControl<string>
      label="Quality"
      value={value}
      onValueChange={setValue}
      options={[
        { value: 'draft', label: 'Draft' },
        { value: 'standard', label: 'Std', name: 'Standard' },
        { value: 'hd', label: 'HD' },
      ]}
    />
  );
}

describe('SegmentedControl', () => {
  it('is a named radio group: click chooses, arrows, Home and End move and choose, only the chosen segment is tabbable', async () => {
    const user = userEvent.setup();
    render(<Quality />);
    const group = screen.getByRole('radiogroup', { name: 'Quality' });
    const checked = () => screen.getAllByRole('radio').filter((radio) => radio.getAttribute('aria-checked') === 'true').map((radio) => radio.getAttribute('aria-label') ?? radio.textContent);
    expect(checked()).toEqual(['Standard']);
    expect(screen.getAllByRole('radio').map((radio) => radio.tabIndex)).toEqual([-1, 0, -1]);
    await user.click(screen.getByRole('radio', { name: 'HD' }));
    expect(checked()).toEqual(['HD']);
    await user.keyboard('{ArrowRight}');
    expect(checked()).toEqual(['Draft']);
    expect(document.activeElement).toBe(screen.getByRole('radio', { name: 'Draft' }));
    await user.keyboard('{End}');
    expect(checked()).toEqual(['HD']);
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(checked()).toEqual(['Draft']);
    await user.keyboard('{Home}');
    expect(checked()).toEqual(['Draft']);
    expect(group.contains(document.activeElement)).toBe(true);
    const results = await axe.run(document.body, { rules: { region: { enabled: false } } });
    expect(results.violations.map((violation) => violation.id)).toEqual([]);
  });

  it('in a right-to-left wrapper → chooses the segment on its right (the previous one) and ← the one on its left, as native radios do', async () => {
    const user = userEvent.setup();
    render(
      <div dir="rtl">
        <Quality />
      </div>,
    );
    const checked = () => screen.getAllByRole('radio').filter((radio) => radio.getAttribute('aria-checked') === 'true').map((radio) => radio.getAttribute('aria-label') ?? radio.textContent);
    await user.click(screen.getByRole('radio', { name: 'Standard' }));
    await user.keyboard('{ArrowRight}');
    expect(checked()).toEqual(['Draft']);
    expect(document.activeElement).toBe(screen.getByRole('radio', { name: 'Draft' }));
    await user.keyboard('{ArrowRight}');
    expect(checked()).toEqual(['HD']);
    await user.keyboard('{ArrowLeft}');
    expect(checked()).toEqual(['Draft']);
    // Up and down do not depend on the direction: down is the next segment, up the previous.
    await user.keyboard('{ArrowDown}');
    expect(checked()).toEqual(['Standard']);
    await user.keyboard('{ArrowUp}');
    expect(checked()).toEqual(['Draft']);
    const results = await axe.run(document.body, { rules: { region: { enabled: false } } });
    expect(results.violations.map((violation) => violation.id)).toEqual([]);
  });
});
