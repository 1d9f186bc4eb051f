import { existsSync } from 'node:fs';
import { cleanupCutoff, isStaleRoot, type RootActivityRow } from '../cleanup.js';
import {
  GRAPH_MAX_SYMBOLS,
  type GraphFileRow,
  graphFiles,
  graphFilesSql,
  graphRef,
  graphRefsSelect,
  importNames,
} from '../graph.js';
import { joinRootPath, scopeFilter } from '../paths.js';
import { USE_KINDS_MASK } from '../ref-sites.js';
import type {
  CleanupOptions,
  CleanupResult,
  GraphData,
  OptimizeOptions,
  OptimizeResult,
  PathScope,
} from '../types.js';
import { BUMP_VECTORS_VERSION } from '../vectors.js';
import { changed, inTransaction, type PgContext, type Queryable, rowsOf } from './context.js';
import { BUMP_CHUNKS_VERSION_PG } from './roots.js';
import { scopeOfPg } from './scope.js';
import { TEXT_RANK } from './text.js';
import { buildTextTopPg } from './text-top.js';

/** Files, definitions, (non-import) references and imports under a prefix, as `graphData` of SQLite. */
export async function graphDataPg(
  db: Queryable,
  pathPrefix: PathScope | undefined,
  maxSymbols = GRAPH_MAX_SYMBOLS,
): Promise<GraphData> {
  const scope = await scopeOfPg(db, pathPrefix);
  const f = scope === null ? { sql: 'true', params: [] as unknown[] } : scopeFilter(scope);
  const files = graphFiles(
    await rowsOf<GraphFileRow>(db, graphFilesSql(f.sql), f.params),
    pathPrefix,
    maxSymbols,
  );
  const symbols = await rowsOf<GraphData['symbols'][number]>(
    db,
    `SELECT s.file_id AS "fileId", s.name, s.kind, s.start_line AS line, s.end_line AS "endLine", s.container, s.signature
     FROM symbols s JOIN files f ON f.id = s.file_id WHERE ${f.sql} ORDER BY s.file_id, s.start_line, s.id`,
    f.params,
  );
  const refs = (
    await rowsOf<{ fileId: number; name: string; sites: string | null }>(
      db,
      `SELECT r.file_id AS "fileId", r.name, ${graphRefsSelect((c, n) => `strpos(${c}, '${n}') > 0`)}
       FROM refs r JOIN files f ON f.id = r.file_id
       WHERE (r.kinds & ${USE_KINDS_MASK}) != 0 AND ${f.sql}`,
      f.params,
    )
  ).flatMap((r) => graphRef(Number(r.fileId), r.name, r.sites) ?? []);
  const imports = (
    await rowsOf<{ fileId: number; source: string; names: string }>(
      db,
      `SELECT i.file_id AS "fileId", i.source, i.names FROM imports i JOIN files f ON f.id = i.file_id
       WHERE ${f.sql} ORDER BY i.file_id, i.line, i.id`,
      f.params,
    )
  ).map((r) => ({ fileId: Number(r.fileId), source: r.source, names: importNames(r.names) }));
  return { files, symbols, refs, imports };
}

/**
 * Removes stale roots and the rows of files gone from disk, then (a real run) vectors and symbol
 * names nothing refers to any more, as `cleanup` of the SQLite engine.
 */
