import { existsSync, readFileSync, statSync } from 'node:fs';
import { isCodeindexError } from '../errors.js';
import {
  corruptionError,
  fileIdentity,
  isCorruptionError,
  quarantineIndex,
  rebuildingError,
  recentQuarantine,
  rootsOfDamaged,
} from './corruption.js';
import type { IndexStore } from './types.js';

/** What a process does once it has set a damaged index aside: queue the rebuild of these roots. */
export type RebuildRoots = (roots: string[], movedTo: string) => void;

/**
 * An {@link IndexStore} that survives a damaged or replaced index file. Every call goes to the
 * store opened on the current file; when the file at `dbPath` is another one than the store's
 * (another process set it aside), the store is reopened first. A call that fails with SQLite's
 * "damaged file" errors sets the file aside (one process does), hands the roots it held to
 * `rebuild`, and throws `INDEX_CORRUPT` with one line saying so; the next call opens a new index.
 */
export function guardedStore(
  dbPath: string,
  open: () => IndexStore,
  opts: { rebuild: RebuildRoots; allowedRootsFile?: string; log?: (msg: string) => void },
): IndexStore & { reopen(): Promise<void> } {
  let current: IndexStore | null = null;
  let ino = 0;

  /** Forgets the open store at once; its (SQLite: synchronous) close is done when this settles. */
  const drop = async (): Promise<void> => {
    const closing = current;
    current = null;
    try {
      await closing?.close();
    } catch {
      // A damaged file may refuse even to close cleanly.
    }
  };

  const damaged = (err: unknown): never => {
    const seen = ino || fileIdentity(dbPath);
    // better-sqlite3 closes inside the call, so the file is closed before it is moved.
    void drop();
    const movedTo = quarantineIndex(dbPath, seen);
    if (movedTo) {
      let roots = rootsOfDamaged(movedTo);
      if (roots.length === 0 && opts.allowedRootsFile) roots = registeredRoots(opts.allowedRootsFile);
      roots = [...new Set(roots)].filter((r) => isDirectory(r));
      opts.log?.(
        `index file damaged (${(err as Error).message}); moved to ${movedTo}; rebuilding ${roots.length} roots`,
      );
      opts.rebuild(roots, movedTo);
    }
    throw corruptionError(dbPath, err, movedTo);
  };

  /** Nothing indexed, just after a damaged file was set aside: say that, not "index it first". */
  const duringRebuild = (err: unknown): unknown => {
    if (!isCodeindexError(err, 'NOT_INDEXED')) return err;
    const moved = recentQuarantine(dbPath);
    return moved ? rebuildingError(moved) : err;
  };

  const store = (): IndexStore => {
    if (current && fileIdentity(dbPath) !== ino) void drop();
    if (!current) {
      try {
        current = open();
      } catch (err) {
        if (isCorruptionError(err)) damaged(err);
        throw duringRebuild(err);
      }
      ino = fileIdentity(dbPath);
    }
    return current;
  };

  const target = {
    reopen: drop,
    close: drop,
  } as unknown as IndexStore & { reopen(): Promise<void> };
  return new Proxy(target, {
    get(t, key) {
      if (key === 'reopen' || key === 'close') return Reflect.get(t, key);
      if (key === 'then') return undefined;
      const s = store();
      const v = Reflect.get(s, key);
      if (typeof v !== 'function') return v;
      // Every store method returns a promise: a failure is a rejection, whether the method threw
      // or its promise rejected.
      return async (...args: unknown[]) => {
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(s, args);
        } catch (err) {
          if (isCorruptionError(err)) damaged(err);
          throw duringRebuild(err);
        }
      };
    },
  });
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function registeredRoots(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('/'));
}
