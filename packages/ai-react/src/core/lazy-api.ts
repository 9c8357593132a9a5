/**
 * The members of an API whose every member is an async method (`true`) or a namespace of them: what `lazyApi` builds
 * stand-ins for. A mapped type, so a method added to the API and not named here is a type error.
 */
export type ApiShape<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => Promise<unknown> ? true : ApiShape<T[K]> };

/**
 * An API whose code loads on its first call, for parts of the client most apps never call (images, models, the admin
 * routes, batch jobs, saved conversations): each of its methods (`shape` names them) stands in for the loaded one,
 * waits for the load, and calls it; nothing about a call changes but when the code arrives. Loaded once; a load that
 * fails rejects that call, and the next call tries again.
 * @example
 * const operations = lazyApi(async () => (await import('./operations-client.js')).createOperationsApi(transport), { health: true, errors: true });
 * await operations.health(); // loads operations-client.js, then calls its `health`
 */
export function lazyApi<T extends object>(load: () => Promise<T>, shape: ApiShape<T>): T {
  let loading: Promise<T> | undefined;
  const loaded = () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
  const standInsOf = (members: Record<string, unknown>, path: readonly string[]): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(members).map(([name, member]) => {
        if (member !== true) return [name, standInsOf(member as Record<string, unknown>, [...path, name])];
        const method = async (...args: unknown[]) => {
          let owner = (await loaded()) as Record<string, unknown>;
          for (const key of path) owner = owner[key] as Record<string, unknown>;
          return (owner[name] as (...values: unknown[]) => unknown).apply(owner, args);
        };
        return [name, method];
      }),
    );
  return standInsOf(shape as Record<string, unknown>, []) as T;
}
