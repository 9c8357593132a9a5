import * as Dialog from '@radix-ui/react-dialog';
import { act, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { PortalRoot } from './portal-root.js';

/** A dialog drawn in a portal, its direction read from its trigger, as the settings dialog opens. */
function Example({ dir }: { dir?: string | undefined }) {
  const trigger = useRef<HTMLButtonElement>(null);
  return (
    <Dialog.Root>
      <Dialog.Trigger ref={trigger}>Open</Dialog.Trigger>
      <Dialog.Portal>
        <PortalRoot directionFrom={() => trigger.current} {...(dir === undefined ? {} : { dir })}>
          <Dialog.Content aria-describedby={undefined}>
            <Dialog.Title>Example</Dialog.Title>
            <Dialog.Close>Close</Dialog.Close>
          </Dialog.Content>
        </PortalRoot>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

const direction = () => getComputedStyle(screen.getByRole('dialog')).direction;

describe('PortalRoot', () => {
  it('follows the direction of where it was opened while it is open: an app that flips its wrapper between ltr and rtl flips the dialog', async () => {
    const user = userEvent.setup();
    render(
      <div dir="rtl" data-testid="app">
        <Example />
      </div>,
    );
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(direction()).toBe('rtl');
    const app = screen.getByTestId('app');
    act(() => app.setAttribute('dir', 'ltr'));
    await waitFor(() => expect(direction()).toBe('ltr'));
    act(() => app.setAttribute('dir', 'rtl'));
    await waitFor(() => expect(direction()).toBe('rtl'));
  });

  it('follows a dir set, changed or removed on any element between its trigger and the page, and the page’s own', async ({ onTestFinished }) => {
    onTestFinished(() => document.documentElement.removeAttribute('dir'));
    const user = userEvent.setup();
    render(
      <section dir="rtl">
        <div data-testid="app">
          <Example />
        </div>
      </section>,
    );
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(direction()).toBe('rtl');
    const app = screen.getByTestId('app');
    // A closer element that had no dir gets one, then loses it again.
    act(() => app.setAttribute('dir', 'ltr'));
    await waitFor(() => expect(direction()).toBe('ltr'));
    act(() => app.removeAttribute('dir'));
    await waitFor(() => expect(direction()).toBe('rtl'));
    // The page turns right to left while the app's part stays left to right, then the other way round.
    act(() => {
      app.setAttribute('dir', 'ltr');
      document.documentElement.dir = 'rtl';
    });
    await waitFor(() => expect(direction()).toBe('ltr'));
    act(() => {
      app.closest('section')!.removeAttribute('dir');
      app.removeAttribute('dir');
    });
    await waitFor(() => expect(direction()).toBe('rtl'));
  });

  it('keeps a dir it is given, whatever the page does', async () => {
    const user = userEvent.setup();
    render(
      <div dir="rtl" data-testid="app">
        <Example dir="ltr" />
      </div>,
    );
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(direction()).toBe('ltr');
    act(() => screen.getByTestId('app').setAttribute('dir', 'ltr'));
    act(() => screen.getByTestId('app').setAttribute('dir', 'rtl'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(direction()).toBe('ltr');
  });

  it('stops watching the direction when it closes', async ({ onTestFinished }) => {
    // Every observer that watches `dir` attributes, and whether it was disconnected.
    const watching = new Map<MutationObserver, boolean>();
    const observe = MutationObserver.prototype.observe;
    const disconnect = MutationObserver.prototype.disconnect;
    vi.spyOn(MutationObserver.prototype, 'observe').mockImplementation(function (this: MutationObserver, target, options) {
      if (options?.attributeFilter?.includes('dir')) watching.set(this, true);
      observe.call(this, target, options);
    });
    vi.spyOn(MutationObserver.prototype, 'disconnect').mockImplementation(function (this: MutationObserver) {
      if (watching.has(this)) watching.set(this, false);
      disconnect.call(this);
    });
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const user = userEvent.setup();
    render(
      <div dir="rtl">
        <Example />
      </div>,
    );
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect([...watching.values()]).toEqual([true]);
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect([...watching.values()]).toEqual([false]);
  });
});
