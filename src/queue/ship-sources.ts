import { lstatSync, realpathSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import { readSourceFileSync, scanRepository } from '../discovery/index.js';
import { CodeindexError } from '../errors.js';
import { isCandidateSource } from '../indexer/index.js';
import type { FileState, IndexStore } from '../store/types.js';
import { sameAsRecorded, skippedForSize } from './size-skips.js';
import type { ManifestRef, ShippedSource, SourceBlobs, SourceManifest } from './source-blobs.js';

/** What shipping did, for logs, task results and the benchmark's bytes-per-source-byte figure. */
export interface ShipStats {
  /** Paths looked at. */
  files: number;
  /** Bytes read from disk. */
  bytesRead: number;
  /** Contents sent to Redis (not there already, not already in the index). */
  blobs: number;
  bytesShipped: number;
}

export function emptyShipStats(): ShipStats {
  return { files: 0, bytesRead: 0, blobs: 0, bytesShipped: 0 };
}

/** Paths read per round of shipping: bounds the bytes held at once. */
const ROUND = 256;
/** How long reading may hold the event loop (the MCP server keeps answering meanwhile). */
const SLICE_MS = 20;

/**
 * The producer's half of indexing without a shared disk: reads files where they are, applying the
 * same rules a worker reading the disk applies (symlinks confined to the root, size cap, binary,
 * UTF-8), and ships what workers will need. Content the index already holds for that path, or that
 * Redis already holds, is not sent again.
 */
export class SourceShipper {
  constructor(
    private readonly cfg: Pick<Config, 'maxFileBytes' | 'extraExcludes'>,
    private readonly blobs: SourceBlobs,
    /** The index, to leave out content it already has (null: no index yet). */
    private readonly store: () => IndexStore | null,
  ) {}

  /**
   * Scans a root, ships the files that changed since the index last saw them (every file with
   * `force`), and stores the scan as a manifest for the repository job.
   */
  async shipRepository(root: string, force: boolean): Promise<{ manifest: ManifestRef; stats: ShipStats }> {
    const scan = await scanRepository(root, {
      maxFileBytes: this.cfg.maxFileBytes,
      extraExcludes: this.cfg.extraExcludes,
      isSupported: isCandidateSource,
    });
    const prev = await this.states(root);
    // Skipped for size by an earlier run, listed by this walk: the cap was raised since.
    const store = this.store();
    const nowFits =
      force || store === null
        ? new Set<string>()
        : await skippedForSize(store, root, scan.files, prev).catch((err: unknown) => {
            // As `states`: without the index, every file is shipped as it is.
            if (err instanceof CodeindexError && err.code === 'STORE_UNAVAILABLE') return new Set<string>();
            throw err;
          });
    const changed = scan.files
      .filter((f) => force || !sameAsRecorded(f, prev) || nowFits.has(f.path))
      .map((f) => f.path);
    const stats = await this.shipFiles(root, changed, force, prev);
    const shipped = new Set(changed);
    const manifest: SourceManifest = {
      root,
      files: scan.files.map((f) => ({
        path: f.path,
        size: f.size,
        mtimeMs: f.mtimeMs,
        shipped: shipped.has(f.path),
      })),
      skipped: scan.skipped.map((s) => ({
        path: s.path,
        reason: s.reason,
        ...(s.size !== undefined ? { size: s.size } : {}),
        ...(s.mtimeMs !== undefined ? { mtimeMs: s.mtimeMs } : {}),
      })),
      skippedCounts: Object.fromEntries(Object.entries(scan.skippedCounts).filter(([, n]) => n > 0)),
      dirsIgnored: scan.dirsIgnored,
    };
    return { manifest: await this.blobs.putManifest(manifest), stats };
  }

  /**
   * Reads `paths` under `root` and records what each one holds (content, skip reason, or gone);
   * sends the contents a worker will need. `prev`: the index's file states, when already read.
   */
  async shipFiles(
    root: string,
    paths: readonly string[],
    force: boolean,
    prev?: ReadonlyMap<string, FileState>,
  ): Promise<ShipStats> {
    const stats = emptyShipStats();
    let realRoot = root;
    try {
      realRoot = realpathSync.native(root);
    } catch {
      // A root that is gone: every path reads as gone.
    }
    let sliceStart = Date.now();
    for (let i = 0; i < paths.length; i += ROUND) {
      const part = paths.slice(i, i + ROUND);
      const states = prev ?? (await this.states(root, part));
      const entries: { path: string; source: ShippedSource }[] = [];
      const contents = new Map<string, Buffer>();
      for (const rel of part) {
        if (Date.now() - sliceStart > SLICE_MS) {
          await yieldToLoop();
          sliceStart = Date.now();
        }
        const { source, bytes } = readForShipping(root, realRoot, rel, this.cfg.maxFileBytes);
        entries.push({ path: rel, source });
        stats.files++;
        if (!bytes || !('sha256' in source)) continue;
        stats.bytesRead += bytes.length;
        const p = states.get(rel);
        // A worker parses only what the index does not hold for this path (or everything, forced).
        if (force || p?.status !== 'indexed' || p.sha256 !== source.sha256)
          contents.set(source.sha256, bytes);
      }
      const have = await this.blobs.present([...contents.keys()]);
      const send = [...contents].filter(([h]) => !have.has(h)).map(([sha256, b]) => ({ sha256, bytes: b }));
      stats.blobs += send.length;
      stats.bytesShipped += await this.blobs.putBlobs(send);
      // Contents first: an entry a worker can read always has its bytes in Redis.
      await this.blobs.putSources(root, entries);
    }
    return stats;
  }

  /**
   * The index's file states. With the database down, none: everything is shipped (what Redis
   * already holds still is not), so jobs keep being queued and run once it is back.
   */
  private async states(root: string, paths?: readonly string[]): Promise<Map<string, FileState>> {
    try {
      return (await this.store()?.getFileStates(root, paths)) ?? new Map();
    } catch (err) {
      if (err instanceof CodeindexError && err.code === 'STORE_UNAVAILABLE') return new Map();
      throw err;
    }
  }

  /**
   * Records that these paths, and every shipped path under these directories, are gone, so a job
   * still waiting for one of them removes it instead of indexing what was shipped before.
   */
  async markGone(root: string, paths: readonly string[], dirs: readonly string[] = []): Promise<void> {
    const seen = Date.now();
    const all = new Set(paths);
    for (const dir of dirs) for (const p of await this.blobs.pathsUnder(root, dir)) all.add(p);
    await this.blobs.putSources(
      root,
      [...all].map((path) => ({ path, source: { seen, gone: true } })),
    );
  }
}

/**
 * What a worker reading `rel` from disk would find, as a shipped entry (with the bytes when it is
 * indexable content): the checks of `indexFiles` in the same order.
 */
export function readForShipping(
  root: string,
  realRoot: string,
  rel: string,
  maxBytes: number,
): { source: ShippedSource; bytes?: Buffer } {
  const seen = Date.now();
  const abs = `${root}/${rel}`;
  let lst: ReturnType<typeof lstatSync>;
  try {
    lst = lstatSync(abs);
  } catch {
    return { source: { seen, gone: true } };
  }
  const skipped = (skip: 'dangling_symlink' | 'symlink_outside_root' | 'unsupported_language') => ({
    source: { seen, size: lst.size, mtimeMs: lst.mtimeMs, skip },
  });
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch {
    return skipped('dangling_symlink');
  }
  if (real !== realRoot && !real.startsWith(`${realRoot}/`)) return skipped('symlink_outside_root');
  if (!isCandidateSource(rel)) return skipped('unsupported_language');
  const read = readSourceFileSync(abs, { maxBytes, keepBytes: true });
  if (!read.ok) {
    if (read.code === 'ENOENT') return { source: { seen, gone: true } };
    return {
      source: {
        seen,
        size: read.size,
        mtimeMs: read.mtimeMs,
        skip: read.reason,
        ...(read.detail !== undefined ? { detail: read.detail } : {}),
      },
    };
  }
  const source: ShippedSource = { seen, size: read.size, mtimeMs: read.mtimeMs, sha256: read.sha256 };
  return read.bytes ? { source, bytes: read.bytes } : { source };
}
