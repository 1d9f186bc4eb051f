import { existsSync } from 'node:fs';
import { indexDbPath } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { openIndexStore } from './open.js';
import { openPgStore } from './pg/store.js';
import type { IndexStore } from './types.js';

/**
 * Where a configuration's index lives: the PostgreSQL URL when `databaseUrl` is set
 * (`CODEINDEX_DATABASE_URL`, `--database-url`), else the SQLite file under `CODEINDEX_HOME`.
 * A plain string, so it can cross into a worker thread.
 */
export function indexLocation(cfg: Config): string {
  return cfg.databaseUrl ?? indexDbPath(cfg);
}

/** True for a PostgreSQL location (`postgres://` or `postgresql://`). */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * How a process opens the index. `cacheRoots`: long-lived query processes (the MCP and HTTP
 * servers) keep the roots list between calls (PostgreSQL only; SQLite reads it in-process).
 */
export interface OpenOptions {
  readonly?: boolean;
  cacheRoots?: boolean;
}

/** Opens the index at a location from {@link indexLocation} with the engine it names. */
export function openIndexAt(location: string, opts: OpenOptions = {}): IndexStore {
  return isPostgresLocation(location)
    ? openPgStore(location, {
        ...(opts.readonly ? { readonly: true } : {}),
        ...(opts.cacheRoots ? { cacheRoots: true } : {}),
      })
    : openIndexStore(location, opts.readonly ? { readonly: true } : {});
}

/** Opens a configuration's index (see {@link indexLocation}). */
export function openStore(cfg: Config, opts: OpenOptions = {}): IndexStore {
  return openIndexAt(indexLocation(cfg), opts);
}

/**
 * Whether there may be an index to read: the SQLite file exists, or a database server is
 * configured (it answers `NOT_INDEXED` itself when no root is in it).
 */
export function indexMayExist(cfg: Config): boolean {
  return cfg.databaseUrl !== undefined || existsSync(indexDbPath(cfg));
}
