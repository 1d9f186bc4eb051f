import pg from 'pg';
import { CodeindexError } from '../../errors.js';
import { normalizeRootPath } from '../paths.js';
import type { IndexStore, VectorCoverage } from '../types.js';
import { changed, type PgContext } from './context.js';
import { cleanupPg, graphDataPg, optimizePg } from './maintenance.js';
import { migratePg } from './migrations.js';
import { findReferencesPg } from './references.js';
import { getFileStatePg, getFileStatesPg, listRootsPg, rootStatusPg } from './roots.js';
import { RootsCache } from './roots-cache.js';
import { useRootSource } from './scope.js';
import { fileOutlinePg, searchSymbolsPg } from './symbols.js';
import { chunksByIdsPg, rankTextPg, searchTextPg } from './text.js';
import {
  chunksMissingVectorsPg,
  coverageStampPg,
  dropOtherModelVectorsPg,
  loadVectorsPg,
  upsertVectorsPg,
  vectorCoveragePg,
  vectorsOfRootPg,
  vectorsVersionPg,
} from './vectors.js';
import { createPgWriter, type PgWriter } from './writes.js';

/** `touchQueried` writes at most this often per root (as the SQLite engine). */
const TOUCH_INTERVAL_MS = 60_000;
const INT8_OID = 20;

/** Options of {@link openPgStore}. */
export interface OpenPgStoreOptions {
  /** Queries only: write methods throw (`touchQueried` still records queries). */
  readonly?: boolean;
  /** Connections in the pool. Default 4. */
  maxConnections?: number;
  /** Clock in epoch ms; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * Keep the roots list between calls, dropped on every change (`RootsCache`: one more
   * connection, LISTENing). For long-lived query processes (the MCP and HTTP servers).
   */
  cacheRoots?: boolean;
}

/**
 * BIGINT columns (ids, epoch-ms times, counts) as JavaScript numbers instead of strings: every
 * value the index stores is far below 2^53. Set on this pool only, not on `pg` globally.
 */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads take the format as a union here.
    return pg.types.getTypeParser(oid, format as any);
  },
};

/** The URL without its password, for messages and `dbPath`. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/**
 * Opens the PostgreSQL index at `url` (`postgres://user@host:port/db`). Nothing connects until
 * the first call, which also brings the schema up to date (`migratePg`, once per store).
 * `dbPath` is the URL without its password.
 */
