import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type ChokidarOptions, watch } from 'chokidar';
import { createIgnoreMatcher, IGNORE_FILE_NAMES, type IgnoreMatcher } from '../discovery/index.js';
import { errorMessage } from '../errors.js';
import { isCandidateSource } from '../indexer/index.js';
import type { Logger } from '../log.js';
import type { FileState } from '../store/types.js';
import { ChangeCoalescer, type ChangePlan } from './coalescer.js';
import { DirWatcher, isDirectoryAt } from './dir-watcher.js';

/** What the root watcher needs of a tree watcher (chokidar's or `DirWatcher`). */
interface TreeWatcher {
  on(event: 'all', fn: (event: string, abs: string, stats?: Stats) => void): unknown;
  on(event: 'error', fn: (err: unknown) => void): unknown;
  once(event: 'ready', fn: () => void): unknown;
  close(): Promise<void>;
}

/** How long the catch-up after a (re)open may hold the event loop at a time. */
const CATCH_UP_SLICE_MS = 20;
/** Timing knobs; the defaults keep p50 save-to-searchable near 0.1 s. */
export interface WatchTiming {
  windowMs: number;
  stormThreshold: number;
  stormQuietMs: number;
  stormMaxWaitMs: number;
  /** chokidar `atomic`: how long an unlink waits for a matching add (editor atomic saves). */
  atomicMs: number;
  /** Polling fallback interval per file. */
  pollIntervalMs: number;
  /** Wait after an ignore file changed before re-reading the tree (several often change at once). */
  rulesSettleMs: number;
  /** Wait after a new directory appears before listing it (see `sweepNewDir`). */
  sweepDelayMs?: number;
  /** Wait after a storm before checking whether its jobs drained (see `scheduleReconcile`). */
  reconcileDelayMs?: number;
}

export const DEFAULT_TIMING: Readonly<WatchTiming> = Object.freeze({
  windowMs: 25,
  stormThreshold: 50,
  stormQuietMs: 300,
  stormMaxWaitMs: 1000,
  atomicMs: 80,
  pollIntervalMs: 2000,
  rulesSettleMs: 250,
});

/** The fix we print when the kernel's inotify budget is exhausted. */
export const WATCH_LIMIT_FIX =
  'raise the limit with `sudo sysctl fs.inotify.max_user_watches=524288` (persist it in /etc/sysctl.d/), or add big folders to .codeindexignore';

export interface RootWatcherOptions {
  root: string;
  extraExcludes: readonly string[];
  batchSize: number;
  log: Logger;
  timing?: Partial<WatchTiming>;
  submit(plan: ChangePlan): Promise<void>;
  /** Indexed files of the root (for catching up on changes made while nobody watched), or null. */
  indexedFiles(): Promise<Map<string, FileState> | null>;
  /** Start in polling mode (tests; or a root on a file system without inotify). */
  polling?: boolean;
  /**
   * Watch with chokidar (a watch per file) instead of `DirWatcher` (a watch per directory, Linux
   * only; the default there). Polling always goes through chokidar.
   */
  chokidar?: boolean;
  /** Files in jobs enqueued for this root and not finished yet (the reconcile waits for 0). */
  pendingJobs?(): number;
}

const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE']);

/**
 * Watches one root (`DirWatcher` on Linux, chokidar elsewhere), using the indexing ignore rules (ignored directories are never
 * descended into, unsupported files are never watched), and feeds a `ChangeCoalescer`.
 * On start it compares what it finds with the index and queues the differences, so changes made
 * while no process watched the root are not lost. Falls back to polling on ENOSPC/EMFILE.
 */
