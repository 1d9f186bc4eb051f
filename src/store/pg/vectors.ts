import { CodeindexError } from '../../errors.js';
import { normalizeRootPath } from '../paths.js';
import type {
  EmbedShard,
  LoadedVectorMatrix,
  MissingVectorChunk,
  StoredVector,
  VectorCoverage,
  VectorRow,
} from '../types.js';
import {
  BUMP_VECTORS_VERSION,
  EMBEDDED_KINDS,
  float32Of,
  missingVectorsPage,
  normalized,
  takeDistinct,
} from '../vectors.js';
import { changed, inTransaction, type PgContext, type Queryable, rowsOf } from './context.js';

const CHUNKS_OF_ROOT = 'chunks c JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id';

/**
 * Distinct chunk contents of a root without a vector for `model`, in id order of the first chunk
 * holding each (as the SQLite engine, which deduplicates while it streams).
 */
export async function chunksMissingVectorsPg(
  db: Queryable,
  rootPath: string,
  model: string,
  limit: number,
  afterId = 0,
  shard: EmbedShard = { index: 0, count: 1 },
): Promise<MissingVectorChunk[]> {
  const out: MissingVectorChunk[] = [];
  if (limit <= 0) return out;
  // A page in chunk id order, repeats dropped here (as the SQLite engine): DISTINCT ON (hash) in
  // the statement sorted every missing chunk of the root by hash for every batch (a batch of 32
  // on a root of 60,000 chunks: 326 ms, now 4 ms; a small root beside it 94 -> 74 ms).
  const page = missingVectorsPage(limit);
  const root = normalizeRootPath(rootPath);
  const seen = new Set<string>();
  for (let from = afterId; ; ) {
    const rows = await rowsOf<MissingVectorChunk>(
      db,
      `SELECT c.hash, c.content, c.symbol, c.context, f.path, c.id AS "chunkId"
       FROM ${CHUNKS_OF_ROOT}
       WHERE r.path = ? AND c.id > ? AND c.id % ? = ? AND ${EMBEDDED_KINDS}
         AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.hash = c.hash AND v.model = ?)
       ORDER BY c.id LIMIT ?`,
      [root, from, shard.count, shard.index, model, page],
    );
    if (takeDistinct(rows, seen, out, limit) || rows.length < page) return out;
    from = rows[rows.length - 1]!.chunkId;
  }
}

export async function vectorsVersionPg(db: Queryable): Promise<number> {
  const [r] = await rowsOf<{ value: number }>(db, "SELECT value FROM counters WHERE name = 'vectors'");
  return r?.value ?? 0;
}

/** Stores vectors by (content hash, model), L2-normalised, in one transaction and one statement. */
export async function upsertVectorsPg(
  ctx: PgContext,
  model: string,
  dims: number,
  rows: VectorRow[],
): Promise<number> {
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
  if (rows.length === 0) return 0;
  // One row per hash: ON CONFLICT cannot update a row twice in one statement (the last wins).
  const byHash = new Map(rows.map((r) => [r.hash, r.vector]));
  const hashes = [...byHash.keys()];
  const blobs = [...byHash.values()].map((v) => {
    const n = normalized(v);
    return Buffer.from(n.buffer, n.byteOffset, n.byteLength);
  });
  await inTransaction(ctx.pool, async (client) => {
    await changed(
      client,
      `INSERT INTO vectors (hash, model, dims, vector, created_at)
       SELECT h, ?, ?, v, ? FROM unnest(?::text[], ?::bytea[]) AS x(h, v)
       ON CONFLICT (hash, model) DO UPDATE SET dims = excluded.dims, vector = excluded.vector,
         created_at = excluded.created_at`,
      [model, dims, ctx.now(), hashes, blobs],
    );
    await changed(client, BUMP_VECTORS_VERSION);
  });
  return rows.length;
}

