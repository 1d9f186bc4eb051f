import type Database from 'better-sqlite3';

/** Prepared statements for dynamically built SQL, keyed by the SQL text, owned by one store. */
export interface StatementCache {
  get<Row = unknown>(sql: string): Database.Statement<unknown[], Row>;
}

/** A bounded cache: query shapes are few (filters on/off), so it is cleared when it overflows. */
export function createStatementCache(db: Database.Database, max = 256): StatementCache {
  const map = new Map<string, Database.Statement<unknown[], unknown>>();
  return {
    get<Row>(sql: string) {
      let st = map.get(sql);
      if (st === undefined) {
        if (map.size >= max) map.clear();
        st = db.prepare<unknown[], unknown>(sql);
        map.set(sql, st);
      }
      return st as Database.Statement<unknown[], Row>;
    },
  };
}
