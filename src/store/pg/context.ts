import { createHash } from 'node:crypto';
import pg, { type Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';

const { escapeLiteral } = pg;

/** A pool or one of its clients (inside a transaction): both run queries. */
export type Queryable = Pool | PoolClient;

/** What the PostgreSQL query modules share: the pool, the clock, the optional features. */
export interface PgContext {
  pool: Pool;
  now: () => number;
  /** Whether `pg_trgm` and its index on symbol keys exist (see `migratePg`). */
  trigram: boolean;
}

/**
 * `?` placeholders numbered as `$1, $2, ...`, so SQL fragments shared with the SQLite engine
 * (`scopeFilter`) compose with the rest. The SQL of this engine holds no `?` of its own.
 */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * SQL written with `?` placeholders, with each one replaced by its value as a literal (strings
 * escaped by the driver's `escapeLiteral`; numbers only when finite; null as NULL), for statements
 * sent with others in one simple-protocol message, which carries no parameters.
 */
export function inlined(sql: string, params: readonly unknown[]): string {
  let n = 0;
  return sql.replace(/\?/g, () => {
    if (n >= params.length) throw new Error('inlined: more placeholders than values');
    const v = params[n++];
    if (v === null) return 'NULL';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`inlined: ${v} is not a finite number`);
      return String(v);
    }
    if (typeof v === 'string') return escapeLiteral(v);
    throw new Error(`inlined: cannot inline a ${typeof v}`);
  });
}

/** Runs SQL written with `?` placeholders; returns its rows. */
export async function rowsOf<R extends QueryResultRow>(
  db: Queryable,
  sql: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  return (await db.query<R>(numbered(sql), params as unknown[])).rows;
}

/**
 * `rowsOf` as a named prepared statement (named after a hash of its text): each connection parses
 * it once and, with the pool's `plan_cache_mode` (see `openPgStore`), plans it once, so a query
 * is not planned on every call. Planning the symbol search's statements cost more than running
 * them (1-5 ms against 0.2-1.5 ms on Django). For read queries of a bounded set of texts only:
 * every distinct text stays prepared on every connection for its lifetime.
 */
export async function preparedRows<R extends QueryResultRow>(
  db: Queryable,
  sql: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  const text = numbered(sql);
  const name = `ci_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  return (await db.query<R>({ name, text, values: params as unknown[] })).rows;
}

/** Runs SQL written with `?` placeholders; returns how many rows it changed. */
export async function changed(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<number> {
  return (await db.query(numbered(sql), params as unknown[])).rowCount ?? 0;
}

/**
 * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when not.
 * `begin` opens it (statements after BEGIN in one simple-protocol message cost no extra round trip);
 * `fn` gets the results of its statements.
 */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient, opened: QueryResult[]) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    const opened = (await client.query(begin)) as unknown as QueryResult | QueryResult[];
    try {
      const out = await fn(client, Array.isArray(opened) ? opened : [opened]);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    }
  } finally {
    client.release(broken);
  }
}

/** A root's id and path. */
export interface RootRef {
  id: number;
  path: string;
  /** Bumped by every write that changes the root's chunks. */
  chunks_version: number;
}

/** Every root's `{id, path, chunks_version}`, by path. */
export const ROOTS_SQL = 'SELECT id, path, chunks_version FROM roots ORDER BY path';

/** `{id, path}` of every root, by path (roots are few, so they are read per query). */
export async function allRootsPg(db: Queryable): Promise<RootRef[]> {
  return rowsOf(db, ROOTS_SQL);
}
