import type { PoolClient } from 'pg';
import { checkRelPath, normalizeRootPath } from '../paths.js';
import type { FileWrite, WriteBatchResult } from '../types.js';
import {
  IMPORT_COLS,
  type PreparedBatch,
  type PreparedFile,
  type PreparedName,
  prepareBatch,
  REF_COLS,
  SYMBOL_COLS,
} from '../writes.js';
import { changed, inTransaction, type PgContext, rowsOf } from './context.js';
import { BUMP_CHUNKS_VERSION_PG } from './roots.js';
import { chunkDocumentColumns, plainWords } from './search-text.js';

/**
 * Columns `cols` apart in flat row arrays (the SQLite writer's layout, column 0 the file id) as
 * one array per column, for `unnest`. `fileId` fills column 0.
 */
function columns(flat: readonly unknown[], cols: number, fileId: number, into: unknown[][]): void {
  for (let i = 0; i < flat.length; i += cols) {
    into[0]!.push(fileId);
    for (let c = 1; c < cols; c++) into[c]!.push(flat[i + c]);
  }
}

const emptyColumns = (n: number): unknown[][] => Array.from({ length: n }, () => []);

/** `SELECT * FROM unnest(?::t1[], ?::t2[], ...)` for the given element types. */
const unnest = (types: readonly string[]): string => `unnest(${types.map((t) => `?::${t}[]`).join(', ')})`;

const SYMBOL_TYPES = [
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'int',
  'int',
  'int',
  'int',
  'text',
  'text',
  'text',
  'boolean',
  'int',
] as const;

/**
 * The root's id, creating the row when missing. Looked up first: an `INSERT ... ON CONFLICT`
 * would take a value from the identity sequence on every batch.
 */
async function upsertRoot(client: PoolClient, root: string, at: number): Promise<number> {
  const found = await findRoot(client, root);
  if (found !== undefined) return found;
  const [r] = await rowsOf<{ id: number }>(
    client,
    `INSERT INTO roots (path, created_at, generation) VALUES (?, ?, 0)
     ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id`,
    [root, at],
  );
  return r!.id;
}

async function findRoot(client: PoolClient, root: string): Promise<number | undefined> {
  const [r] = await rowsOf<{ id: number }>(client, 'SELECT id FROM roots WHERE path = ?', [root]);
  return r?.id;
}

/** Names new to `symbol_names` get their word-part keys; known names cost nothing more. */
async function registerNames(client: PoolClient, names: readonly PreparedName[]): Promise<void> {
  if (names.length === 0) return;
  // Sorted, so concurrent batches take the rows' locks in the same order (no deadlock).
  const sorted = [...names].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const fresh = await rowsOf<{ name: string }>(
    client,
    `INSERT INTO symbol_names (name) SELECT n FROM unnest(?::text[]) AS n
     ON CONFLICT DO NOTHING RETURNING name`,
    [sorted.map((n) => n.name)],
  );
  const byName = new Map(names.map((n) => [n.name, n]));
  const suffixes: string[] = [];
  const keys: string[] = [];
  for (const { name } of fresh) {
    const n = byName.get(name)!;
    for (const s of n.suffixes) {
      suffixes.push(s);
      keys.push(n.key);
    }
  }
  if (suffixes.length === 0) return;
  await changed(
    client,
    `INSERT INTO name_parts (suffix, name_key) SELECT * FROM ${unnest(['text', 'text'])}
     ON CONFLICT DO NOTHING`,
    [suffixes, keys],
  );
}