export async function cleanupPg(ctx: PgContext, opts: CleanupOptions): Promise<CleanupResult> {
  const cutoff = cleanupCutoff(opts, ctx.now());
  const roots = await rowsOf<RootActivityRow>(
    ctx.pool,
    'SELECT id, path, created_at, last_indexed_at, last_queried_at FROM roots ORDER BY path',
  );
  const staleRoots: RootActivityRow[] = [];
  const missingFiles: number[] = [];
  const shrunkRoots = new Set<number>();
  for (const root of roots) {
    if (isStaleRoot(root, cutoff)) {
      staleRoots.push(root);
      continue;
    }
    for (const f of await rowsOf<{ id: number; path: string }>(
      ctx.pool,
      'SELECT id, path FROM files WHERE root_id = ?',
      [root.id],
    )) {
      if (!existsSync(joinRootPath(root.path, f.path))) {
        missingFiles.push(f.id);
        shrunkRoots.add(root.id);
      }
    }
  }
  const result: CleanupResult = {
    deletedRoots: staleRoots.map((r) => r.path),
    deletedFiles: missingFiles.length,
    cutoffDate: new Date(cutoff).toISOString(),
  };
  if (opts.dryRun) return result;
  await inTransaction(ctx.pool, async (client) => {
    await changed(client, 'DELETE FROM roots WHERE id = ANY(?::bigint[])', [staleRoots.map((r) => r.id)]);
    await changed(client, 'DELETE FROM files WHERE id = ANY(?::bigint[])', [missingFiles]);
    for (const id of shrunkRoots) await changed(client, BUMP_CHUNKS_VERSION_PG, [id]);
  });
  result.prunedVectors = await inTransaction(ctx.pool, async (client) => {
    const pruned = await changed(
      client,
      'DELETE FROM vectors v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = v.hash)',
    );
    if (pruned > 0) await changed(client, BUMP_VECTORS_VERSION);
    await changed(
      client,
      'DELETE FROM name_parts p WHERE NOT EXISTS (SELECT 1 FROM symbols s WHERE s.name_key = p.name_key)',
    );
    await changed(
      client,
      'DELETE FROM symbol_names n WHERE NOT EXISTS (SELECT 1 FROM symbols s WHERE s.name = n.name)',
    );
    return pruned;
  });
  return result;
}

/** The index's tables (VACUUM runs per table, outside a transaction). */
const TABLES = [
  'roots',
  'files',
  'symbols',
  'symbol_names',
  'name_parts',
  'refs',
  'imports',
  'chunks',
  'vectors',
];

/** PostgreSQL lists words in a fifth of the chunks `textTopMinDf` asks of SQLite (see below). */
const PG_MIN_DF_SHARE = 5;

/**
 * Planner statistics and a plain VACUUM of the index's tables, `VACUUM (ANALYZE)`, whatever
 * `vacuum` says: SQLite's VACUUM rewrites the file under the write lock, which is why the upkeep
 * right after an indexing run asks for none, but PostgreSQL's plain VACUUM takes no lock that
 * blocks reads or writes. It marks dead rows' space reusable and sets the visibility map, without
 * which every index-only scan still reads the table: symbol search reads only the symbol-name and
 * name-part indexes once a freshly written index is vacuumed (autovacuum would get there on its own
 * schedule, minutes later). `pages` is the database size in blocks; PostgreSQL has no free page
 * count like SQLite's freelist, so `freePages` is 0. With `textTopMinDf`, it then keeps the
 * common words' lists (`./text-top.ts`).
 */
export async function optimizePg(ctx: PgContext, opts: OptimizeOptions = {}): Promise<OptimizeResult> {
  await ctx.pool.query(`VACUUM (ANALYZE) ${TABLES.join(', ')}`);
  const [r] = await rowsOf<{ pages: number }>(
    ctx.pool,
    "SELECT pg_database_size(current_database()) / current_setting('block_size')::bigint AS pages",
  );
  const res: OptimizeResult = { pages: r?.pages ?? 0, freePages: 0, vacuumed: true };
  if (opts.textTopMinDf === undefined) return res;
  // After ANALYZE: the common lexemes come from its statistics. ts_rank costs 5-8x what FTS5's
  // bm25 costs per chunk (a word in 9,000 of 635,000 chunks: 50 ms), so the threshold is a fifth.
  const top = await buildTextTopPg(ctx.pool, {
    minDf: opts.textTopMinDf > 0 ? Math.max(1, Math.round(opts.textTopMinDf / PG_MIN_DF_SHARE)) : 0,
    rank: TEXT_RANK,
    ...(opts.textTopSize === undefined ? {} : { size: opts.textTopSize }),
  });
  return { ...res, textTop: { terms: top.terms, reused: top.reused, ms: Math.round(top.ms) } };
}
