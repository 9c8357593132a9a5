import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { CopyIcon } from './copy-icon.js';
import { StopIcon } from './stop-icon.js';

describe('icons', () => {
  it('are hidden from screen readers and take a size', () => {
    const { container } = render(<CopyIcon size={20} className="mine" />);
    const svg = container.querySelector('svg');
    expect(svg?.getAttribute('aria-hidden')).toBe('true');
    expect(svg?.getAttribute('width')).toBe('20');
    expect(svg?.getAttribute('class')).toBe('mine');
  });

  it('draw in the current colour so they follow the button and the theme', () => {
    const { container } = render(<StopIcon />);
    expect(container.querySelector('svg')?.getAttribute('stroke')).toBe('currentColor');
    expect(container.querySelector('rect')?.getAttribute('fill')).toBe('currentColor');
  });
});
