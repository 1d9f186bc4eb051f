import type Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';
import { isSecondaryPath } from '../indexer/path-class.js';
import type { FileExtraction } from '../indexer/types.js';
import { chunkSearchParts, nameKey, nameSuffixes } from './identifiers.js';
import { checkRelPath, normalizeRootPath } from './paths.js';
import { packRefs } from './ref-sites.js';
import { BUMP_CHUNKS_VERSION } from './roots.js';
import { localDefinitions, symbolRank } from './symbol-rank.js';
import { chunkIdFloor } from './text-top.js';
import type { FileWrite, WriteBatchResult } from './types.js';

/** The write half of the store. Statements are prepared once, when the writer is created. */
export interface IndexWriter {
  writeBatch(rootPath: string, writes: FileWrite[], removals?: string[]): WriteBatchResult;
  removeFiles(rootPath: string, relPaths: string[]): number;
  removeUnder(rootPath: string, relDir: string): number;
  completeGeneration(rootPath: string): number;
  removeRoot(rootPath: string): boolean;
}

type Params = unknown[];

interface PendingFts {
  rowid: number;
  content: string;
  parts: string;
}

/** Columns per row of the multi-row inserts; the first column of each row is the file id. */
export const SYMBOL_COLS = 14;
export const REF_COLS = 4;
export const IMPORT_COLS = 4;
const CHUNK_COLS = 9;
const FTS_COLS = 3;
/** Rows per multi-row INSERT, largest first; a batch of n rows uses the largest that fits. */
const ROW_BUCKETS = [64, 16, 4, 1] as const;

/**
 * One file's rows, built before the write transaction starts (CPU work outside the write lock):
 * flat parameter arrays with a file-id slot at the start of every row, filled in inside it.
 */
export interface PreparedFile {
  write: FileWrite;
  path: string;
  ex: FileExtraction | undefined;
  symbols: unknown[];
  refs: unknown[];
  imports: unknown[];
  /** FTS `parts` column per chunk, same order as `ex.chunks`. */
  parts: string[];
}

/** A distinct symbol name of the batch with what `symbol_names`/`name_parts` need. */
export interface PreparedName {
  name: string;
  key: string;
  suffixes: string[];
}

export interface PreparedBatch {
  files: PreparedFile[];
  names: PreparedName[];
}

/** The batch without earlier writes of a path that is written again later in it. */
function lastWritePerPath(writes: readonly FileWrite[]): FileWrite[] {
  const last = new Map<string, number>();
  writes.forEach((w, i) => {
    last.set(w.path, i);
  });
  return last.size === writes.length ? [...writes] : writes.filter((w, i) => last.get(w.path) === i);
}

/** Everything a batch writes that does not need the database: row arrays, name keys, FTS parts. */
export function prepareBatch(writes: readonly FileWrite[]): PreparedBatch {
  const names = new Map<string, PreparedName>();
  const files = lastWritePerPath(writes).map((write): PreparedFile => {
    const path = checkRelPath(write.path);
    const ex = write.status === 'indexed' ? write.extraction : undefined;
    const file: PreparedFile = { write, path, ex, symbols: [], refs: [], imports: [], parts: [] };
    if (ex === undefined) return file;
    const sym = file.symbols;
    const secondary = isSecondaryPath(path);
    const nested = localDefinitions(ex.symbols, (x) => x.startLine);
    for (const s of ex.symbols) {
      let n = names.get(s.name);
      if (n === undefined) {
        n = { name: s.name, key: nameKey(s.name), suffixes: nameSuffixes(s.name) };
        names.set(s.name, n);
      }
      sym.push(
        0,
        s.name,
        s.name.toLowerCase(),
        n.key,
        s.kind,
        s.startLine,
        s.startCol,
        s.endLine,
        s.endCol,
        s.container,
        s.signature,
        s.doc,
        s.exported ? 1 : 0,
        symbolRank(s.exported, s.kind, path.length, secondary, nested.has(s)),
      );
    }
    const refs = file.refs;
    for (const r of packRefs(ex.refs)) refs.push(0, r.name, r.kinds, r.sites);
    for (const i of ex.imports) file.imports.push(0, i.source, JSON.stringify(i.names), i.line);
    for (const c of ex.chunks) file.parts.push(chunkSearchParts(c.content, c.context));
    return file;
  });
  return { files, names: [...names.values()] };
}

