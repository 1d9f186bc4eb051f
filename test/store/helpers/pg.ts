import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** The server tests create their databases on (trust auth on these machines and in CI). */
export const PG_ADMIN_URL =
  process.env.CODEINDEX_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, and how to drop it. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database with a unique name. Null when no PostgreSQL answers and this is not CI
 * (`.ci/run` starts one, so there a missing server fails the tests instead of skipping them).
 */
export async function createTestDatabase(): Promise<TestDatabase | null> {
  const admin = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => {});
    if (process.env.CI) throw err;
    return null;
  }
  const name = `codeindex_test_${randomUUID().replaceAll('-', '')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      try {
        // Connections the test closed may still be on their way out: give them a moment, so FORCE
        // does not send an error to a client that is closing.
        for (let i = 0; i < 50; i++) {
          const open = await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name]);
          if (open.rowCount === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