/** Upserts every file row of the batch in one statement; their ids by path. */
async function upsertFiles(
  client: PoolClient,
  rootId: number,
  files: readonly PreparedFile[],
  at: number,
): Promise<Map<string, number>> {
  const cols = emptyColumns(11);
  // In path order, so concurrent batches that share paths lock their rows in the same order.
  const byPath = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const { write: w, ex, path } of byPath) {
    const row = [
      path,
      ex?.language ?? w.language,
      w.size,
      w.mtimeMs,
      w.sha256,
      w.status,
      w.status === 'skipped' ? (w.reason ?? null) : null,
      w.status === 'failed' ? (w.error ?? 'unknown error') : null,
      ex?.symbols.length ?? 0,
      ex?.refs.length ?? 0,
      ex?.chunks.length ?? 0,
    ];
    row.forEach((v, i) => {
      cols[i]!.push(v);
    });
  }
  const rows = await rowsOf<{ id: number; path: string }>(
    client,
    `INSERT INTO files (root_id, indexed_at, path, language, size, mtime_ms, sha256, status, reason, error,
                        symbol_count, ref_count, chunk_count)
     SELECT ?::bigint, ?::bigint, * FROM ${unnest(['text', 'text', 'bigint', 'float8', 'text', 'text', 'text', 'text', 'int', 'int', 'int'])}
     ON CONFLICT (root_id, path) DO UPDATE SET
       language = excluded.language, size = excluded.size, mtime_ms = excluded.mtime_ms,
       sha256 = excluded.sha256, indexed_at = excluded.indexed_at, status = excluded.status,
       reason = excluded.reason, error = excluded.error, symbol_count = excluded.symbol_count,
       ref_count = excluded.ref_count, chunk_count = excluded.chunk_count
     RETURNING id, path`,
    [rootId, at, ...cols],
  );
  return new Map(rows.map((r) => [r.path, r.id]));
}

/**
 * Writes the files of a batch: file rows, then symbols, refs and imports replaced, then chunks
 * diffed by content hash (an unchanged chunk keeps its row, id and document; a moved one gets its
 * new lines). Each kind of row is one statement for the whole batch.
 */
async function writeFiles(
  client: PoolClient,
  rootId: number,
  batch: PreparedBatch,
  at: number,
  totals: WriteBatchResult,
): Promise<void> {
  const ids = await upsertFiles(client, rootId, batch.files, at);
  const fileIds = [...ids.values()];
  totals.files += batch.files.length;
  await changed(client, 'DELETE FROM symbols WHERE file_id = ANY(?::bigint[])', [fileIds]);
  await changed(client, 'DELETE FROM refs WHERE file_id = ANY(?::bigint[])', [fileIds]);
  await changed(client, 'DELETE FROM imports WHERE file_id = ANY(?::bigint[])', [fileIds]);

  const symbols = emptyColumns(SYMBOL_COLS);
  const refs = emptyColumns(REF_COLS);
  const imports = emptyColumns(IMPORT_COLS);
  for (const file of batch.files) {
    const fileId = ids.get(file.path)!;
    columns(file.symbols, SYMBOL_COLS, fileId, symbols);
    columns(file.refs, REF_COLS, fileId, refs);
    columns(file.imports, IMPORT_COLS, fileId, imports);
    if (file.ex !== undefined) {
      totals.symbols += file.ex.symbols.length;
      totals.refs += file.ex.refs.length;
      totals.chunks += file.ex.chunks.length;
    }
  }
  // The SQLite layout stores `exported` as 0/1.
  symbols[12] = symbols[12]!.map((v) => v === 1);
  if (symbols[0]!.length > 0) {
    await changed(
      client,
      `INSERT INTO symbols (file_id, name, name_lower, name_key, kind, start_line, start_col, end_line, end_col,
                            container, signature, doc, exported, rank)
       SELECT * FROM ${unnest(SYMBOL_TYPES)}`,
      symbols,
    );
  }
  if (refs[0]!.length > 0) {
    await changed(
      client,
      `INSERT INTO refs (file_id, name, kinds, sites) SELECT * FROM ${unnest(['bigint', 'text', 'int', 'text'])}`,
      refs,
    );
  }
  if (imports[0]!.length > 0) {
    await changed(
      client,
      `INSERT INTO imports (file_id, source, names, line) SELECT * FROM ${unnest(['bigint', 'text', 'text', 'int'])}`,
      imports,
    );
  }
  await writeChunks(client, batch, ids);
}

