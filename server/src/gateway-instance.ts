import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * One running gateway (one `createAiGateway` in one process): what it leaves in shared stores (requests in flight,
 * Redis reservations) carries its id, and its heartbeat tells the others it is alive.
 */
export interface GatewayInstance {
  /** Unique per gateway, across machines and restarts. */
  id: string;
  /** The machine and process it runs in: a start on the same machine can tell a predecessor is gone. */
  host: string;
  pid: number;
}

/** How long an instance that stopped beating is taken for alive, unless `instanceLeaseMs` says otherwise. */
export const DEFAULT_INSTANCE_LEASE_MS = 30_000;

/**
 * The instances alive in this process, so a gateway never takes another of the same process (a host that mounts two,
 * tests) for a predecessor; kept on the global object, where a second copy of this module finds it too.
 */
const LIVE: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('insforge-ai.live-instances')] ??= new Set<string>()) as Set<string>;

/**
 * A new instance of this process, alive until `ended`.
 * @example
 * const instance = newGatewayInstance(); // { id: 'web-1:4121:5f0c9a1e2b7d4c30', host: 'web-1', pid: 4121 }
 */
export function newGatewayInstance(): GatewayInstance & { ended(): void } {
  const host = hostname();
  const id = `${host}:${process.pid}:${randomBytes(8).toString('hex')}`;
  LIVE.add(id);
  return { id, host, pid: process.pid, ended: () => void LIVE.delete(id) };
}

/**
 * Whether an instance another one saw is gone for sure, before its lease lapses: it ran on this machine in a process
 * that no longer exists, or under this process's id without being one of its live gateways (a container restarted
 * reuses its process id: an id names one process at a time).
 */
export function isGoneProcess(instance: Pick<GatewayInstance, 'id' | 'host' | 'pid'>, self: GatewayInstance): boolean {
  if (instance.host !== self.host) return false;
  if (instance.pid === self.pid) return !LIVE.has(instance.id);
  try {
    process.kill(instance.pid, 0);
    return false;
  } catch (error) {
    // EPERM: a process of another user holds that id; it may be a gateway.
    return (error as { code?: unknown }).code === 'ESRCH';
  }
}