/** Sets the file-id slot (column 0) of every row of a flat parameter array. */
function fillFileId(params: unknown[], cols: number, fileId: number): void {
  for (let i = 0; i < params.length; i += cols) params[i] = fileId;
}

/** Prepares every write statement for `db` and returns the writer. */
export function createIndexWriter(db: Database.Database, now: () => number): IndexWriter {
  const st = {
    upsertRoot: db.prepare<Params, { id: number }>(
      `INSERT INTO roots (path, created_at, generation) VALUES (?, ?, 0)
       ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id`,
    ),
    findRoot: db.prepare<Params, { id: number }>('SELECT id FROM roots WHERE path = ?'),
    upsertFile: db.prepare<Params, { id: number }>(
      `INSERT INTO files (root_id, path, language, size, mtime_ms, sha256, indexed_at, status, reason, error,
                          symbol_count, ref_count, chunk_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (root_id, path) DO UPDATE SET
         language = excluded.language, size = excluded.size, mtime_ms = excluded.mtime_ms,
         sha256 = excluded.sha256, indexed_at = excluded.indexed_at, status = excluded.status,
         reason = excluded.reason, error = excluded.error, symbol_count = excluded.symbol_count,
         ref_count = excluded.ref_count, chunk_count = excluded.chunk_count
       RETURNING id`,
    ),
    deleteSymbols: db.prepare<Params>('DELETE FROM symbols WHERE file_id = ?'),
    deleteRefs: db.prepare<Params>('DELETE FROM refs WHERE file_id = ?'),
    deleteImports: db.prepare<Params>('DELETE FROM imports WHERE file_id = ?'),
    oldChunks: db.prepare<Params, { id: number; hash: string }>(
      'SELECT id, hash FROM chunks WHERE file_id = ?',
    ),
    deleteChunk: db.prepare<Params>('DELETE FROM chunks WHERE id = ?'),
    moveChunk: db.prepare<Params>(
      'UPDATE chunks SET start_line = ?, end_line = ?, symbol = ?, kind = ? WHERE id = ? AND file_id = ?',
    ),
    deleteFile: db.prepare<Params>('DELETE FROM files WHERE root_id = ? AND path = ?'),
    deleteUnder: db.prepare<Params>(
      'DELETE FROM files WHERE root_id = ? AND (path = ? OR (path >= ? AND path < ?))',
    ),
    deleteAllFiles: db.prepare<Params>('DELETE FROM files WHERE root_id = ?'),
    bumpGeneration: db.prepare<Params, { generation: number }>(
      'UPDATE roots SET generation = generation + 1, last_indexed_at = ? WHERE id = ? RETURNING generation',
    ),
    deleteRoot: db.prepare<Params>('DELETE FROM roots WHERE path = ?'),
    bumpChunksVersion: db.prepare<Params>(BUMP_CHUNKS_VERSION),
  };

  /**
   * Runs a multi-row statement over flat parameters (`cols` per row) in runs of ROW_BUCKETS rows,
   * largest first; `sql` gets the `(?, ...), (?, ...)` list of one run. Statements are prepared
   * per row count on first use. With `returning`, the rows the statement returns are collected.
   */
  function multiRow<R>(
    sql: (values: string) => string,
    cols: number,
    returning = false,
  ): (params: unknown[]) => R[] {
    const row = `(${new Array(cols).fill('?').join(', ')})`;
    const byRows = new Map<number, Database.Statement<Params, R>>();
    const stmt = (rows: number): Database.Statement<Params, R> => {
      let s = byRows.get(rows);
      if (s === undefined) {
        s = db.prepare<Params, R>(sql(new Array(rows).fill(row).join(', ')));
        byRows.set(rows, s);
      }
      return s;
    };
    return (params) => {
      const out: R[] = [];
      const total = params.length / cols;
      let done = 0;
      for (const rows of ROW_BUCKETS) {
        if (total - done < rows) continue;
        const s = stmt(rows);
        while (total - done >= rows) {
          const run =
            params.length === rows * cols ? params : params.slice(done * cols, (done + rows) * cols);
          if (returning) out.push(...s.all(run));
          else s.run(run);
          done += rows;
        }
      }
      return out;
    };
  }
  /** `<verb> INTO <head> VALUES (...), (...)` over flat parameters. */
  const multiInsert = (head: string, cols: number, verb = 'INSERT') =>
    multiRow<never>((values) => `${verb} INTO ${head} VALUES ${values}`, cols);
  const insertSymbols = multiInsert(
    `symbols (file_id, name, name_lower, name_key, kind, start_line, start_col, end_line, end_col,
              container, signature, doc, exported, rank)`,
    SYMBOL_COLS,
  );
  const insertRefs = multiInsert('refs (file_id, name, kinds, sites)', REF_COLS);
  const insertImports = multiInsert('imports (file_id, source, names, line)', IMPORT_COLS);
  const insertChunks = multiInsert(
    'chunks (id, file_id, start_line, end_line, symbol, kind, content, context, hash)',
    CHUNK_COLS,
  );
  const insertFts = multiInsert('chunks_fts (rowid, content, parts)', FTS_COLS);
  const maxChunkId = db.prepare<Params, { id: number | null }>('SELECT max(id) AS id FROM chunks');

  function rootId(root: string): number {
    return st.upsertRoot.get(root, now())!.id;
  }

  const insertNameParts = multiInsert('name_parts (suffix, name_key)', 2, 'INSERT OR IGNORE');
  /** Inserts names into `symbol_names` and returns only those that were new. */
  const insertNewNames = multiRow<{ name: string }>(
    (values) => `INSERT OR IGNORE INTO symbol_names (name) VALUES ${values} RETURNING name`,
    1,
    true,
  );

  // Names are registered once per batch; across batches another process's cleanup may prune.
  // Only a name new to `symbol_names` gets its suffix keys, so a known name costs one lookup.
  function registerNames(names: readonly PreparedName[]): void {
    const byName = new Map(names.map((n) => [n.name, n]));
    const parts: unknown[] = [];
    for (const { name } of insertNewNames(names.map((n) => n.name))) {
      const n = byName.get(name)!;
      for (const suffix of n.suffixes) parts.push(suffix, n.key);
    }
    insertNameParts(parts);
  }

  /**
   * Chunk ids are assigned here (max + 1, as SQLite would) so a multi-row insert knows them; never
   * at or below the floor the common-word lists raise (`./text-top.ts`), so a listed id is never
   * reused for another chunk.
   */
  interface ChunkIds {
    next: number;
  }

  function writeFile(
    rid: number,
    file: PreparedFile,
    at: number,
    totals: WriteBatchResult,
    fts: PendingFts[],
    ids: ChunkIds,
  ): void {
    const { write: w, ex, path } = file;
    const fileId = st.upsertFile.get(
      rid,
      path,
      ex?.language ?? w.language,
      w.size,
      w.mtimeMs,
      w.sha256,
      at,
      w.status,
      w.status === 'skipped' ? (w.reason ?? null) : null,
      w.status === 'failed' ? (w.error ?? 'unknown error') : null,
      ex?.symbols.length ?? 0,
      ex?.refs.length ?? 0,
      ex?.chunks.length ?? 0,
    )!.id;
    st.deleteSymbols.run(fileId);
    st.deleteRefs.run(fileId);
    st.deleteImports.run(fileId);
    // Chunks are content-addressed: one whose text is unchanged keeps its row (and id) and its
    // FTS entry, so re-indexing an edited file only re-tokenizes the chunks that changed.
    const reusable = new Map<string, number[]>();
    for (const old of st.oldChunks.all(fileId)) {
      const ids = reusable.get(old.hash);
      if (ids === undefined) reusable.set(old.hash, [old.id]);
      else ids.push(old.id);
    }
    totals.files++;
    if (ex !== undefined) writeRows(fileId, file, ex, reusable, fts, ids);
    for (const ids of reusable.values()) for (const id of ids) st.deleteChunk.run(id);
    if (ex === undefined) return;
    totals.symbols += ex.symbols.length;
    totals.refs += ex.refs.length;
    totals.chunks += ex.chunks.length;
  }

  function writeRows(
    fileId: number,
    file: PreparedFile,
    ex: FileExtraction,
    reusable: Map<string, number[]>,
    fts: PendingFts[],
    ids: ChunkIds,
  ): void {
    fillFileId(file.symbols, SYMBOL_COLS, fileId);
    insertSymbols(file.symbols);
    fillFileId(file.refs, REF_COLS, fileId);
    insertRefs(file.refs);
    fillFileId(file.imports, IMPORT_COLS, fileId);
    insertImports(file.imports);
    const chunkRows: unknown[] = [];
    ex.chunks.forEach((c, i) => {
      const kept = reusable.get(c.hash)?.pop();
      if (kept !== undefined) {
        st.moveChunk.run(c.startLine, c.endLine, c.symbol, c.kind, kept, fileId);
        return;
      }
      if (ids.next < 0) ids.next = Math.max(maxChunkId.get()?.id ?? 0, chunkIdFloor(db)) + 1;
      const chunkId = ids.next++;
      chunkRows.push(chunkId, fileId, c.startLine, c.endLine, c.symbol, c.kind, c.content, c.context, c.hash);
      fts.push({ rowid: chunkId, content: c.content, parts: file.parts[i] ?? '' });
    });
    insertChunks(chunkRows);
  }

  function removeIn(rid: number, relPaths: readonly string[]): number {
    let n = 0;
    for (const p of relPaths) n += st.deleteFile.run(rid, checkRelPath(p)).changes;
    return n;
  }

  // IMMEDIATE: take the write lock up front. A deferred transaction that upgrades from read to
  // write can fail with SQLITE_BUSY at once instead of waiting out the busy timeout.
  const batchTx = db.transaction((root: string, batch: PreparedBatch, removals: string[]) => {
    const rid = rootId(root);
    const at = now();
    const totals: WriteBatchResult = { files: 0, removed: 0, symbols: 0, refs: 0, chunks: 0 };
    // Removals first: a path that is also written in this batch ends up written.
    totals.removed = removeIn(rid, removals);
    registerNames(batch.names);
    const fts: PendingFts[] = [];
    const ids: ChunkIds = { next: -1 };
    for (const file of batch.files) writeFile(rid, file, at, totals, fts, ids);
    // FTS rows go in last, in one run. FTS5 flushes its pending terms to a new segment whenever
    // a statement opens a savepoint (any upsert/delete with a constraint or trigger does), so
    // interleaving them with the other inserts produced a segment per file and 10x the work.
    const ftsRows: unknown[] = [];
    for (const f of fts) ftsRows.push(f.rowid, f.content, f.parts);
    insertFts(ftsRows);
    if (batch.files.length > 0 || totals.removed > 0) st.bumpChunksVersion.run(rid);
    return totals;
  });

  const removeTx = db.transaction((root: string, relPaths: string[]) => {
    const rid = st.findRoot.get(root)?.id;
    if (rid === undefined) return 0;
    const removed = removeIn(rid, relPaths);
    if (removed > 0) st.bumpChunksVersion.run(rid);
    return removed;
  });

  const removeUnderTx = db.transaction((root: string, relDir: string) => {
    const rid = st.findRoot.get(root)?.id;
    if (rid === undefined) return 0;
    const dir = relDir.replace(/\/+$/, '');
    let removed: number;
    if (dir === '' || dir === '.') removed = st.deleteAllFiles.run(rid).changes;
    else {
      checkRelPath(dir);
      removed = st.deleteUnder.run(rid, dir, `${dir}/`, `${dir}0`).changes;
    }
    if (removed > 0) st.bumpChunksVersion.run(rid);
    return removed;
  });

  const generationTx = db.transaction((root: string) => {
    const rid = rootId(root);
    return st.bumpGeneration.get(now(), rid)!.generation;
  });

  return {
    writeBatch(rootPath, writes, removals = []) {
      const root = normalizeRootPath(rootPath);
      try {
        // All CPU work (row arrays, identifier splitting) happens before the write lock is taken.
        const batch = prepareBatch(writes);
        return batchTx.immediate(root, batch, removals);
      } catch (err) {
        throw wrapWriteError(err, root);
      }
    },
    removeFiles(rootPath, relPaths) {
      return removeTx.immediate(normalizeRootPath(rootPath), relPaths);
    },
    removeUnder(rootPath, relDir) {
      return removeUnderTx.immediate(normalizeRootPath(rootPath), relDir);
    },
    completeGeneration(rootPath) {
      return generationTx.immediate(normalizeRootPath(rootPath));
    },
    removeRoot(rootPath) {
      return st.deleteRoot.run(normalizeRootPath(rootPath)).changes > 0;
    },
  };
}

function wrapWriteError(err: unknown, root: string): unknown {
  if (err instanceof CodeindexError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY') {
    return new CodeindexError(
      'INTERNAL',
      `index database is locked by another writer (root ${root}); the batch can be retried`,
      { cause: err },
    );
  }
  return err;
}
