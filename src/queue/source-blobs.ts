import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SKIP_REASONS, type SkipReason } from '../store/types.js';

/**
 * Source files shipped through Redis, for workers that cannot see the source tree (another host,
 * another container, no shared disk). The process that sees the files (MCP server, HTTP API, CLI,
 * watcher) reads them and puts them here; workers read them from here and never from their own
 * disk. Keys, all under `<prefix>:ci:` and all expiring after `blobTtlSeconds`:
 *
 * - `blob:<sha256>`: a file's bytes, addressed by content: one copy per content, whatever the path
 *   or root, shipped only when Redis does not hold it already.
 * - `src:<root hash>:<path>`: what a producer last saw at a path (content hash, skip reason, or
 *   gone), with the time it looked. Jobs name paths, and a worker indexes what the path's entry says
 *   when the job runs, as a worker reading the disk would: a save that lands while a job waits is
 *   the one indexed. An entry only moves forward in time (checked in Redis), so a scan that read a
 *   file before a save never overwrites the save's entry.
 * - `manifest:<id>`: the file list of one repository scan, which the repository job reads instead
 *   of scanning (its payload carries the id and the manifest's sha256).
 */

/** What a producer saw at a path. `seen` is when it looked (ms since the epoch, producer's clock). */
export type ShippedSource =
  | { seen: number; size: number; mtimeMs: number; sha256: string }
  | { seen: number; size: number; mtimeMs: number; skip: SkipReason; detail?: string }
  | { seen: number; gone: true };

const shippedSourceSchema = z.union([
  z.object({
    seen: z.number(),
    size: z.number(),
    mtimeMs: z.number(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.object({
    seen: z.number(),
    size: z.number(),
    mtimeMs: z.number(),
    skip: z.enum(SKIP_REASONS),
    detail: z.string().optional(),
  }),
  z.object({ seen: z.number(), gone: z.literal(true) }),
]);

/** The file list of a repository scan, made where the files are. */
export interface SourceManifest {
  root: string;
  /** Every file the scan would index; `shipped`: read and shipped (changed, or a forced run). */
  files: { path: string; size: number; mtimeMs: number; shipped: boolean }[];
  skipped: { path: string; reason: SkipReason; size?: number; mtimeMs?: number }[];
  skippedCounts: Partial<Record<SkipReason, number>>;
  dirsIgnored: number;
}

const manifestSchema = z.object({
  root: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number(), mtimeMs: z.number(), shipped: z.boolean() })),
  skipped: z.array(
    z.object({
      path: z.string(),
      reason: z.enum(SKIP_REASONS),
      size: z.number().optional(),
      mtimeMs: z.number().optional(),
    }),
  ),
  skippedCounts: z.record(z.string(), z.number()),
  dirsIgnored: z.number(),
});

/** A manifest as a job payload names it: the key's id and the sha256 of its JSON. */
export interface ManifestRef {
  id: string;
  sha256: string;
}