export function openPgStore(url: string, opts: OpenPgStoreOptions = {}): IndexStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 4,
    types: PG_TYPES,
    // A server that does not answer fails the call in seconds instead of hanging it.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // pg closes a connection idle for 10 s by default; a server answering an assistant's queries
    // seconds to minutes apart would then pay a new connection, cold catalog caches and new
    // prepared statements (20-30 ms) on most calls.
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    // Idle connections never keep a process alive (a command that ends without closing the store).
    allowExitOnIdle: true,
    // Named statements (`preparedRows`: the symbol, reference and outline lookups) are planned
    // once per connection, not on every call: their plans do not depend on the values (keys and
    // ids through B-tree indexes), and planning the symbol search cost more than running it.
    // Unnamed statements (full text, writes) are planned for their values as before. A SET, not a
    // startup option: connection poolers such as PgBouncer refuse unknown startup parameters. The
    // pool hands the connection out once it is done (a query sent meanwhile would be queued
    // behind it, which pg 8.x deprecates with a warning).
    onConnect: async (client: pg.ClientBase) => {
      await client.query('SET plan_cache_mode = force_generic_plan').catch(() => {});
    },
  });
  // An idle connection the server drops (restart, idle timeout) must not crash the process: the
  // next query gets a new one.
  pool.on('error', () => {});
  // Nor one that is checked out (a transaction between two statements, the migration lock): pg
  // emits 'error' on the client besides failing its query, and with no listener that would be an
  // uncaught exception. The query's own error is what callers see; the broken client is dropped
  // when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const now = opts.now ?? Date.now;
  const readonly = opts.readonly === true;
  const ctx: PgContext = { pool, now, trigram: false };
  const writer: PgWriter = createPgWriter(ctx);
  let migrated: Promise<void> | undefined;
  const lastTouched = new Map<string, number>();
  let closed = false;
  const coverageMemo = new Map<string, { stamp: string; coverage: VectorCoverage }>();
  const rootsCache = opts.cacheRoots
    ? new RootsCache(
        url,
        () => listRootsPg(pool),
        async (channel, payload) => {
          await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
        },
        CONNECT_TIMEOUT_MS,
      )
    : null;
  if (rootsCache !== null)
    useRootSource(pool, async () =>
      (await rootsCache.list()).map((r) => ({ id: r.id, path: r.path, chunks_version: r.chunksVersion })),
    );

  function ready(): Promise<void> {
    migrated ??= migratePg(pool).then(
      (r) => {
        ctx.trigram = r.trigram;
      },
      (err: unknown) => {
        migrated = undefined;
        throw err;
      },
    );
    return migrated;
  }

  async function writable(): Promise<PgWriter> {
    if (readonly) {
      throw new CodeindexError(
        'INTERNAL',
        `index store ${redacted(url)} was opened read-only; open it read-write to write`,
      );
    }
    await ready();
    return writer;
  }

  return unavailableAsOneLine(url, {
    dbPath: redacted(url),
    readonly,
    writeBatch: async (rootPath, writes, removals) =>
      (await writable()).writeBatch(rootPath, writes, removals),
    removeFiles: async (rootPath, relPaths) => (await writable()).removeFiles(rootPath, relPaths),
    removeUnder: async (rootPath, relDir) => (await writable()).removeUnder(rootPath, relDir),
    completeGeneration: async (rootPath) => (await writable()).completeGeneration(rootPath),
    removeRoot: async (rootPath) => (await writable()).removeRoot(rootPath),
    async touchQueried(rootPath) {
      const root = normalizeRootPath(rootPath);
      const at = now();
      const last = lastTouched.get(root);
      if (last !== undefined && at - last < TOUCH_INTERVAL_MS) return;
      lastTouched.set(root, at);
      await ready();
      await changed(pool, 'UPDATE roots SET last_queried_at = ? WHERE path = ?', [at, root]);
    },
    listRoots: async () => {
      await ready();
      return rootsCache !== null ? rootsCache.list() : listRootsPg(pool);
    },
    getFileStates: async (rootPath, relPaths) => {
      await ready();
      return getFileStatesPg(pool, rootPath, relPaths);
    },
    getFileState: async (rootPath, relPath) => {
      await ready();
      return getFileStatePg(pool, rootPath, relPath);
    },
    rootStatus: async (rootPath) => {
      await ready();
      return rootStatusPg(pool, rootPath);
    },
    searchSymbols: async (q) => {
      await ready();
      return searchSymbolsPg(pool, q);
    },
    fileOutline: async (absPath) => {
      await ready();
      return fileOutlinePg(pool, absPath);
    },
    findReferences: async (q) => {
      await ready();
      return findReferencesPg(pool, q);
    },
    searchText: async (q) => {
      await ready();
      return searchTextPg(pool, q);
    },
    rankText: async (q) => {
      await ready();
      const r = await rankTextPg(pool, q);
      return {
        ids: r.ranked.map((x) => x.id),
        bm25: r.ranked.map((x) => -x.rank),
        hasMore: r.hasMore,
        terms: r.terms,
        ...(r.chunks ? { chunks: r.chunks } : {}),
      };
    },
    cleanup: async (o) => {
      await writable();
      return cleanupPg(ctx, o);
    },
    optimize: async (o) => {
      await writable();
      return optimizePg(ctx, o);
    },
    chunksMissingVectors: async (rootPath, model, limit, afterId, shard) => {
      await ready();
      return chunksMissingVectorsPg(pool, rootPath, model, limit, afterId, shard);
    },
    vectorsVersion: async () => {
      await ready();
      return vectorsVersionPg(pool);
    },
    upsertVectors: async (model, dims, rows) => {
      await writable();
      return upsertVectorsPg(ctx, model, dims, rows);
    },
    loadVectors: async (rootPath, model) => {
      await ready();
      return loadVectorsPg(pool, rootPath, model);
    },
    async vectorCoverage(rootPath, model) {
      await ready();
      // Counting joins every chunk of the root with the vectors; metrics scrapes and index_status
      // ask often and the answer changes rarely (as the SQLite engine, memoised per stamp).
      const stamp = await coverageStampPg(pool, rootPath);
      const key = `${model}\n${rootPath}`;
      const hit = coverageMemo.get(key);
      if (stamp !== null && hit?.stamp === stamp) return { ...hit.coverage };
      const coverage = await vectorCoveragePg(pool, rootPath, model);
      if (stamp !== null) coverageMemo.set(key, { stamp, coverage });
      return { ...coverage };
    },
    dropOtherModelVectors: async (rootPath, model) => {
      await writable();
      return dropOtherModelVectorsPg(ctx, rootPath, model);
    },
    vectorsOfRoot: async (rootPath, limit, after) => {
      await ready();
      return vectorsOfRootPg(pool, rootPath, limit, after);
    },
    chunksByIds: async (ids) => {
      await ready();
      return chunksByIdsPg(pool, ids);
    },
    graphData: async (pathPrefix, maxSymbols) => {
      await ready();
      return graphDataPg(pool, pathPrefix, maxSymbols);
    },
    async close() {
      if (closed) return;
      closed = true;
      await rootsCache?.close();
      await pool.end();
    },
  });
}

const CONNECT_TIMEOUT_MS = 5000;
/** An idle connection of the pool is closed after this long. */
const IDLE_TIMEOUT_MS = 10 * 60_000;

/** Error codes that mean the server cannot be reached or is not serving (not a bad query). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '3D000',
]);

/**
 * Whether an error from `pg` means PostgreSQL is unreachable or refuses this login (class 28: an
 * unknown role, a wrong password) rather than the query being wrong.
 */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08') || code.startsWith('28')))
    return true;
  const message = err instanceof Error ? err.message : '';
  // "is not queryable": a statement on a client whose connection broke earlier (a transaction
  // whose connection the server terminated between two of its statements).
  return /Connection terminated|timeout exceeded when trying to connect|connect ETIMEDOUT|is not queryable/i.test(
    message,
  );
}

/**
 * Every method of the store, with an unreachable server reported as one line starting
 * STORE_UNAVAILABLE that says what to do; other errors pass through unchanged.
 */
function unavailableAsOneLine(url: string, store: IndexStore): IndexStore {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(store)) {
    wrapped[key] =
      typeof value !== 'function'
        ? value
        : async (...args: unknown[]) => {
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (err) {
              if (!isUnreachable(err)) throw err;
              const detail =
                err instanceof Error && err.message !== ''
                  ? err.message
                  : String((err as { code?: unknown }).code);
              throw new CodeindexError(
                'STORE_UNAVAILABLE',
                `PostgreSQL at ${redacted(url)} is not usable (${detail}): start it or fix CODEINDEX_DATABASE_URL, then call again`,
                { cause: err },
              );
            }
          };
  }
  return wrapped as unknown as IndexStore;
}
