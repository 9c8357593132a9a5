import { describe, expect, it } from 'vitest';
import { lazyApi } from './lazy-api.js';

interface Api {
  ping(value: number): Promise<number>;
  nested: { echo(text: string): Promise<string> };
}

const apiOf = (counter: { loads: number }): Api => {
  counter.loads += 1;
  return { ping: async (value) => value + 1, nested: { echo: async (text) => `${text}!` } };
};

describe('lazyApi', () => {
  it('loads on the first call, once, and calls members of nested namespaces with their arguments', async () => {
    const counter = { loads: 0 };
    const api = lazyApi(async () => apiOf(counter));
    expect(counter.loads).toBe(0);
    expect(await api.ping(1)).toBe(2);
    expect(await api.nested.echo('hi')).toBe('hi!');
    expect(await Promise.all([api.ping(2), api.ping(3)])).toEqual([3, 4]);
    expect(counter.loads).toBe(1);
  });

  it('rejects the call whose load failed, and loads again on the next', async () => {
    const counter = { loads: 0 };
    let fail = true;
    const api = lazyApi(async () => {
      if (fail) throw new Error('chunk failed to load');
      return apiOf(counter);
    });
    await expect(api.ping(1)).rejects.toThrow('chunk failed to load');
    fail = false;
    expect(await api.ping(1)).toBe(2);
  });

  it('is no thenable, and says which member is missing', async () => {
    const api = lazyApi(async () => apiOf({ loads: 0 }));
    expect(await Promise.resolve(api.nested)).toBe(api.nested);
    await expect((api as unknown as { missing(): Promise<void> }).missing()).rejects.toThrow('missing is not a method of this client');
  });
});
