import { describe, expect, it } from 'vitest';
import { lazyApi, type ApiShape } from './lazy-api.js';

interface Api {
  ping(value: number): Promise<number>;
  nested: { echo(text: string): Promise<string> };
}

const SHAPE: ApiShape<Api> = { ping: true, nested: { echo: true } };

const apiOf = (counter: { loads: number }): Api => {
  counter.loads += 1;
  return { ping: async (value) => value + 1, nested: { echo: async (text) => `${text}!` } };
};

describe('lazyApi', () => {
  it('loads on the first call, once, and calls members of nested namespaces with their arguments', async () => {
    const counter = { loads: 0 };
    const api = lazyApi(async () => apiOf(counter), SHAPE);
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
    }, SHAPE);
    await expect(api.ping(1)).rejects.toThrow('chunk failed to load');
    fail = false;
    expect(await api.ping(1)).toBe(2);
  });

  it('has the methods its shape names, and no other, before anything loads (what feature checks look at)', () => {
    const api = lazyApi(async () => apiOf({ loads: 0 }), SHAPE);
    expect(Object.keys(api)).toEqual(['ping', 'nested']);
    expect('echo' in api.nested).toBe(true);
    expect('csv' in api.nested).toBe(false);
    expect(typeof api.ping).toBe('function');
  });
});