async function writeChunks(
  client: PoolClient,
  batch: PreparedBatch,
  ids: Map<string, number>,
): Promise<void> {
  const old = await rowsOf<{ id: number; file_id: number; hash: string }>(
    client,
    'SELECT id, file_id, hash FROM chunks WHERE file_id = ANY(?::bigint[]) ORDER BY id',
    [[...ids.values()]],
  );
  const reusable = new Map<number, Map<string, number[]>>();
  for (const o of old) {
    let byHash = reusable.get(o.file_id);
    if (byHash === undefined) {
      byHash = new Map();
      reusable.set(o.file_id, byHash);
    }
    const list = byHash.get(o.hash);
    if (list === undefined) byHash.set(o.hash, [o.id]);
    else list.push(o.id);
  }
  const moved = emptyColumns(5);
  const added = emptyColumns(10);
  for (const file of batch.files) {
    if (file.ex === undefined) continue;
    const fileId = ids.get(file.path)!;
    const byHash = reusable.get(fileId);
    file.ex.chunks.forEach((c, i) => {
      const kept = byHash?.get(c.hash)?.pop();
      if (kept !== undefined) {
        [kept, c.startLine, c.endLine, c.symbol, c.kind].forEach((v, k) => {
          moved[k]!.push(v);
        });
        return;
      }
      // chunkDocumentColumns(content, context), reusing the parts prepareBatch computed.
      const parts = file.parts[i];
      const doc =
        parts === undefined
          ? chunkDocumentColumns(c.content, c.context)
          : { content: plainWords(c.content), parts: plainWords(parts) };
      [
        fileId,
        c.startLine,
        c.endLine,
        c.symbol,
        c.kind,
        c.content,
        c.context,
        c.hash,
        doc.content,
        doc.parts,
      ].forEach((v, k) => {
        added[k]!.push(v);
      });
    });
  }
  const stale: number[] = [];
  for (const byHash of reusable.values()) for (const list of byHash.values()) stale.push(...list);
  if (stale.length > 0) await changed(client, 'DELETE FROM chunks WHERE id = ANY(?::bigint[])', [stale]);
  if (moved[0]!.length > 0) {
    await changed(
      client,
      `UPDATE chunks c SET start_line = m.s, end_line = m.e, symbol = m.sym, kind = m.k
       FROM ${unnest(['bigint', 'int', 'int', 'text', 'text'])} AS m(id, s, e, sym, k) WHERE c.id = m.id`,
      moved,
    );
  }
  if (added[0]!.length > 0) {
    // WITH ORDINALITY + ORDER BY: ids are handed out in the batch's file and chunk order.
    await changed(
      client,
      `INSERT INTO chunks (file_id, start_line, end_line, symbol, kind, content, context, hash, document)
       SELECT file_id, s, e, sym, k, content, context, hash,
              setweight(to_tsvector('codeindex', words), 'A') || setweight(to_tsvector('codeindex', parts), 'B')
       FROM ${unnest(['bigint', 'int', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text'])}
         WITH ORDINALITY AS a(file_id, s, e, sym, k, content, context, hash, words, parts, n)
       ORDER BY n`,
      added,
    );
  }
}

async function removeIn(client: PoolClient, rootId: number, relPaths: readonly string[]): Promise<number> {
  if (relPaths.length === 0) return 0;
  return changed(client, 'DELETE FROM files WHERE root_id = ? AND path = ANY(?::text[])', [
    rootId,
    relPaths.map(checkRelPath),
  ]);
}

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const WRITE_ATTEMPTS = 3;

/**
 * Runs a write transaction again when the server aborted it as a deadlock victim or a
 * serialization failure (rows are locked in sorted order, so this is a safety net).
 */
