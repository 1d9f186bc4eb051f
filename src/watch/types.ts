import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { TaskClient } from '../queue/task-client.js';

/** What the watcher needs: built by `serve` / `codeindex watch` and passed in. */
export interface WatchManagerDeps {
  cfg: Config;
  log: Logger;
  /** Producer for index-file / remove-files / index-batch jobs. */
  tasks: TaskClient;
  /** A stable id for this process (lease owner), e.g. `${hostname}:${pid}:${uuid}`. */
  ownerId: string;
}

/** Per-root watcher state, reported by `index_status` under `notes`. */
export interface WatchNotes {
  watching: boolean;
  /** 'native' (inotify/fsevents) or 'polling' (fallback after ENOSPC/EMFILE). */
  mode?: 'native' | 'polling';
  /** Another process holds the lease for this root. */
  leaseHolder?: string;
  /** Changes seen but not yet enqueued (debouncing) plus jobs waiting for this root. */
  pendingChanges?: number;
  warning?: string;
}

/** Watches indexed roots and turns file events into indexing jobs. */
export interface WatchManager {
  /** Starts watching a root (idempotent). Only one process per root watches, via a Redis lease. */
  watchRoot(root: string): Promise<void>;
  /** Stops watching a root (cleanup removed it). */
  unwatchRoot(root: string): Promise<void>;
  notes(root: string): WatchNotes;
  /** Stops every watcher and releases leases. */
  close(): Promise<void>;
}
