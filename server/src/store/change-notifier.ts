import { EventEmitter } from 'node:events';
import type pg from 'pg';

/** What changed, so caches on every instance can drop exactly that. */
export interface ChangeEvent {
  kind: 'features' | 'provider_key' | 'client_keys' | 'limits' | 'project';
  projectId: string;
}

const CHANNEL = 'insforge_ai_changes';

/**
 * Tells caches that configuration changed. In process always; across instances through Postgres LISTEN/NOTIFY
 * when the database is Postgres (caches also expire on their own, so a lost notification only delays a change).
 */
export class ChangeNotifier {
  readonly #events = new EventEmitter();
  #listener: pg.PoolClient | undefined;
  #closed = false;

  constructor(private readonly pool?: pg.Pool) {
    this.#events.setMaxListeners(0);
  }

  /** Starts listening to other instances (Postgres only); resolves once subscribed. */
  async start(): Promise<void> {
    if (!this.pool || this.#listener) return;
    const client = await this.pool.connect();
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        this.#events.emit('change', JSON.parse(message.payload) as ChangeEvent);
      } catch {
        // A payload from another version of the gateway: ignore it; the cache TTL covers the change.
      }
    });
    client.on('error', () => {
      // A lost connection (a restarted or dropped database) may report more than once, or after close().
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.release(true);
      this.#restartSoon();
    });
    this.#listener = client;
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      if (this.#listener === client) {
        this.#listener = undefined;
        client.release(true);
      }
      throw error;
    }
  }

  /** Listens again once the database is back, trying every second; changes meanwhile are caught by cache expiry. */
  #restartSoon(): void {
    if (this.#closed) return;
    setTimeout(() => {
      this.start().catch(() => this.#restartSoon());
    }, 1_000).unref();
  }

  /** Announces a change here and, on Postgres, to every other instance. */
  async publish(event: ChangeEvent): Promise<void> {
    this.#events.emit('change', event);
    if (this.pool) await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(event)]);
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
      listener.release();
    }
  }
}
