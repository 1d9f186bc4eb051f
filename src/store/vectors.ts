import { CodeindexError } from '../errors.js';
import type { LanguageId } from '../indexer/types.js';
import { joinRootPath, normalizeRootPath } from './paths.js';
import type { QueryContext } from './query-context.js';
import type {
  ChunkRecord,
  EmbedShard,
  LoadedVectorMatrix,
  MissingVectorChunk,
  StoredVector,
  VectorCoverage,
  VectorRow,
} from './types.js';

const CHUNKS_OF_ROOT = 'chunks c JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id';
/**
 * Chunks that get vectors: headers and symbols. Code chunks (top-level statements, test bodies,
 * code between definitions) are found by full-text search only: embedding them too made the
 * vector scan of Go's standard library 6 % longer for rows that rarely answer a question by
 * meaning, and hybrid search's p95 is bound by that scan.
 */
export const EMBEDDED_KINDS = "c.kind IN ('header', 'symbol')";

/**
 * Distinct chunk contents of a root that have no vector for `model` yet, at most `limit`, in
 * chunk id order after `afterId`.
 *
 * The statement carries its LIMIT (twice the batch, for contents that repeat; it goes on while a
 * page held only repeats): without one, SQLite sorted every missing chunk of the root, with its
 * content, before handing back the first, for every batch. On a root of 547,000 embeddable
 * chunks that was 1.85 s and 273 MB of transient memory per batch of 32 (a batch embeds in about
 * 1.7 s); with the LIMIT SQLite keeps only the page in its sorter: 58 ms, no memory.
 */
export function chunksMissingVectors(
  ctx: QueryContext,
  rootPath: string,
  model: string,
  limit: number,
  afterId = 0,
  shard: EmbedShard = { index: 0, count: 1 },
): MissingVectorChunk[] {
  const out: MissingVectorChunk[] = [];
  if (limit <= 0) return out;
  const page = missingVectorsPage(limit);
  const statement = ctx.statements.get<MissingVectorChunk>(
    `SELECT c.hash, c.content, c.symbol, c.context, f.path, c.id AS chunkId FROM ${CHUNKS_OF_ROOT}
     WHERE r.path = ? AND c.id > ? AND c.id % ? = ? AND ${EMBEDDED_KINDS}
       AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.hash = c.hash AND v.model = ?)
     ORDER BY c.id LIMIT ?`,
  );
  const root = normalizeRootPath(rootPath);
  const seen = new Set<string>();
  for (let from = afterId; ; ) {
    const rows = statement.all(root, from, shard.count, shard.index, model, page);
    if (takeDistinct(rows, seen, out, limit) || rows.length < page) return out;
    from = rows[rows.length - 1]!.chunkId;
  }
}

/** Rows fetched per statement for a batch of `limit` distinct contents (see chunksMissingVectors). */
export function missingVectorsPage(limit: number): number {
  return Math.max(2 * limit, 64);
}

/**
 * Appends to `out` the rows whose hash is not in `seen` (adding it) until `out` holds `limit`;
 * true once it does.
 */
export function takeDistinct(
  rows: MissingVectorChunk[],
  seen: Set<string>,
  out: MissingVectorChunk[],
  limit: number,
): boolean {
  for (const row of rows) {
    if (seen.has(row.hash)) continue;
    seen.add(row.hash);
    out.push(row);
    if (out.length >= limit) return true;
  }
  return false;
}

/** See `IndexStore.vectorsVersion`: bumped in every transaction that writes or deletes vectors. */
export function vectorsVersion(ctx: QueryContext): number {
  return (
    ctx.statements.get<{ value: number }>("SELECT value FROM counters WHERE name = 'vectors'").get()?.value ??
    0
  );
}

/** Bumps the vectors version; run it inside the transaction that changes vectors. */
export const BUMP_VECTORS_VERSION = "UPDATE counters SET value = value + 1 WHERE name = 'vectors'";

/** Scaled to unit length (a copy), so cosine similarity is a dot product at query time. */
export function normalized(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v);
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * inv;
  }
  return out;
}

/** Stores vectors by (content hash, model), replacing old ones, in one transaction. */
export function upsertVectors(ctx: QueryContext, model: string, dims: number, rows: VectorRow[]): number {
  if (!Number.isInteger(dims) || dims < 1) {
    throw new CodeindexError('INVALID_PAYLOAD', `vector dims must be a positive integer, got ${dims}`);
  }
  for (const r of rows) {
    if (r.vector.length !== dims) {
      throw new CodeindexError(
        'INVALID_PAYLOAD',
        `vector for ${r.hash} has ${r.vector.length} dimensions, expected ${dims}`,
      );
    }
  }
  const insert = ctx.statements.get(
    `INSERT INTO vectors (hash, model, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (hash, model) DO UPDATE SET dims = excluded.dims, vector = excluded.vector,
       created_at = excluded.created_at`,
  );
  const bump = ctx.statements.get(BUMP_VECTORS_VERSION);
  const at = ctx.now();
  ctx.db
    .transaction(() => {
      for (const r of rows) {
        const v = normalized(r.vector);
        insert.run(r.hash, model, dims, Buffer.from(v.buffer, v.byteOffset, v.byteLength), at);
      }
      if (rows.length > 0) bump.run();
    })
    .immediate();
  return rows.length;
}

/**
 * Every chunk of a root that has a vector for `model`, as one row-major matrix. Chunks sharing
 * content share the vector and each get a row. Rows whose dims differ from the first row's (a
 * model whose output size changed) are left out.
 */