async function retryDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= WRITE_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw err;
    }
  }
}

/** The write half of the PostgreSQL store; every method is one transaction. */
export interface PgWriter {
  writeBatch(rootPath: string, writes: FileWrite[], removals?: string[]): Promise<WriteBatchResult>;
  removeFiles(rootPath: string, relPaths: string[]): Promise<number>;
  removeUnder(rootPath: string, relDir: string): Promise<number>;
  completeGeneration(rootPath: string): Promise<number>;
  removeRoot(rootPath: string): Promise<boolean>;
}

export function createPgWriter(ctx: PgContext): PgWriter {
  return {
    async writeBatch(rootPath, writes, removals = []) {
      const root = normalizeRootPath(rootPath);
      // CPU work (row arrays, identifier splitting) before the transaction starts.
      const batch = prepareBatch(writes);
      return retryDeadlock(() =>
        inTransaction(ctx.pool, async (client) => {
          const at = ctx.now();
          const rootId = await upsertRoot(client, root, at);
          const totals: WriteBatchResult = { files: 0, removed: 0, symbols: 0, refs: 0, chunks: 0 };
          // Removals first: a path that is also written in this batch ends up written.
          totals.removed = await removeIn(client, rootId, removals);
          if (batch.files.length > 0) await writeFiles(client, rootId, batch, at, totals);
          // Last, next to the root's version bump: a name another batch has inserted but not yet
          // committed makes this insert wait until that transaction ends. Done first, it made a
          // second worker wait for the other's whole batch (nearly every batch holds "get" or
          // "__init__"): 0.5-1.2 s of lock waits in a 2-worker cold index of Django, ~0 now.
          await registerNames(client, batch.names);
          if (batch.files.length > 0 || totals.removed > 0) {
            await changed(client, BUMP_CHUNKS_VERSION_PG, [rootId]);
          }
          return totals;
        }),
      );
    },
    async removeFiles(rootPath, relPaths) {
      const root = normalizeRootPath(rootPath);
      return inTransaction(ctx.pool, async (client) => {
        const rootId = await findRoot(client, root);
        if (rootId === undefined) return 0;
        const removed = await removeIn(client, rootId, relPaths);
        if (removed > 0) await changed(client, BUMP_CHUNKS_VERSION_PG, [rootId]);
        return removed;
      });
    },
    async removeUnder(rootPath, relDir) {
      const root = normalizeRootPath(rootPath);
      return inTransaction(ctx.pool, async (client) => {
        const rootId = await findRoot(client, root);
        if (rootId === undefined) return 0;
        const dir = relDir.replace(/\/+$/, '');
        let removed: number;
        if (dir === '' || dir === '.') {
          removed = await changed(client, 'DELETE FROM files WHERE root_id = ?', [rootId]);
        } else {
          checkRelPath(dir);
          removed = await changed(
            client,
            'DELETE FROM files WHERE root_id = ? AND (path = ? OR (path >= ? AND path < ?))',
            [rootId, dir, `${dir}/`, `${dir}0`],
          );
        }
        if (removed > 0) await changed(client, BUMP_CHUNKS_VERSION_PG, [rootId]);
        return removed;
      });
    },
    async completeGeneration(rootPath) {
      const root = normalizeRootPath(rootPath);
      return inTransaction(ctx.pool, async (client) => {
        const at = ctx.now();
        const rootId = await upsertRoot(client, root, at);
        const [r] = await rowsOf<{ generation: number }>(
          client,
          'UPDATE roots SET generation = generation + 1, last_indexed_at = ? WHERE id = ? RETURNING generation',
          [at, rootId],
        );
        return r!.generation;
      });
    },
    async removeRoot(rootPath) {
      return (await changed(ctx.pool, 'DELETE FROM roots WHERE path = ?', [normalizeRootPath(rootPath)])) > 0;
    },
  };
}
