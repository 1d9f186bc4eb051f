import type Database from 'better-sqlite3';
import { CodeindexError } from '../errors.js';
import type { FileExtraction } from '../indexer/types.js';
import { chunkSubTokens, nameKey, nameSuffixes } from './identifiers.js';
import { checkRelPath, normalizeRootPath } from './paths.js';
import { symbolRank } from './symbol-rank.js';
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
  rowid: number | bigint;
  content: string;
}

/** The batch without earlier writes of a path that is written again later in it. */
function lastWritePerPath(writes: readonly FileWrite[]): FileWrite[] {
  const last = new Map<string, number>();
  writes.forEach((w, i) => {
    last.set(w.path, i);
  });
  return last.size === writes.length ? [...writes] : writes.filter((w, i) => last.get(w.path) === i);
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
    insertSymbol: db.prepare<Params>(
      `INSERT INTO symbols (file_id, name, name_lower, name_key, kind, start_line, start_col, end_line, end_col,
                            container, signature, doc, exported, rank)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertName: db.prepare<Params>('INSERT OR IGNORE INTO symbol_names (name) VALUES (?)'),
    insertNamePart: db.prepare<Params>('INSERT OR IGNORE INTO name_parts (suffix, name_key) VALUES (?, ?)'),
    insertRef: db.prepare<Params>(
      'INSERT INTO refs (file_id, name, kind, line, col, enclosing) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertImport: db.prepare<Params>(
      'INSERT INTO imports (file_id, source, names, line) VALUES (?, ?, ?, ?)',
    ),
    insertChunk: db.prepare<Params>(
      `INSERT INTO chunks (file_id, start_line, end_line, symbol, kind, content, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFts: db.prepare<Params>('INSERT INTO chunks_fts (rowid, content, parts) VALUES (?, ?, ?)'),
    deleteFile: db.prepare<Params>('DELETE FROM files WHERE root_id = ? AND path = ?'),
    deleteUnder: db.prepare<Params>(
      'DELETE FROM files WHERE root_id = ? AND (path = ? OR (path >= ? AND path < ?))',
    ),
    deleteAllFiles: db.prepare<Params>('DELETE FROM files WHERE root_id = ?'),
    bumpGeneration: db.prepare<Params, { generation: number }>(
      'UPDATE roots SET generation = generation + 1, last_indexed_at = ? WHERE id = ? RETURNING generation',
    ),
    deleteRoot: db.prepare<Params>('DELETE FROM roots WHERE path = ?'),
  };

  function rootId(root: string): number {
    return st.upsertRoot.get(root, now())!.id;
  }

  // Only a per-batch "seen" set (names): across batches another process's cleanup may prune.
  function registerName(name: string, names: Set<string>): void {
    if (names.has(name)) return;
    names.add(name);
    if (st.insertName.run(name).changes === 0) return;
    const key = nameKey(name);
    for (const suffix of nameSuffixes(name)) st.insertNamePart.run(suffix, key);
  }

  function writeFile(
    rid: number,
    w: FileWrite,
    at: number,
    totals: WriteBatchResult,
    fts: PendingFts[],
    names: Set<string>,
  ): void {
    const path = checkRelPath(w.path);
    const ex = w.status === 'indexed' ? w.extraction : undefined;
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
    if (ex !== undefined) writeRows(fileId, ex, reusable, fts, names, path.length);
    for (const ids of reusable.values()) for (const id of ids) st.deleteChunk.run(id);
    if (ex === undefined) return;
    totals.symbols += ex.symbols.length;
    totals.refs += ex.refs.length;
    totals.chunks += ex.chunks.length;
  }

  function writeRows(
    fileId: number,
    ex: FileExtraction,
    reusable: Map<string, number[]>,
    fts: PendingFts[],
    names: Set<string>,
    pathLength: number,
  ): void {
    for (const s of ex.symbols) {
      registerName(s.name, names);
      st.insertSymbol.run(
        fileId,
        s.name,
        s.name.toLowerCase(),
        nameKey(s.name),
        s.kind,
        s.startLine,
        s.startCol,
        s.endLine,
        s.endCol,
        s.container,
        s.signature,
        s.doc,
        s.exported ? 1 : 0,
        symbolRank(s.exported, s.kind, pathLength),
      );
    }
    for (const r of ex.refs) st.insertRef.run(fileId, r.name, r.kind, r.line, r.col, r.enclosing);
    for (const i of ex.imports) st.insertImport.run(fileId, i.source, JSON.stringify(i.names), i.line);
    for (const c of ex.chunks) {
      const kept = reusable.get(c.hash)?.pop();
      if (kept !== undefined) {
        st.moveChunk.run(c.startLine, c.endLine, c.symbol, c.kind, kept, fileId);
        continue;
      }
      const chunkId = st.insertChunk.run(
        fileId,
        c.startLine,
        c.endLine,
        c.symbol,
        c.kind,
        c.content,
        c.hash,
      ).lastInsertRowid;
      fts.push({ rowid: chunkId, content: c.content });
    }
  }

  function removeIn(rid: number, relPaths: readonly string[]): number {
    let n = 0;
    for (const p of relPaths) n += st.deleteFile.run(rid, checkRelPath(p)).changes;
    return n;
  }

  // IMMEDIATE: take the write lock up front. A deferred transaction that upgrades from read to
  // write can fail with SQLITE_BUSY at once instead of waiting out the busy timeout.
  const batchTx = db.transaction((root: string, writes: FileWrite[], removals: string[]) => {
    const rid = rootId(root);
    const at = now();
    const totals: WriteBatchResult = { files: 0, removed: 0, symbols: 0, refs: 0, chunks: 0 };
    // Removals first: a path that is also written in this batch ends up written.
    totals.removed = removeIn(rid, removals);
    const fts: PendingFts[] = [];
    const names = new Set<string>();
    for (const w of lastWritePerPath(writes)) writeFile(rid, w, at, totals, fts, names);
    // FTS rows go in last, in one run. FTS5 flushes its pending terms to a new segment whenever
    // a statement opens a savepoint (any upsert/delete with a constraint or trigger does), so
    // interleaving them with the other inserts produced a segment per file and 10x the work.
    for (const f of fts) st.insertFts.run(f.rowid, f.content, chunkSubTokens(f.content));
    return totals;
  });

  const removeTx = db.transaction((root: string, relPaths: string[]) => {
    const rid = st.findRoot.get(root)?.id;
    return rid === undefined ? 0 : removeIn(rid, relPaths);
  });

  const removeUnderTx = db.transaction((root: string, relDir: string) => {
    const rid = st.findRoot.get(root)?.id;
    if (rid === undefined) return 0;
    const dir = relDir.replace(/\/+$/, '');
    if (dir === '' || dir === '.') return st.deleteAllFiles.run(rid).changes;
    checkRelPath(dir);
    return st.deleteUnder.run(rid, dir, `${dir}/`, `${dir}0`).changes;
  });

  const generationTx = db.transaction((root: string) => {
    const rid = rootId(root);
    return st.bumpGeneration.get(now(), rid)!.generation;
  });

  return {
    writeBatch(rootPath, writes, removals = []) {
      const root = normalizeRootPath(rootPath);
      try {
        return batchTx.immediate(root, writes, removals);
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
