import { createQueryId, type Compilable, type Kysely, type OperationNodeSource, type RootOperationNode } from 'kysely';
import type { Database } from '../store/schema.js';

/** Distinct row counts whose insert is kept compiled (a full batch, and the counts a flush left over). */
const KEPT_STATEMENTS = 16;

/**
 * A multi-row insert compiled once per row count. Kysely compiles the insert of `n` rows once (the dialect's
 * placeholders and quoting); each run then passes its rows' values in column order. Built anew, an insert costs a node
 * per value, frozen, then visited to compile it, and a fresh SQL text to hash for the statement cache: for the usage
 * ledger, about 40% of a record's CPU.
 * @example
 * const insert = new CompiledInsert(db, COLUMNS, valuesOf, (db, rows) => db.insertInto('open_requests').values(rows));
 * await insert.run(rows);
 */
export class CompiledInsert<Row extends object> {
  readonly #statements = new Map<number, { node: RootOperationNode; sql: string }>();

  constructor(
    private readonly db: Kysely<Database>,
    /** Every column of the row, in the order `valuesOf` gives their values. */
    private readonly columns: ReadonlyArray<keyof Row>,
    /** A row's values in `columns` order, each read by its name (a loop over the names would read every one megamorphically). */
    private readonly valuesOf: (row: Row) => unknown[],
    /** The insert of `rows` as the builder writes it (its conflict clause included). */
    private readonly build: (db: Kysely<Database>, rows: readonly Row[]) => Compilable & OperationNodeSource & { execute(): Promise<unknown> },
  ) {}

  /** Inserts `rows` through `db` (a transaction's, or the one it was made with). */
  async run(rows: readonly Row[], db: Kysely<Database> = this.db): Promise<void> {
    const parameters: unknown[] = [];
    for (const row of rows) {
      for (const value of this.valuesOf(row)) {
        // Kysely writes a missing value as the column's default: a row with one goes through it whole.
        if (value === undefined) return void (await this.build(db, rows).execute());
        parameters.push(value);
      }
    }
    const { node, sql } = this.#statement(rows.length);
    const executor = db.getExecutor();
    const queryId = createQueryId();
    // Plugins see each insert, as Kysely shows them every query; one that rewrites it gets Kysely's own.
    if (executor.transformQuery(node, queryId) !== node) return void (await this.build(db, rows).execute());
    await executor.executeQuery({ query: node, queryId, sql, parameters });
  }

  /** The SQL text of the insert of `count` rows, whose parameters are the rows' values in column order. */
  sql(count: number): string {
    return this.#statement(count).sql;
  }

  /** A row's values, in the order the insert's SQL takes them. */
  values(row: Row): unknown[] {
    return this.valuesOf(row);
  }

  #statement(count: number): { node: RootOperationNode; sql: string } {
    let statement = this.#statements.get(count);
    if (statement === undefined) {
      const placeholder = Object.fromEntries(this.columns.map((column) => [column, null])) as unknown as Row;
      // Without plugins: they see each run's insert in `run`, not this one.
      const db = this.db.withoutPlugins();
      const node = this.build(db, Array.from({ length: count }, () => placeholder)).toOperationNode() as RootOperationNode;
      const compiled = db.getExecutor().compileQuery(node, createQueryId());
      // Each run passes the rows' values alone: a value the builder adds of its own would shift every one after it.
      if (compiled.parameters.length !== count * this.columns.length) throw new Error(`CompiledInsert: the insert of ${count} rows takes ${compiled.parameters.length} values, not one per column of each row`);
      statement = { node, sql: compiled.sql };
      if (this.#statements.size >= KEPT_STATEMENTS) this.#statements.delete(this.#statements.keys().next().value as number);
      this.#statements.set(count, statement);
    }
    return statement;
  }
}
