import { EventEmitter } from 'node:events';
import { type Dirent, type FSWatcher, lstatSync, readdirSync, type Stats, statSync, watch } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** What `ignored` is told about a path: whether it is a directory. */
export interface PathKind {
  isDirectory(): boolean;
}

export interface DirWatcherOptions {
  /** True: the path is never reported, and an ignored directory is never read nor watched. */
  ignored(abs: string, kind: PathKind): boolean;
  /** How long the walk of a tree may hold the event loop at a time. */
  sliceMs?: number;
}

export type DirWatchEvent = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

/** A watched directory: its watch handle and its entries (name -> is a directory). */
interface WatchedDir {
  handle: FSWatcher | null;
  entries: Map<string, boolean>;
}

const QUIET_CODES = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM']);

/**
 * A file-tree watcher with one inotify watch per directory and none per file (Linux: a directory's
 * watch reports its files' writes, creations, deletions and renames by name). chokidar watches
 * every file on its own and keeps several objects per file: on a tree of 113,000 watched files its
 * bookkeeping alone took about 1 GB of heap, against a few hundred bytes per file here.
 *
 * The same events as chokidar's `all` (add, change, unlink, addDir, unlinkDir, with the file's
 * stats for `add` and `change`), `ready` once the initial walk is done, `error` for a failed watch
 * (ENOSPC/EMFILE when the kernel's watch budget is spent), `rootGone` once when the root itself is
 * deleted or renamed (the watcher is closed then). New directories are walked and watched
 * as they appear, their files reported as `add`. Symbolic links are reported as files and never
 * followed. The walk holds the event loop at most `sliceMs` at a time.
 */
export class DirWatcher extends EventEmitter {
  private readonly dirs = new Map<string, WatchedDir>();
  private readonly sliceMs: number;
  private closed = false;
  private failed = false;

  constructor(
    readonly root: string,
    private readonly opts: DirWatcherOptions,
  ) {
    super();
    this.sliceMs = opts.sliceMs ?? 20;
  }

  /** Starts the initial walk; `ready` is emitted when it is done. */
  start(): this {
    // After the caller's listeners are attached: the walk reports as it goes.
    void yieldToLoop()
      .then(() => this.walk(this.root, true))
      .then(() => {
        if (!this.closed && !this.failed) this.emit('ready');
      });
    return this;
  }

