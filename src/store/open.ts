import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';
import { EXTRACTOR_VERSION } from '../indexer/extractor-version.js';
import { cleanup } from './cleanup.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openReadonly, openWritable } from './connection.js';
import { graphData } from './graph.js';
import { migrate, SCHEMA_VERSION, schemaVersion, storedExtractorVersion } from './migrations.js';
import { optimize } from './optimize.js';
import { normalizeRootPath } from './paths.js';
import type { QueryContext } from './query-context.js';
import { findReferences } from './references.js';
import { getFileState, getFileStates, listRoots, rootStatus } from './roots.js';
import { createStatementCache } from './statement-cache.js';
import { fileOutline, searchSymbols } from './symbol-search.js';
import { rankText, searchText } from './text-search.js';
import { buildTextTop } from './text-top.js';
import type { IndexStore, OpenIndexStoreOptions, VectorCoverage } from './types.js';
import {
  chunksByIds,
  chunksMissingVectors,
  coverageStamp,
  dropOtherModelVectors,
  loadVectors,
  upsertVectors,
  vectorCoverage,
  vectorsOfRoot,
  vectorsVersion,
} from './vectors.js';
import type { IndexWriter } from './writes.js';
import { createIndexWriter } from './writes.js';

/** `touchQueried` writes at most this often per root. */
const TOUCH_INTERVAL_MS = 60_000;
/** A query process's best-effort `touchQueried` write waits this long for the lock, no longer. */
const TOUCH_BUSY_TIMEOUT_MS = 250;

/**
 * Opens (and creates or migrates) the SQLite index at `dbPath`.
 *
 * - Read-write (default): creates the file and its directory, runs pending migrations.
 * - `readonly: true` (query processes): never creates the file — a missing database throws
 *   `CodeindexError('NOT_INDEXED')`. An older schema is migrated once through a short-lived
 *   read-write connection. Write methods throw; `touchQueried` still records the query through
 *   a lazily opened write connection with a short busy timeout and ignores a busy database.
 */
export function openIndexStore(dbPath: string, opts: OpenIndexStoreOptions = {}): IndexStore {
  const path = resolve(dbPath);
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const readonly = opts.readonly === true;

  let db: Database.Database;
  if (readonly) {
    db = openReadonly(path, busyTimeoutMs);
    if (schemaVersion(db) !== SCHEMA_VERSION || storedExtractorVersion(db) < EXTRACTOR_VERSION) {
      db.close();
      const rw = openWritable(path, busyTimeoutMs);
      try {
        migrate(rw);
      } finally {
        rw.close();
      }
      db = openReadonly(path, busyTimeoutMs);
    }
  } else {
    db = openWritable(path, busyTimeoutMs);
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  const ctx: QueryContext = { db, statements: createStatementCache(db), now };
  let writer: IndexWriter | undefined;
  let touchDb: Database.Database | undefined;
  const lastTouched = new Map<string, number>();

  function writable(): IndexWriter {
    if (readonly) {
      throw new CodeindexError(
        'INTERNAL',
        `index store ${path} was opened read-only; open it read-write to write`,
      );
    }
    writer ??= createIndexWriter(db, now);
    return writer;
  }

  function writableCtx(): QueryContext {
    writable();
    return ctx;
  }

  function touchConnection(): Database.Database {
    if (!readonly) return db;
    touchDb ??= openWritable(path, TOUCH_BUSY_TIMEOUT_MS);
    return touchDb;
  }

  const coverageMemo = new Map<string, { stamp: string; coverage: VectorCoverage }>();

  return {
    dbPath: path,
    readonly,
    writeBatch: async (rootPath, writes, removals) => writable().writeBatch(rootPath, writes, removals),
    removeFiles: async (rootPath, relPaths) => writable().removeFiles(rootPath, relPaths),
    removeUnder: async (rootPath, relDir) => writable().removeUnder(rootPath, relDir),
    completeGeneration: async (rootPath) => writable().completeGeneration(rootPath),
    removeRoot: async (rootPath) => writable().removeRoot(rootPath),
    async touchQueried(rootPath) {
      const root = normalizeRootPath(rootPath);
      const at = now();
      const last = lastTouched.get(root);
      if (last !== undefined && at - last < TOUCH_INTERVAL_MS) return;
      lastTouched.set(root, at);
      try {
        touchConnection().prepare('UPDATE roots SET last_queried_at = ? WHERE path = ?').run(at, root);
      } catch (err) {
        // Best effort: a busy or read-only database must not fail the query that triggered it.
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !/^SQLITE_(BUSY|READONLY|CANTOPEN|PERM)/.test(code)) throw err;
      }
    },
    listRoots: async () => listRoots(ctx),
    getFileStates: async (rootPath, relPaths) => getFileStates(ctx, rootPath, relPaths),
    getFileState: async (rootPath, relPath) => getFileState(ctx, rootPath, relPath),
    searchSymbols: async (q) => searchSymbols(ctx, q),
    fileOutline: async (absPath) => fileOutline(ctx, absPath),
    findReferences: async (q) => findReferences(ctx, q),
    searchText: async (q) => searchText(ctx, q),
    rankText: async (q) => {
      const r = rankText(ctx, q);
      return {
        ids: r.ranked.map((x) => x.id),
        bm25: r.ranked.map((x) => -x.rank),
        hasMore: r.hasMore,
        terms: r.terms,
      };
    },
    rootStatus: async (rootPath) => rootStatus(ctx, rootPath),
    cleanup: async (o) => cleanup(writableCtx(), o),
    optimize: async (opts) => {
      const res = optimize(writableCtx(), opts);
      if (opts?.textTopMinDf === undefined) return res;
      // After the merge (the build reads the merged index); the WAL is folded back again after it.
      const top = await buildTextTop(db, {
        minDf: opts.textTopMinDf,
        ...(opts.textTopSize === undefined ? {} : { size: opts.textTopSize }),
      });
      if (!top.reused) db.pragma('wal_checkpoint(TRUNCATE)');
      return { ...res, textTop: { terms: top.terms, reused: top.reused, ms: Math.round(top.ms) } };
    },
    chunksMissingVectors: async (rootPath, model, limit, afterId, shard) =>
      chunksMissingVectors(ctx, rootPath, model, limit, afterId, shard),
    vectorsVersion: async () => vectorsVersion(ctx),
    upsertVectors: async (model, dims, rows) => upsertVectors(writableCtx(), model, dims, rows),
    loadVectors: async (rootPath, model) => loadVectors(ctx, rootPath, model),
    async vectorCoverage(rootPath, model) {
      // Counting joins every chunk of the root with the vectors (~0.5 s for Go's standard
      // library); metrics scrapes and index_status ask often, the answer changes rarely.
      const stamp = coverageStamp(ctx, rootPath);
      const key = `${model}\n${rootPath}`;
      const hit = coverageMemo.get(key);
      if (stamp !== null && hit?.stamp === stamp) return { ...hit.coverage };
      const coverage = vectorCoverage(ctx, rootPath, model);
      if (stamp !== null) coverageMemo.set(key, { stamp, coverage });
      return { ...coverage };
    },
    dropOtherModelVectors: async (rootPath, model) => dropOtherModelVectors(writableCtx(), rootPath, model),
    vectorsOfRoot: async (rootPath, limit, after) => vectorsOfRoot(ctx, rootPath, limit, after),
    chunksByIds: async (ids) => chunksByIds(ctx, ids),
    graphData: async (pathPrefix, maxSymbols) => graphData(ctx, pathPrefix, maxSymbols),
    async close() {
      touchDb?.close();
      touchDb = undefined;
      if (db.open) db.close();
    },
  };
}
