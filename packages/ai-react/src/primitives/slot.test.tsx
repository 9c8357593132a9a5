import { fireEvent, render, screen } from '@testing-library/react';
import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { composeEventHandlers } from './compose-event-handlers.js';
import { createScopedContext } from './create-scoped-context.js';
import { Slot } from './slot.js';

describe('Slot', () => {
  it('renders the child with the part props merged in: classes join, both handlers run, the ref reaches the child', () => {
    const ours = vi.fn();
    const theirs = vi.fn();
    const ref = createRef<HTMLElement>();
    render(
      <Slot ref={ref} className="part" aria-label="Send" onClick={ours}>
        <a href="#x" className="mine" onClick={theirs}>Go</a>
      </Slot>,
    );
    const link = screen.getByRole('link', { name: 'Send' });
    expect(link.className).toBe('part mine');
    fireEvent.click(link);
    expect(theirs).toHaveBeenCalledTimes(1);
    expect(ours).toHaveBeenCalledTimes(1);
    expect(ref.current).toBe(link);
  });

  it("lets the child's own props win and skips the part's handler when the child prevented the default", () => {
    const ours = vi.fn();
    render(
      <Slot aria-label="Send" onClick={ours}>
        <button type="button" aria-label="Mine" onClick={(event) => event.preventDefault()} />
      </Slot>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Mine' }));
    expect(ours).not.toHaveBeenCalled();
  });
});

describe('composeEventHandlers', () => {
  it("runs the user's handler first and the part's only when the user did not prevent the default", () => {
    const calls: string[] = [];
    const handler = composeEventHandlers<{ defaultPrevented: boolean }>(() => calls.push('user'), () => calls.push('own'));
    handler({ defaultPrevented: false });
    handler({ defaultPrevented: true });
    expect(calls).toEqual(['user', 'own', 'user']);
  });
});

describe('createScopedContext', () => {
  it('throws naming the part and its root when a part is rendered outside its root', () => {
    const [, useValue] = createScopedContext<number>('Thread.Root');
    function Part() {
      useValue('Thread.Viewport');
      return null;
    }
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Part />)).toThrow('`Thread.Viewport` must be used within `Thread.Root`');
  });
});