export class RootWatcher {
  readonly root: string;
  private readonly timing: WatchTiming;
  private readonly matcher: IgnoreMatcher;
  private readonly coalescer: ChangeCoalescer;
  private fsw: TreeWatcher | null = null;
  private generation = 0;
  private rulesTimer: NodeJS.Timeout | null = null;
  private readonly sweepTimers = new Set<NodeJS.Timeout>();
  private reconcileTimer: NodeJS.Timeout | null = null;
  /** While the root is gone: the check for its return. */
  private rootBackTimer: NodeJS.Timeout | null = null;
  /** New directories waiting to be listed; a sweep covers its subdirectories too. */
  private readonly pendingSweeps = new Set<string>();
  /** When each path last had an add/change event (for the sweep: those are already queued). */
  private readonly recentEvents = new Map<string, number>();
  private closed = false;
  private submitErrorLogged = 0;
  /** Content hash of each ignore file as last read (null: absent), to tell real rule changes. */
  private readonly ruleContents = new Map<string, string | null>();
  /** Pending `ready` waits, released when the watcher they wait for is closed. */
  private readonly readyWaiters = new Set<() => void>();
  mode: 'native' | 'polling';
  warning: string | undefined;

  constructor(private readonly opts: RootWatcherOptions) {
    this.root = opts.root.replace(/\/+$/, '') || '/';
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.mode = opts.polling ? 'polling' : 'native';
    this.matcher = createIgnoreMatcher(this.root, { extraExcludes: opts.extraExcludes });
    this.coalescer = new ChangeCoalescer({
      root: this.root,
      windowMs: this.timing.windowMs,
      stormThreshold: this.timing.stormThreshold,
      stormQuietMs: this.timing.stormQuietMs,
      stormMaxWaitMs: this.timing.stormMaxWaitMs,
      batchSize: opts.batchSize,
      submit: (plan) => opts.submit(plan),
      indexedUnder: (dir) => this.indexedUnder(dir),
      onStormSettled: () => this.scheduleReconcile(),
      onSubmitError: (err) => {
        // One line per 10 s at most while Redis is away; the paths are retried.
        if (Date.now() - this.submitErrorLogged > 10_000) {
          this.submitErrorLogged = Date.now();
          opts.log.warn('could not enqueue re-index jobs; will retry', {
            root: this.root,
            error: errorMessage(err),
          });
        }
      },
    });
  }

  /** Changes seen and not yet enqueued. */
  get pendingChanges(): number {
    return this.coalescer.size;
  }

  /** How many times the tree was read: 1 after start, one more per ignore-rules change or fallback. */
  get treeReads(): number {
    return this.generation;
  }