  /** Directories watched (for tests and diagnostics). */
  get watchedDirs(): number {
    return this.dirs.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.dirs.values()) d.handle?.close();
    this.dirs.clear();
  }

  /** Walks `top` (watched, then read), reporting what it finds; sliced, breadth first. */
  private async walk(top: string, initial: boolean): Promise<void> {
    const queue = [top];
    let sliceStart = Date.now();
    while (queue.length > 0 && !this.closed && !this.failed) {
      const dir = queue.shift()!;
      this.readDir(dir, initial, queue);
      if (Date.now() - sliceStart > this.sliceMs) {
        await yieldToLoop();
        sliceStart = Date.now();
      }
    }
  }

  /** Watches and reads one directory: files are reported, subdirectories queued. */
  private readDir(dir: string, initial: boolean, queue: string[]): void {
    if (this.dirs.has(dir)) return;
    const watched: WatchedDir = { handle: null, entries: new Map() };
    // Watched before it is read, so a file created in between is not missed.
    try {
      watched.handle = watch(dir, { persistent: true }, (type, name) => this.onEvent(dir, type, name));
      watched.handle.on('error', (err) => this.onWatchError(dir, err));
    } catch (err) {
      if (this.onWatchError(dir, err)) return;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      watched.handle?.close();
      return;
    }
    this.dirs.set(dir, watched);
    for (const e of entries) {
      const abs = `${dir}/${e.name}`;
      const isDir = e.isDirectory() || (!e.isFile() && !e.isSymbolicLink() && isDirectoryPath(abs));
      if (this.opts.ignored(abs, { isDirectory: () => isDir })) continue;
      watched.entries.set(e.name, isDir);
      if (isDir) {
        if (!initial) this.emit('all', 'addDir', abs);
        queue.push(abs);
        continue;
      }
      const st = fileStats(abs);
      if (st) this.emit('all', 'add', abs, st);
    }
  }

  /**
   * A failed watch: missing or unreadable directories are skipped (true: skip it); anything else
   * (ENOSPC, EMFILE) is reported and ends the walk.
   */
  private onWatchError(dir: string, err: unknown): boolean {
    const code = (err as { code?: string } | null)?.code;
    if (code && QUIET_CODES.has(code)) {
      if (dir !== this.root) this.forget(dir);
      return true;
    }
    if (this.closed) return true;
    this.failed = true;
    this.emit('error', err);
    return true;
  }

  private onEvent(dir: string, _type: string, name: string | Buffer | null): void {
    if (this.closed) return;
    const watched = this.dirs.get(dir);
    if (!watched) return;
    if (name === null || name === undefined) this.rescan(dir, watched);
    else this.check(dir, watched, String(name));
    // The root itself deleted or renamed: its watch is dead (a directory made again at its path is
    // not watched), so say so once and stop, instead of looking like a watcher with nothing to do.
    if (dir === this.root && !this.closed && !isDirectoryAt(this.root)) {
      void this.close();
      this.emit('rootGone');
    }
  }

  /** One entry of a watched directory changed: compares what is there with what was. */
  private check(dir: string, watched: WatchedDir, name: string): void {
    const abs = `${dir}/${name}`;
    const known = watched.entries.get(name);
    let st: Stats | undefined;
    try {
      st = lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (!st) {
      if (known === undefined) return;
      watched.entries.delete(name);
      this.removed(abs, known);
      return;
    }
    const isDir = st.isDirectory();
    if (known !== undefined && known !== isDir) {
      watched.entries.delete(name);
      this.removed(abs, known);
    }
    if (this.opts.ignored(abs, st)) return;
    if (isDir) {
      if (watched.entries.get(name) !== undefined) return;
      watched.entries.set(name, true);
      this.emit('all', 'addDir', abs, st);
      void this.walk(abs, false);
      return;
    }
    const fst = st.isSymbolicLink() ? (fileStats(abs) ?? st) : st;
    if (watched.entries.get(name) === undefined) {
      watched.entries.set(name, false);
      this.emit('all', 'add', abs, fst);
    } else {
      this.emit('all', 'change', abs, fst);
    }
  }

  /** The directory's events were lost (no name): re-reads it and reports the differences. */
  private rescan(dir: string, watched: WatchedDir): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const now = new Set(names);
    for (const name of [...watched.entries.keys()]) if (!now.has(name)) this.check(dir, watched, name);
    for (const name of names) if (!watched.entries.has(name)) this.check(dir, watched, name);
  }

  private removed(abs: string, wasDir: boolean): void {
    if (!wasDir) {
      this.emit('all', 'unlink', abs);
      return;
    }
    this.forget(abs);
    this.emit('all', 'unlinkDir', abs);
  }

  /** Stops watching a directory and everything under it. */
  private forget(dir: string): void {
    const prefix = `${dir}/`;
    for (const [d, w] of this.dirs) {
      if (d === dir || d.startsWith(prefix)) {
        w.handle?.close();
        this.dirs.delete(d);
      }
    }
  }
}

/** A directory at `abs`, through links. */
export function isDirectoryAt(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}

function isDirectoryPath(abs: string): boolean {
  try {
    return lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}

/** A file's stats (through a link, as the scan sees it), or undefined when it is gone. */
function fileStats(abs: string): Stats | undefined {
  try {
    return statSync(abs, { throwIfNoEntry: false }) ?? lstatSync(abs);
  } catch {
    try {
      return lstatSync(abs);
    } catch {
      return undefined;
    }
  }
}
