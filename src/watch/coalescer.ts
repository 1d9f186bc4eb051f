import { statSync } from 'node:fs';

/** What one flush of the coalescer asks the producer to enqueue. Paths are relative to the root. */
export interface ChangePlan {
  /** Saves: one high-priority `index-file` job each, deduplicated per path. */
  files: string[];
  /** A storm: `index-batch` jobs of at most `batchSize` paths. */
  batches: string[][];
  /** Deleted files and directories: one `remove-files` job, enqueued before the index jobs. */
  removePaths: string[];
  removeDirs: string[];
}

export interface CoalescerOptions {
  /** Root the relative paths are under (for the post-flush re-check). */
  root: string;
  /** Fixed window from the first event to the flush. */
  windowMs: number;
  /** More paths than this in one window is a storm: batches instead of single-file jobs. */
  stormThreshold: number;
  /** In a storm, flush the rest once no event came for this long... */
  stormQuietMs: number;
  /** ...but emit full batches at least this often while events keep coming. */
  stormMaxWaitMs: number;
  batchSize: number;
  /** Enqueues a plan. A rejection puts the plan's paths back and retries after `retryMs`. */
  submit(plan: ChangePlan): Promise<void>;
  /** Removing a directory that has files re-added under it: the files indexed under it now. */
  indexedUnder(relDir: string): Promise<string[]>;
  retryMs?: number;
  /** After single-file jobs, re-stat the files this much later (catches writes chokidar throttled). */
  recheckMs?: number;
  /** Called once a storm's last paths were enqueued (the watcher reconciles the tree later). */
  onStormSettled?(): void;
  onSubmitError?(err: unknown): void;
}

type Pending = 'index' | 'remove';

interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

function stampOf(abs: string): FileStamp | null {
  try {
    const s = statSync(abs);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return null;
  }
}

function isUnder(rel: string, dir: string): boolean {
  return dir === '' || rel.startsWith(`${dir}/`);
}

/**
 * Collects file events for one root and turns them into job plans. The last event per path wins
 * (unlink then add = index; add then unlink = remove). A quiet save is flushed `windowMs` after its
 * first event as single-file jobs; a storm (git checkout, npm install) is held until it calms down
 * and flushed as full batches, with removals of whole directories kept correct when files come
 * back under them.
 */