  /** Starts chokidar; resolves once the initial scan is done (and the catch-up is queued). */
  async start(): Promise<void> {
    await this.open();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.rulesTimer) clearTimeout(this.rulesTimer);
    for (const t of this.sweepTimers) clearTimeout(t);
    this.sweepTimers.clear();
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = null;
    if (this.rootBackTimer) clearInterval(this.rootBackTimer);
    this.rootBackTimer = null;
    // Hand over what we already saw: the next holder would otherwise only find it by catch-up.
    await this.coalescer.flushNow().catch(() => {});
    this.coalescer.close();
    const fsw = this.fsw;
    this.fsw = null;
    this.releaseWaiters();
    await fsw?.close();
  }

  private releaseWaiters(): void {
    for (const w of this.readyWaiters) w();
    this.readyWaiters.clear();
  }

  /** Reacts to a chokidar error: the watch limit switches this root to polling (once). */
  handleError(err: unknown): void {
    const code = (err as { code?: string } | null)?.code;
    if (code && LIMIT_CODES.has(code)) {
      if (this.mode === 'polling' || this.closed) return;
      this.mode = 'polling';
      this.warning = `file watch limit reached (${code}); polling every ${this.timing.pollIntervalMs / 1000}s instead: ${WATCH_LIMIT_FIX}`;
      this.opts.log.warn(`cannot watch ${this.root} natively: ${this.warning}`);
      void this.reopen();
      return;
    }
    this.opts.log.debug('watch error', { root: this.root, error: errorMessage(err) });
  }

  /** Whether the root is gone (deleted or renamed) and waited for. */
  get gone(): boolean {
    return this.rootBackTimer !== null;
  }

  /**
   * The root was deleted or renamed. Its watch is dead, and a directory made again at its path
   * would not be watched: saves there were never indexed while index_status said "watching". Says
   * so (in the log and in `warning`), checks every poll interval whether the root is back, and
   * watches it again then (the catch-up queues what it holds).
   */
  private rootGone(): void {
    if (this.closed || this.rootBackTimer) return;
    const old = this.fsw;
    this.fsw = null;
    this.releaseWaiters();
    void old?.close().catch(() => {});
    this.warning = `${this.root} is gone (deleted or renamed): not watched until a directory is back at that path, then watched again and what changed is indexed`;
    this.opts.log.warn(`stopped watching: ${this.warning}`);
    this.rootBackTimer = setInterval(() => {
      if (this.closed || !isDirectoryAt(this.root)) return;
      if (this.rootBackTimer) clearInterval(this.rootBackTimer);
      this.rootBackTimer = null;
      this.warning = undefined;
      this.opts.log.info('watching again: the root is back', { root: this.root });
      void this.reopen();
    }, this.timing.pollIntervalMs);
    this.rootBackTimer.unref?.();
  }

  private async reopen(): Promise<void> {
    const old = this.fsw;
    this.fsw = null;
    this.releaseWaiters();
    await old?.close().catch(() => {});
    if (!this.closed) await this.open();
  }

  private async open(): Promise<void> {
    const baseline = await this.opts.indexedFiles();
    if (this.closed) return;
    const gen = ++this.generation;
    const seen = new Set<string>();
    let ready = false;
    const fsw = this.openTree(baseline === null);
    this.fsw = fsw;
    const live = () => this.fsw === fsw && gen === this.generation && !this.closed;
    fsw.on('all', (event, abs, stats) => {
      if (!live()) return;
      const rel = this.relOf(abs);
      if (rel === null) return;
      if (isIgnoreFile(rel) && (event === 'add' || event === 'change' || event === 'unlink')) {
        // The initial scan reads the rules it finds (they are in force already): no change. Later
        // events count only when the content differs, so a touch or a rewrite with the same bytes
        // does not re-read the whole tree.
        const before = this.ruleContents.get(rel);
        const now = event === 'unlink' ? null : this.ruleHash(rel);
        this.ruleContents.set(rel, now);
        if (!ready && event === 'add') return;
        if (before !== undefined && before === now) return;
        this.rulesChanged(rel);
        return;
      }
      // The initial scan reports every directory: it lists their files itself, so no directory
      // needs a sweep (each sweep reads the root's index: on 100k files, seconds per directory,
      // thousands of times, and the root's lease was lost while the event loop was held).
      if (!ready && event === 'addDir') return;
      // Without an index to compare with there is nothing to catch up: the repository job does it.
      if (!ready && event === 'add' && baseline === null) return;
      if (!ready && event === 'add') {
        // Initial scan: only what differs from the index is queued.
        seen.add(rel);
        const st = baseline?.get(rel);
        if (st && stats && st.size === stats.size && st.mtimeMs === stats.mtimeMs) return;
      }
      this.onEvent(event, rel);
    });
    fsw.on('error', (err) => {
      if (live()) this.handleError(err);
    });
    if (fsw instanceof DirWatcher)
      fsw.on('rootGone', () => {
        if (live()) this.rootGone();
      });
    await new Promise<void>((resolve) => {
      const done = () => {
        this.readyWaiters.delete(done);
        resolve();
      };
      this.readyWaiters.add(done);
      fsw.once('ready', done);
    });
    ready = true;
    if (!live() || baseline === null) return;
    // Indexed files chokidar did not find are gone (or ignored now). Rules are read afresh for the
    // check: a file the scan still reported (its rules read before the ignore file's new bytes
    // reached every cache) but that the current rules ignore leaves the index too.
    this.matcher.invalidate();
    let gone = 0;
    // In slices: on a tree of 100k files the check takes seconds, and the root's lease (renewed
    // every 1.5 s, lost after 5 s) must keep being renewed meanwhile.
    let sliceStart = Date.now();
    for (const rel of baseline.keys()) {
      if (!seen.has(rel) || this.isIgnoredNow(rel)) {
        this.coalescer.noteRemove(rel);
        gone++;
      }
      if (Date.now() - sliceStart > CATCH_UP_SLICE_MS) {
        await yieldToLoop();
        if (!live()) return;
        sliceStart = Date.now();
      }
    }
    if (gone > 0) this.opts.log.debug('catch-up: files gone since last index', { root: this.root, gone });
  }

  /**
   * The tree watcher: `DirWatcher` on Linux (one watch per directory: chokidar's per-file watches
   * took 1 GB on a tree of 113,000 files), chokidar elsewhere, when polling, or when asked.
   */
  private openTree(ignoreInitial: boolean): TreeWatcher {
    const ignored = (p: string, stats?: Pick<Stats, 'isDirectory'>) => this.isIgnoredPath(p, stats);
    if (this.mode === 'native' && process.platform === 'linux' && !this.opts.chokidar)
      return new DirWatcher(this.root, { ignored, sliceMs: CATCH_UP_SLICE_MS }).start();
    const options: ChokidarOptions = {
      persistent: true,
      ignoreInitial,
      followSymlinks: false,
      ignorePermissionErrors: true,
      atomic: this.mode === 'polling' ? false : this.timing.atomicMs,
      usePolling: this.mode === 'polling',
      interval: this.timing.pollIntervalMs,
      binaryInterval: this.timing.pollIntervalMs,
      ignored: (p: string, stats?: Stats) => ignored(p, stats),
    };
    return watch(this.root, options);
  }

  private onEvent(event: string, rel: string): void {
    if (event === 'add' || event === 'change') this.recentEvents.set(rel, Date.now());
    switch (event) {
      case 'add':
      case 'change':
        if (isCandidateSource(rel) && !this.matcher.isIgnored(rel, false)) this.coalescer.noteIndex(rel);
        break;
      case 'unlink':
        if (isCandidateSource(rel)) this.coalescer.noteRemove(rel);
        break;
      case 'unlinkDir':
        this.coalescer.noteRemoveDir(rel);
        break;
      case 'addDir':
        this.sweepNewDir(rel);
        break;
      default:
        break;
    }
  }

  /** A hash of an ignore file's bytes; null when it cannot be read (gone, or not a file). */
  private ruleHash(rel: string): string | null {
    try {
      return createHash('sha1')
        .update(readFileSync(`${this.root}/${rel}`))
        .digest('hex');
    } catch {
      return null;
    }
  }

  /**
   * An ignore file changed: forget its rules and, once the burst settles, re-read the tree with
   * the new rules. The re-read compares with the index, so newly ignored files leave it and newly
   * included ones (never watched until now) are indexed.
   */
  private rulesChanged(rel: string): void {
    const dir = this.matcher.ignoreFileDir(rel);
    if (dir !== undefined) this.matcher.invalidate(dir);
    if (this.rulesTimer) clearTimeout(this.rulesTimer);
    this.rulesTimer = setTimeout(() => {
      this.rulesTimer = null;
      this.opts.log.info('ignore rules changed; re-reading the tree', { root: this.root, file: rel });
      void this.coalescer
        .flushNow()
        .then(() => this.reopen())
        .catch((err) =>
          this.opts.log.warn('could not re-read the tree', { root: this.root, error: errorMessage(err) }),
        );
    }, this.timing.rulesSettleMs);
  }

  /**
   * A directory created with files in it can race chokidar: files written before its watch on
   * the new directory exists produce no event. Shortly after `addDir`, list the directory and
   * queue what is there (workers skip files the index already has unchanged).
   */
  private sweepNewDir(rel: string): void {
    for (const d of this.pendingSweeps) if (rel.startsWith(`${d}/`)) return;
    this.pendingSweeps.add(rel);
    const timer = setTimeout(() => {
      this.sweepTimers.delete(timer);
      this.pendingSweeps.delete(rel);
      if (this.closed) return;
      const now = Date.now();
      for (const [p, at] of this.recentEvents) if (now - at > 10_000) this.recentEvents.delete(p);
      void this.queueChangedUnder(rel, true);
    }, this.timing.sweepDelayMs ?? 150);
    this.sweepTimers.add(timer);
  }

  /**
   * Queues every supported, not ignored file under `dir` whose size or mtime differs from the
   * index (or that the index lacks). `skipRecent` leaves out paths that just had an event.
   */
  private async queueChangedUnder(dir: string, skipRecent: boolean): Promise<number> {
    const indexed = await this.opts.indexedFiles();
    let queued = 0;
    const walk = (rel: string, depth: number): void => {
      if (depth > 64 || this.closed) return;
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(rel === '' ? this.root : `${this.root}/${rel}`, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const child = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) {
          if (!this.matcher.isIgnored(child, true)) walk(child, depth + 1);
          continue;
        }
        if (!e.isFile() || !isCandidateSource(child) || this.matcher.isIgnored(child, false)) continue;
        if (skipRecent && this.recentEvents.has(child)) continue;
        const known = indexed?.get(child);
        if (known) {
          try {
            const st = statSync(`${this.root}/${child}`);
            if (st.size === known.size && st.mtimeMs === known.mtimeMs) continue;
          } catch {
            continue;
          }
        }
        this.coalescer.noteIndex(child);
        queued++;
      }
    };
    walk(dir, 0);
    return queued;
  }

  /**
   * After a storm, once its jobs have finished, compare the whole tree with the index once.
   * Under heavy load the kernel can drop file events (inotify queue overflow); this finds what
   * they would have reported. It waits (up to a minute) for the root's jobs to drain, so files
   * still being indexed are not queued twice.
   */
  private scheduleReconcile(attempt = 0): void {
    if (this.closed || this.reconcileTimer) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      if (this.closed) return;
      if ((this.opts.pendingJobs?.() ?? 0) > 0 || this.coalescer.size > 0) {
        if (attempt < 60) this.scheduleReconcile(attempt + 1);
        return;
      }
      void this.queueChangedUnder('', false).then((queued) => {
        if (queued > 0)
          this.opts.log.info('reconcile after storm: files the events missed', { root: this.root, queued });
      });
    }, this.timing.reconcileDelayMs ?? 1000);
  }

  private relOf(abs: string): string | null {
    if (!abs.startsWith(`${this.root}/`)) return null;
    return abs.slice(this.root.length + 1);
  }

  /** chokidar's `ignored`: true stops it from watching (and descending into) the path. */
  private isIgnoredPath(abs: string, stats?: Pick<Stats, 'isDirectory'>): boolean {
    if (abs === this.root) return false;
    const rel = this.relOf(abs);
    if (rel === null) return true;
    try {
      // Called without stats before chokidar knows the type: ignore only if ignored either way.
      if (stats === undefined) return this.matcher.isIgnored(rel, true) && this.matcher.isIgnored(rel, false);
      if (stats.isDirectory()) return this.matcher.isIgnored(rel, true);
      const name = rel.slice(rel.lastIndexOf('/') + 1);
      if (IGNORE_FILE_NAMES.includes(name)) return false;
      if (!isCandidateSource(rel)) return true;
      return this.matcher.isIgnored(rel, false);
    } catch {
      return true;
    }
  }

  /** Whether the current rules ignore an indexed file (a failed read of the rules keeps it). */
  private isIgnoredNow(rel: string): boolean {
    try {
      return this.matcher.isIgnored(rel, false);
    } catch {
      return false;
    }
  }

  private async indexedUnder(dir: string): Promise<string[]> {
    const files = await this.opts.indexedFiles();
    if (!files) return [];
    const prefix = dir === '' ? '' : `${dir}/`;
    return [...files.keys()].filter((p) => p.startsWith(prefix));
  }
}

function isIgnoreFile(rel: string): boolean {
  return IGNORE_FILE_NAMES.includes(rel.slice(rel.lastIndexOf('/') + 1));
}
