/**
 * An API whose code loads on its first call, for parts of the client most apps never call (the admin routes, batch
 * jobs, saved conversations): each member is an async method, or a namespace of them, so a call can wait for the
 * load and nothing about it changes but when the code arrives. Loaded once; a load that fails rejects that call, and
 * the next call tries again.
 * @example
 * const jobs = lazyApi(async () => (await import('./jobs-client.js')).createJobsApi(transport));
 * await jobs.get('job_1'); // loads jobs-client.js, then calls its `get`
 */
export function lazyApi<T extends object>(load: () => Promise<T>): T {
  let loading: Promise<T> | undefined;
  const loaded = () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
  const at = (path: readonly string[]): unknown => {
    const members = new Map<string, unknown>();
    return new Proxy(() => undefined, {
      // Members are named by strings; nothing else is one (a symbol, `then`: `await client.jobs` must not call it, or
      // `toJSON`), so the client can be printed, compared and awaited as a plain object.
      get: (_target, key) => {
        if (typeof key !== 'string' || key === 'then' || key === 'toJSON') return undefined;
        if (!members.has(key)) members.set(key, at([...path, key]));
        return members.get(key);
      },
      apply: async (_target, _self, args: unknown[]) => {
        let owner: unknown = await loaded();
        for (const key of path.slice(0, -1)) owner = (owner as Record<string, unknown>)[key];
        const method = (owner as Record<string, unknown>)[path[path.length - 1] as string];
        if (typeof method !== 'function') throw new TypeError(`${path.join('.')} is not a method of this client`);
        return (method as (...values: unknown[]) => unknown).apply(owner, args);
      },
    });
  };
  return at([]) as T;
}