export class ChangeCoalescer {
  private pending = new Map<string, Pending>();
  private dirs = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private recheck = new Map<string, FileStamp | null>();
  private storm: { since: number; lastEmit: number; indexed: Set<string> } | null = null;
  private lastEventAt = 0;
  /**
   * Distinct paths sent as single-file jobs in the current burst (windows with no quiet gap
   * between them), and when the last of them went out. Saving the same file again and again is
   * no storm; thousands of different files are.
   */
  private burst = { paths: new Set<string>(), at: 0 };
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: CoalescerOptions) {}

  /** Changes noticed and not yet handed to the producer. */
  get size(): number {
    return this.pending.size + this.dirs.size;
  }

  get inStorm(): boolean {
    return this.storm !== null;
  }

  noteIndex(rel: string): void {
    this.pending.set(rel, 'index');
    this.touch();
  }

  noteRemove(rel: string): void {
    this.pending.set(rel, 'remove');
    this.touch();
  }

  noteRemoveDir(rel: string): void {
    // Files under it that we were about to index are gone with it (chokidar re-reports any that return).
    for (const [p, kind] of this.pending)
      if (kind === 'index' && isUnder(p, rel)) this.pending.set(p, 'remove');
    this.dirs.add(rel);
    this.touch();
  }

  /** Flushes whatever is pending now (used before close and by tests). */
  async flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.storm) this.storm.lastEmit = 0;
    this.lastEventAt = 0;
    await this.flush(true);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.timer = null;
    this.recheckTimer = null;
  }

  private touch(): void {
    if (this.closed) return;
    this.lastEventAt = Date.now();
    if (this.storm) {
      // Trailing quiet period, bounded by the max wait (full batches keep flowing in a long storm).
      if (this.timer) clearTimeout(this.timer);
      const sinceEmit = Date.now() - this.storm.lastEmit;
      const wait = Math.max(0, Math.min(this.opts.stormQuietMs, this.opts.stormMaxWaitMs - sinceEmit));
      this.arm(wait);
      return;
    }
    if (!this.timer) this.arm(this.opts.windowMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush(false);
    }, ms);
  }

  private async flush(force: boolean): Promise<void> {
    if (this.flushing) {
      // One flush at a time keeps job order = event order; come back when it is done.
      await this.flushing;
      if (this.size > 0 && !this.timer && !this.closed) this.arm(0);
      return;
    }
    const run = this.flushOnce(force);
    this.flushing = run;
    try {
      await run;
    } finally {
      this.flushing = null;
    }
  }

  private async flushOnce(force: boolean): Promise<void> {
    if (this.size === 0) {
      // A storm whose every path already went out in batches while it went on settles here.
      if (this.storm) {
        this.storm = null;
        this.opts.onStormSettled?.();
      }
      return;
    }
    const now = Date.now();
    // A storm that trickles in (a slow disk, a busy machine) fills each short window only partly;
    // the paths sent as singles in the same burst count towards the threshold too.
    if (!this.storm && this.burstSize(now) <= this.opts.stormThreshold) {
      await this.submitSingles();
      return;
    }
    this.storm ??= { since: now, lastEmit: now, indexed: new Set() };
    const quiet = force || now - this.lastEventAt >= this.opts.stormQuietMs;
    const indexPaths = [...this.pending].filter(([, k]) => k === 'index').map(([p]) => p);
    const storm = this.storm;
    if (!quiet) {
      // Still raining: emit full batches and keep the rest (and all removals) for the end. A storm
      // slower than a batch per flush (files trickling in for minutes) gets what it has, so its
      // files are indexed about once a flush interval rather than only when it ends.
      const full = Math.floor(indexPaths.length / this.opts.batchSize) * this.opts.batchSize;
      const take = indexPaths.slice(0, full > 0 ? full : indexPaths.length);
      if (take.length > 0) {
        for (const p of take) this.pending.delete(p);
        const plan: ChangePlan = {
          files: [],
          batches: chunk(take, this.opts.batchSize),
          removePaths: [],
          removeDirs: [],
        };
        const stamps = this.stamp(take);
        if (await this.trySubmit(plan)) {
          for (const p of take) storm.indexed.add(p);
          this.scheduleRecheck(stamps);
        }
      }
      storm.lastEmit = Date.now();
      if (!this.timer && !this.closed) this.arm(this.opts.stormQuietMs);
      return;
    }
    // Calm again: removals first, then everything left as batches. The storm's paths are taken
    // before the index is read, so events that arrive meanwhile start the next round.
    const taken = new Map(this.pending);
    const takenDirs = [...this.dirs];
    this.pending.clear();
    this.dirs.clear();
    this.storm = null;
    const removePaths = [...taken].filter(([, k]) => k === 'remove').map(([p]) => p);
    const removeDirs: string[] = [];
    for (const d of takenDirs) {
      const back = [...storm.indexed, ...indexPaths].filter((p) => isUnder(p, d));
      if (back.length === 0) {
        removeDirs.push(d);
        continue;
      }
      // Files came back under a removed directory: remove only the ones that did not.
      const keep = new Set(back);
      // An index that cannot be read is an empty one: the next reconcile finds what is left.
      const indexed = await this.opts.indexedUnder(d).catch((): string[] => []);
      for (const p of indexed) if (!keep.has(p) && taken.get(p) !== 'index') removePaths.push(p);
    }
    const plan: ChangePlan = {
      files: [],
      batches: chunk(indexPaths, this.opts.batchSize),
      removePaths: [...new Set(removePaths)],
      removeDirs,
    };
    const stamps = this.stamp(indexPaths);
    if (await this.trySubmit(plan)) {
      this.scheduleRecheck(stamps);
      this.opts.onStormSettled?.();
    }
  }

  private async submitSingles(): Promise<void> {
    const files: string[] = [];
    const removePaths: string[] = [];
    for (const [p, k] of this.pending) (k === 'index' ? files : removePaths).push(p);
    const removeDirs = [...this.dirs];
    this.pending.clear();
    this.dirs.clear();
    const now = Date.now();
    const sent = this.inBurst(now) ? this.burst.paths : new Set<string>();
    // Once past the threshold the next window is a storm anyway: the set stays small.
    for (const p of [...files, ...removePaths, ...removeDirs.map((d) => `${d}/`)])
      if (sent.size <= this.opts.stormThreshold) sent.add(p);
    this.burst = { paths: sent, at: now };
    // Stamp before enqueueing: a write after this stamp is caught by the re-check below.
    const stamps = this.stamp(files);
    if (await this.trySubmit({ files, batches: [], removePaths, removeDirs })) this.scheduleRecheck(stamps);
  }

  /**
   * Whether a flush at `now` continues the burst of the last singles flush: a window opens at its
   * first event and flushes `windowMs` later, so a first event within `stormQuietMs` of the last
   * singles flush continues it.
   */
  private inBurst(now: number): boolean {
    return now - this.burst.at < this.opts.stormQuietMs + this.opts.windowMs;
  }

  /** Distinct paths of the burst so far plus those pending now (directories count once each). */
  private burstSize(now: number): number {
    if (!this.inBurst(now)) return this.size;
    const sent = this.burst.paths;
    let n = sent.size;
    for (const p of this.pending.keys()) if (!sent.has(p)) n++;
    for (const d of this.dirs) if (!sent.has(`${d}/`)) n++;
    return n;
  }

  /** Size, mtime and inode of each path now, before its job is enqueued. */
  private stamp(paths: readonly string[]): Map<string, FileStamp | null> {
    const stamps = new Map<string, FileStamp | null>();
    if ((this.opts.recheckMs ?? 120) <= 0) return stamps;
    for (const p of paths) stamps.set(p, stampOf(`${this.opts.root}/${p}`));
    return stamps;
  }

  /**
   * chokidar drops a second `change` for a path within 50 ms of the first (`writeFile` alone is a
   * truncate and a write); if the second landed after our job read the file, the index would keep
   * the older (or empty) content. Re-stat once; anything written after the stamp is queued again.
   */
  private scheduleRecheck(stamps: Map<string, FileStamp | null>): void {
    const ms = this.opts.recheckMs ?? 120;
    if (stamps.size === 0 || ms <= 0 || this.closed) return;
    for (const [p, s] of stamps) this.recheck.set(p, s);
    if (this.recheckTimer) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = null;
      const due = this.recheck;
      this.recheck = new Map();
      for (const [p, before] of due) {
        if (this.pending.has(p)) continue;
        const now = stampOf(`${this.opts.root}/${p}`);
        const same =
          (now === null && before === null) ||
          (now !== null &&
            before !== null &&
            now.size === before.size &&
            now.mtimeMs === before.mtimeMs &&
            now.ino === before.ino);
        if (!same) this.noteIndex(p);
      }
    }, ms);
  }

  /** Submits a plan; on failure puts its paths back and retries later. */
  private async trySubmit(plan: ChangePlan): Promise<boolean> {
    try {
      await this.opts.submit(plan);
      return true;
    } catch (err) {
      this.opts.onSubmitError?.(err);
      if (this.closed) return false;
      for (const d of plan.removeDirs) this.dirs.add(d);
      for (const p of plan.removePaths) if (!this.pending.has(p)) this.pending.set(p, 'remove');
      for (const p of [...plan.files, ...plan.batches.flat()])
        if (!this.pending.has(p)) this.pending.set(p, 'index');
      if (this.timer) clearTimeout(this.timer);
      this.arm(this.opts.retryMs ?? 1000);
      return false;
    }
  }
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
