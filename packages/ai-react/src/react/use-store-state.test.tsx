import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { useStoreState } from './use-store-state.js';

afterEach(() => cleanup());

interface Counter {
  status: 'idle' | 'busy';
  tokens: number;
  ids: string[];
}

const renders = { status: 0, whole: 0, ids: 0 };
const sameIds = (a: string[], b: string[]) => a.length === b.length && a.every((id, index) => id === b[index]);

function setup() {
  const store = createStore<Counter>()(() => ({ status: 'idle', tokens: 0, ids: ['a'] }));
  renders.status = renders.whole = renders.ids = 0;
  function Status() {
    renders.status += 1;
    return <p data-testid="status">{useStoreState(store, (state) => state.status)}</p>;
  }
  function Whole() {
    renders.whole += 1;
    return <p data-testid="tokens">{useStoreState(store).tokens}</p>;
  }
  function Ids() {
    renders.ids += 1;
    return <p data-testid="ids">{useStoreState(store, (state) => [...state.ids], sameIds).join(',')}</p>;
  }
  const view = render(
    <>
      <Status />
      <Whole />
      <Ids />
    </>,
  );
  return { store, view };
}

describe('useStoreState', () => {
  it('with a selector, renders again only when the slice it reads changes', () => {
    const { store, view } = setup();
    expect(renders).toEqual({ status: 1, whole: 1, ids: 1 });
    for (let token = 1; token <= 20; token += 1) act(() => store.setState({ tokens: token }));
    // The whole state is read by one component: it renders for every change; the one reading `status` never does.
    expect(renders).toEqual({ status: 1, whole: 21, ids: 1 });
    expect(view.getByTestId('tokens').textContent).toBe('20');
    act(() => store.setState({ status: 'busy' }));
    expect(renders).toMatchObject({ status: 2, ids: 1 });
    expect(view.getByTestId('status').textContent).toBe('busy');
  });

  it('with an equality, a new but equal slice does not render; a changed one does', () => {
    const { store, view } = setup();
    act(() => store.setState({ ids: ['a'] }));
    expect(renders.ids).toBe(1);
    act(() => store.setState({ ids: ['a', 'b'] }));
    expect(renders.ids).toBe(2);
    expect(view.getByTestId('ids').textContent).toBe('a,b');
  });
});