/** Sets a path's entry unless the stored one was seen later. KEYS[1]; ARGV: json, seen, ttl. */
const PUT_SOURCE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' and tonumber(old.seen) and tonumber(old.seen) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
return 1
`;

/** Keys per pipeline round trip. */
const PIPELINE_KEYS = 500;
/** Bytes of blobs per pipeline round trip. */
const PIPELINE_BYTES = 8 * 1024 * 1024;

const sha256Of = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Runs one Redis round trip (or a few); a producer passes a deadline so a call never hangs. */
export type RedisGuard = <T>(op: () => Promise<T>) => Promise<T>;

export class SourceBlobs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlSeconds: number,
    private readonly guard: RedisGuard = (op) => op(),
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'ci', ...parts].join(':');
  }

  private sourceKey(root: string, path: string): string {
    return this.key('src', sha256Of(root).slice(0, 16), path);
  }

  /** Which of these contents Redis holds; their expiry is renewed (a run is about to read them). */
  async present(hashes: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < hashes.length; i += PIPELINE_KEYS) {
      const part = hashes.slice(i, i + PIPELINE_KEYS);
      const p = this.redis.pipeline();
      for (const h of part) p.expire(this.key('blob', h), this.ttlSeconds);
      const res = (await this.guard(() => p.exec())) ?? [];
      part.forEach((h, j) => {
        if (res[j]?.[1] === 1) out.add(h);
      });
    }
    return out;
  }

  /** Stores contents by their hash. Returns the bytes sent. */
  async putBlobs(blobs: readonly { sha256: string; bytes: Buffer }[]): Promise<number> {
    let sent = 0;
    let p = this.redis.pipeline();
    let pending = 0;
    let pendingBytes = 0;
    for (const b of blobs) {
      p.set(this.key('blob', b.sha256), b.bytes, 'EX', this.ttlSeconds);
      pending++;
      pendingBytes += b.bytes.length;
      sent += b.bytes.length;
      if (pending >= PIPELINE_KEYS || pendingBytes >= PIPELINE_BYTES) {
        await this.guard(() => execOrThrow(p));
        p = this.redis.pipeline();
        pending = 0;
        pendingBytes = 0;
      }
    }
    if (pending > 0) await this.guard(() => execOrThrow(p));
    return sent;
  }

  /**
   * Contents by hash; a hash Redis no longer holds (expired, evicted) or whose bytes do not hash
   * to it is missing from the map.
   */
  async getBlobs(hashes: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += PIPELINE_KEYS) {
      const part = unique.slice(i, i + PIPELINE_KEYS);
      const values = await this.guard(() => this.redis.mgetBuffer(...part.map((h) => this.key('blob', h))));
      part.forEach((h, j) => {
        const v = values[j];
        if (v && sha256Of(v) === h) out.set(h, v);
      });
    }
    return out;
  }

  /** Records what was seen at each path (an entry seen earlier than the stored one is dropped). */
  async putSources(root: string, entries: readonly { path: string; source: ShippedSource }[]): Promise<void> {
    for (let i = 0; i < entries.length; i += PIPELINE_KEYS) {
      const p = this.redis.pipeline();
      for (const e of entries.slice(i, i + PIPELINE_KEYS))
        p.eval(
          PUT_SOURCE,
          1,
          this.sourceKey(root, e.path),
          JSON.stringify(e.source),
          e.source.seen,
          this.ttlSeconds,
        );
      await this.guard(() => execOrThrow(p));
    }
  }

  /**
   * The paths with an entry under directory `dir` of `root` (`''` or `'.'`: the whole root), by a
   * SCAN of the root's entries: what a removed directory held, including files shipped but not
   * indexed yet.
   */
  async pathsUnder(root: string, dir: string): Promise<string[]> {
    const base = `${this.sourceKey(root, '')}`;
    const whole = dir === '' || dir === '.';
    // Glob syntax in a path matches itself only.
    const glob = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
    const match = `${glob(base)}${whole ? '' : `${glob(dir.replace(/\/+$/, ''))}/`}*`;
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.guard(() => this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000));
      cursor = next;
      for (const k of keys) out.push(k.slice(base.length));
    } while (cursor !== '0');
    return [...new Set(out)];
  }

  /** The entry of each path Redis holds (expired ones are missing from the map). */
  async getSources(root: string, paths: readonly string[]): Promise<Map<string, ShippedSource>> {
    const out = new Map<string, ShippedSource>();
    for (let i = 0; i < paths.length; i += PIPELINE_KEYS) {
      const part = paths.slice(i, i + PIPELINE_KEYS);
      const values = await this.guard(() => this.redis.mget(...part.map((p) => this.sourceKey(root, p))));
      part.forEach((path, j) => {
        const v = values[j];
        if (!v) return;
        const parsed = shippedSourceSchema.safeParse(safeJson(v));
        if (parsed.success) out.set(path, parsed.data as ShippedSource);
      });
    }
    return out;
  }

  async putManifest(m: SourceManifest): Promise<ManifestRef> {
    const json = JSON.stringify(m);
    const id = randomUUID().replaceAll('-', '');
    await this.guard(() => this.redis.set(this.key('manifest', id), json, 'EX', this.ttlSeconds));
    return { id, sha256: sha256Of(json) };
  }

  /** The manifest, or a one-line reason it cannot be used. */
  async getManifest(ref: ManifestRef): Promise<SourceManifest | string> {
    const json = await this.guard(() => this.redis.get(this.key('manifest', ref.id)));
    if (json === null)
      return `the file list shipped with this task expired from Redis before a worker took it (kept ${this.ttlSeconds}s, CODEINDEX_BLOB_TTL_SECONDS): index the repository again`;
    if (sha256Of(json) !== ref.sha256)
      return 'the file list shipped with this task does not match its hash: index the repository again';
    const parsed = manifestSchema.safeParse(safeJson(json));
    if (!parsed.success)
      return 'the file list shipped with this task is malformed: index the repository again';
    return parsed.data as SourceManifest;
  }

  async dropManifest(ref: ManifestRef): Promise<void> {
    await this.guard(() => this.redis.del(this.key('manifest', ref.id)));
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

async function execOrThrow(p: ReturnType<Redis['pipeline']>): Promise<void> {
  const res = (await p.exec()) ?? [];
  const failed = res.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}