/** Every chunk of a root with a vector for `model`, as one row-major matrix (as SQLite). */
export async function loadVectorsPg(
  db: Queryable,
  rootPath: string,
  model: string,
): Promise<LoadedVectorMatrix> {
  const rows = await rowsOf<{ id: number; dims: number; vector: Buffer }>(
    db,
    `SELECT c.id, v.dims, v.vector FROM ${CHUNKS_OF_ROOT}
     JOIN vectors v ON v.hash = c.hash AND v.model = ?
     WHERE r.path = ? AND ${EMBEDDED_KINDS} ORDER BY c.id`,
    [model, normalizeRootPath(rootPath)],
  );
  const dims = rows[0]?.dims ?? 0;
  const usable = rows.filter((r) => r.dims === dims && r.vector.byteLength === dims * 4);
  const matrix = new Float32Array(usable.length * dims);
  const bytes = new Uint8Array(matrix.buffer);
  usable.forEach((r, i) => {
    bytes.set(r.vector, i * dims * 4);
  });
  return { ids: usable.map((r) => r.id), matrix, dims };
}

/** See `IndexStore.vectorsOfRoot` (as the SQLite engine). */
export async function vectorsOfRootPg(
  db: Queryable,
  rootPath: string,
  limit: number,
  after: { hash: string; model: string } = { hash: '', model: '' },
): Promise<StoredVector[]> {
  if (limit <= 0) return [];
  const rows = await rowsOf<{ hash: string; model: string; dims: number; vector: Buffer }>(
    db,
    `SELECT v.hash, v.model, v.dims, v.vector FROM vectors v
     WHERE v.hash IN (SELECT c.hash FROM ${CHUNKS_OF_ROOT} WHERE r.path = ? AND ${EMBEDDED_KINDS})
       AND (v.hash, v.model) > (?, ?)
     ORDER BY v.hash, v.model LIMIT ?`,
    [normalizeRootPath(rootPath), after.hash, after.model, limit],
  );
  return rows.map((r) => ({ hash: r.hash, model: r.model, dims: r.dims, vector: float32Of(r.vector) }));
}

export async function vectorCoveragePg(
  db: Queryable,
  rootPath: string,
  model: string,
): Promise<VectorCoverage> {
  const [r] = await rowsOf<{ total: number; embedded: number }>(
    db,
    `SELECT count(DISTINCT c.hash) AS total, count(DISTINCT v.hash) AS embedded FROM ${CHUNKS_OF_ROOT}
     LEFT JOIN vectors v ON v.hash = c.hash AND v.model = ?
     WHERE r.path = ? AND ${EMBEDDED_KINDS}`,
    [model, normalizeRootPath(rootPath)],
  );
  const total = r?.total ?? 0;
  const embedded = r?.embedded ?? 0;
  return { embedded, pending: total - embedded };
}

/** Drops other models' vectors of a root's chunk contents once `model` covers them all. */
export async function dropOtherModelVectorsPg(
  ctx: PgContext,
  rootPath: string,
  model: string,
): Promise<number> {
  const root = normalizeRootPath(rootPath);
  return inTransaction(ctx.pool, async (client) => {
    if ((await vectorCoveragePg(client, root, model)).pending > 0) return 0;
    const n = await changed(
      client,
      `DELETE FROM vectors WHERE model <> ? AND hash IN (SELECT c.hash FROM ${CHUNKS_OF_ROOT} WHERE r.path = ?)`,
      [model, root],
    );
    if (n > 0) await changed(client, BUMP_VECTORS_VERSION);
    return n;
  });
}

/**
 * What a root's vector coverage depends on: its chunks version and the vectors version, read in
 * one query (null for an unknown root). Equal stamps mean equal coverage.
 */
export async function coverageStampPg(db: Queryable, rootPath: string): Promise<string | null> {
  const [r] = await rowsOf<{ v: number; vectors: number }>(
    db,
    `SELECT chunks_version AS v, (SELECT value FROM counters WHERE name = 'vectors') AS vectors
     FROM roots WHERE path = ?`,
    [normalizeRootPath(rootPath)],
  );
  return r === undefined ? null : `${r.v}:${r.vectors}`;
}
