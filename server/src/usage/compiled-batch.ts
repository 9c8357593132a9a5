import { createQueryId, type Compilable, type Kysely, type OperationNodeSource, type RootOperationNode } from 'kysely';
import type { Database } from '../store/schema.js';

/** One statement of a batch: its SQL and the values it binds, in order. */
export interface BatchStatement {
  sql: string;
  parameters: unknown[];
}

/**
 * A statement over a batch of rows (a multi-row insert, a delete of the rows' ids), compiled once per row count, for
 * counts that are powers of two up to `largest`: a batch of any other size runs as several of them (200 rows as 128,
 * 64 and 8), in one transaction. Kysely compiles the statement of `n` rows once (the dialect's placeholders and
 * quoting) and SQLite prepares its text once; each run then passes its rows' values in column order. Built anew, a
 * statement costs a node per value, frozen, then visited to compile it, and a fresh SQL text for SQLite to prepare:
 * for the usage ledger, about 40% of a record's CPU, and a batch of a count not seen before (the ledger's flushes
 * under load, a turn's notes) paid it again (bench/findings.md, change 50).
 * @example
 * const insert = new CompiledBatch(db, COLUMNS, valuesOf, (db, rows) => db.insertInto('open_requests').values(rows));
 * await insert.run(rows);
 */
export class CompiledBatch<Row extends object> {
  readonly #statements = new Map<number, { node: RootOperationNode; sql: string }>();

  constructor(
    private readonly db: Kysely<Database>,
    /** Every column of the row the statement binds, in the order `valuesOf` gives their values. */
    private readonly columns: ReadonlyArray<keyof Row>,
    /** A row's values in `columns` order, each read by its name (a loop over the names would read every one megamorphically). */
    private readonly valuesOf: (row: Row) => unknown[],
    /** The statement of `rows` as the builder writes it (an insert's conflict clause included). */
    private readonly build: (db: Kysely<Database>, rows: readonly Row[]) => Compilable & OperationNodeSource & { execute(): Promise<unknown> },
    /** The most rows one statement takes: a power of two. */
    private readonly largest = 128,
  ) {
    if (!Number.isInteger(Math.log2(largest))) throw new Error(`CompiledBatch: the most rows a statement takes must be a power of two, not ${largest}`);
  }

  /** Runs the statements of `rows` through `db` (a transaction's, or the one it was made with; one of its own for several). */
  async run(rows: readonly Row[], db: Kysely<Database> = this.db): Promise<void> {
    const counts = countsOf(rows.length, this.largest);
    if (counts.length > 1 && !db.isTransaction) return db.transaction().execute((transaction) => this.run(rows, transaction));
    let start = 0;
    for (const count of counts) {
      await this.#runOne(rows.slice(start, start + count), db);
      start += count;
    }
  }

  /**
   * The statements of `rows`, to run on a connection of one's own, in one transaction when there are several; undefined
   * when a row has a value missing (Kysely writes the column's default: such a batch goes through `run`).
   */
  statements(rows: readonly Row[]): BatchStatement[] | undefined {
    const statements: BatchStatement[] = [];
    let start = 0;
    for (const count of countsOf(rows.length, this.largest)) {
      const parameters = this.#parameters(rows, start, count);
      if (parameters === undefined) return undefined;
      statements.push({ sql: this.#statement(count).sql, parameters });
      start += count;
    }
    return statements;
  }

  /** The SQL of the statement of `count` rows: a power of two, not above the most a statement takes. */
  sql(count: number): string {
    if (countsOf(count, this.largest).length !== 1) throw new Error(`CompiledBatch: no one statement takes ${count} rows`);
    return this.#statement(count).sql;
  }

  async #runOne(rows: readonly Row[], db: Kysely<Database>): Promise<void> {
    const parameters = this.#parameters(rows, 0, rows.length);
    if (parameters === undefined) return void (await this.build(db, rows).execute());
    const { node, sql } = this.#statement(rows.length);
    const executor = db.getExecutor();
    const queryId = createQueryId();
    // Plugins see each statement, as Kysely shows them every query; one that rewrites it gets Kysely's own.
    if (executor.transformQuery(node, queryId) !== node) return void (await this.build(db, rows).execute());
    await executor.executeQuery({ query: node, queryId, sql, parameters });
  }

  /** The values of `count` rows from `start`, in column order; undefined when one is missing. */
  #parameters(rows: readonly Row[], start: number, count: number): unknown[] | undefined {
    const parameters: unknown[] = [];
    for (let index = start; index < start + count; index += 1) {
      for (const value of this.valuesOf(rows[index] as Row)) {
        if (value === undefined) return undefined;
        parameters.push(value);
      }
    }
    return parameters;
  }

  #statement(count: number): { node: RootOperationNode; sql: string } {
    let statement = this.#statements.get(count);
    if (statement === undefined) {
      const placeholder = Object.fromEntries(this.columns.map((column) => [column, null])) as unknown as Row;
      // Without plugins: they see each run's statement in `run`, not this one.
      const db = this.db.withoutPlugins();
      const node = this.build(db, Array.from({ length: count }, () => placeholder)).toOperationNode() as RootOperationNode;
      const compiled = db.getExecutor().compileQuery(node, createQueryId());
      // Each run passes the rows' values alone: a value the builder adds of its own would shift every one after it.
      if (compiled.parameters.length !== count * this.columns.length) throw new Error(`CompiledBatch: the statement of ${count} rows takes ${compiled.parameters.length} values, not one per column of each row`);
      statement = { node, sql: compiled.sql };
      this.#statements.set(count, statement);
    }
    return statement;
  }
}

/**
 * The row counts a batch of `count` runs as: powers of two, the largest first, none above `largest`.
 * @example
 * countsOf(200, 128); // [128, 64, 8]
 */
export function countsOf(count: number, largest: number): number[] {
  const counts: number[] = [];
  let left = count;
  while (left >= largest) {
    counts.push(largest);
    left -= largest;
  }
  for (let size = largest / 2; size >= 1; size /= 2) {
    if (left >= size) {
      counts.push(size);
      left -= size;
    }
  }
  return counts;
}