export function loadVectors(ctx: QueryContext, rootPath: string, model: string): LoadedVectorMatrix {
  const rows = ctx.statements
    .get<{ id: number; dims: number; vector: Buffer }>(
      `SELECT c.id, v.dims, v.vector FROM ${CHUNKS_OF_ROOT}
       JOIN vectors v ON v.hash = c.hash AND v.model = ?
       WHERE r.path = ? AND ${EMBEDDED_KINDS} ORDER BY c.id`,
    )
    .all(model, normalizeRootPath(rootPath));
  const dims = rows[0]?.dims ?? 0;
  const usable = rows.filter((r) => r.dims === dims && r.vector.byteLength === dims * 4);
  const matrix = new Float32Array(usable.length * dims);
  const bytes = new Uint8Array(matrix.buffer);
  usable.forEach((r, i) => {
    bytes.set(r.vector, i * dims * 4);
  });
  return { ids: usable.map((r) => r.id), matrix, dims };
}

/** See `IndexStore.vectorsOfRoot`. */
export function vectorsOfRoot(
  ctx: QueryContext,
  rootPath: string,
  limit: number,
  after: { hash: string; model: string } = { hash: '', model: '' },
): StoredVector[] {
  if (limit <= 0) return [];
  return ctx.statements
    .get<{ hash: string; model: string; dims: number; vector: Buffer }>(
      `SELECT v.hash, v.model, v.dims, v.vector FROM vectors v
       WHERE v.hash IN (SELECT c.hash FROM ${CHUNKS_OF_ROOT} WHERE r.path = ? AND ${EMBEDDED_KINDS})
         AND (v.hash, v.model) > (?, ?)
       ORDER BY v.hash, v.model LIMIT ?`,
    )
    .all(normalizeRootPath(rootPath), after.hash, after.model, limit)
    .map((r) => ({ hash: r.hash, model: r.model, dims: r.dims, vector: float32Of(r.vector) }));
}

/** A stored vector blob as floats (a copy: the blob need not be 4-byte aligned). */
export function float32Of(blob: Uint8Array): Float32Array {
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

/**
 * What a root's vector coverage depends on: its chunks version and the vectors version (null
 * for an unknown root). Equal stamps mean equal coverage.
 */
export function coverageStamp(ctx: QueryContext, rootPath: string): string | null {
  const r = ctx.statements
    .get<{ v: number }>('SELECT chunks_version AS v FROM roots WHERE path = ?')
    .get(normalizeRootPath(rootPath));
  return r === undefined ? null : `${r.v}:${vectorsVersion(ctx)}`;
}

/** How many distinct chunk contents of a root have a vector for `model`, and how many do not. */
export function vectorCoverage(ctx: QueryContext, rootPath: string, model: string): VectorCoverage {
  const r = ctx.statements
    .get<{ total: number; embedded: number }>(
      `SELECT count(DISTINCT c.hash) AS total, count(DISTINCT v.hash) AS embedded FROM ${CHUNKS_OF_ROOT}
       LEFT JOIN vectors v ON v.hash = c.hash AND v.model = ?
       WHERE r.path = ? AND ${EMBEDDED_KINDS}`,
    )
    .get(model, normalizeRootPath(rootPath));
  const total = r?.total ?? 0;
  const embedded = r?.embedded ?? 0;
  return { embedded, pending: total - embedded };
}

/**
 * Deletes the vectors of models other than `model` for a root's chunk contents, once `model`
 * covers them all (a model change: the old vectors served nothing new meanwhile). Returns rows
 * deleted; 0 while the root still has chunks without a `model` vector.
 */
export function dropOtherModelVectors(ctx: QueryContext, rootPath: string, model: string): number {
  if (vectorCoverage(ctx, rootPath, model).pending > 0) return 0;
  const del = ctx.statements.get(
    `DELETE FROM vectors WHERE model <> ? AND hash IN (SELECT c.hash FROM ${CHUNKS_OF_ROOT} WHERE r.path = ?)`,
  );
  const bump = ctx.statements.get(BUMP_VECTORS_VERSION);
  return ctx.db
    .transaction(() => {
      const n = del.run(model, normalizeRootPath(rootPath)).changes;
      if (n > 0) bump.run();
      return n;
    })
    .immediate();
}

interface ChunkDbRow {
  id: number;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: 'header' | 'symbol' | 'code';
  content: string;
  hash: string;
  context: string | null;
  language: LanguageId;
  rel: string;
  root: string;
  size: number;
  mtime_ms: number;
}

/** Chunks by id in the order given; ids that no longer exist are left out. */
export function chunksByIds(ctx: QueryContext, ids: readonly number[]): ChunkRecord[] {
  if (ids.length === 0) return [];
  const rows = ctx.statements
    .get<ChunkDbRow>(
      `SELECT c.id, c.start_line, c.end_line, c.symbol, c.kind, c.content, c.hash, c.context, f.language,
              f.path AS rel, r.path AS root, f.size, f.mtime_ms
       FROM ${CHUNKS_OF_ROOT} WHERE c.id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: ChunkRecord[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (r === undefined) continue;
    out.push({
      chunkId: r.id,
      path: joinRootPath(r.root, r.rel),
      language: r.language,
      startLine: r.start_line,
      endLine: r.end_line,
      symbol: r.symbol,
      kind: r.kind,
      content: r.content,
      hash: r.hash,
      context: r.context ?? '',
      indexed: { size: r.size, mtimeMs: r.mtime_ms },
    });
  }
  return out;
}
