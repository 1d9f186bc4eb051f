import { errorMessage } from '../errors.js';
import { openStore } from '../store/index.js';
import type { FileState, IndexStore } from '../store/types.js';
import { LEASE_RENEW_MS, LEASE_RETRY_MS, LEASE_TTL_MS, leaseKey, RootLease } from './lease.js';
import { JobProducer } from './producer.js';
import { RootWatcher, type WatchTiming } from './root-watcher.js';
import type { WatchManager, WatchManagerDeps, WatchNotes } from './types.js';

/** Optional knobs (tests and the benchmark); defaults suit a laptop. */
export interface WatchManagerOptions {
  timing?: Partial<WatchTiming>;
  /** Watch by polling from the start. */
  polling?: boolean;
}

interface RootEntry {
  root: string;
  lease: RootLease;
  producer: JobProducer;
  watcher: RootWatcher | null;
  /** Owner id of the process that holds the lease, when it is not us. */
  holder: string | null;
  timer: NodeJS.Timeout | null;
  /** When we last proved the lease is ours. */
  renewedAt: number;
  closed: boolean;
}

/**
 * One watcher per root across processes. Each root has a lease in Redis: the holder watches and
 * renews it every 1.5 s (compare-and-renew); everyone else tries to take it every second, so a
 * killed holder is replaced within about 5 s. A holder that cannot renew stops watching before
 * its lease could have expired, so a root is never watched twice for longer than a renewal slip.
 */
export function createWatchManager(deps: WatchManagerDeps, opts: WatchManagerOptions = {}): WatchManager {
  const { cfg, log, tasks, ownerId } = deps;
  const entries = new Map<string, RootEntry>();
  let store: IndexStore | null = null;
  let closed = false;

  /** Indexed files of a root, or null when the root has never finished indexing. */
  async function indexedFiles(root: string): Promise<Map<string, FileState> | null> {
    try {
      store ??= openStore(cfg, { readonly: true });
      const row = (await store.listRoots()).find((r) => r.path === root);
      if (!row || row.lastIndexedAt === null) return null;
      return await store.getFileStates(root);
    } catch {
      return null;
    }
  }

  function schedule(e: RootEntry): void {
    if (e.closed) return;
    e.timer = setTimeout(() => void tick(e), e.watcher ? LEASE_RENEW_MS : LEASE_RETRY_MS);
  }

  async function tick(e: RootEntry): Promise<void> {
    e.timer = null;
    if (e.closed) return;
    try {
      if (e.watcher) {
        if (await e.lease.renew()) e.renewedAt = Date.now();
        else {
          log.warn('lost the watch lease to another process; stopping this watcher', { root: e.root });
          await stopWatching(e);
        }
      } else if (await e.lease.tryAcquire()) {
        e.renewedAt = Date.now();
        if (e.closed) await e.lease.release();
        else startWatching(e);
      } else {
        e.holder = await e.lease.holder();
      }
    } catch (err) {
      log.debug('watch lease round failed', { root: e.root, error: errorMessage(err) });
      if (e.watcher && Date.now() - e.renewedAt > LEASE_TTL_MS - LEASE_RENEW_MS) {
        // Cannot prove we still hold it: stop before another process may have taken over.
        log.warn('cannot renew the watch lease (Redis unreachable); pausing this watcher', {
          root: e.root,
          error: errorMessage(err),
        });
        await stopWatching(e);
      }
    }
    schedule(e);
  }

  function startWatching(e: RootEntry): void {
    e.holder = null;
    const w = new RootWatcher({
      root: e.root,
      extraExcludes: cfg.extraExcludes,
      batchSize: cfg.batchSize,
      log,
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.polling ? { polling: true } : {}),
      submit: (plan) => e.producer.submit(plan),
      indexedFiles: () => indexedFiles(e.root),
      pendingJobs: () => {
        // Keep the in-flight count current while the watcher waits for it to drain.
        void e.producer.refresh().catch(() => {});
        return e.producer.pendingFiles;
      },
    });
    e.watcher = w;
    log.info('watching', { root: e.root, owner: ownerId });
    // Not awaited: a big tree takes a while to scan and the lease must keep being renewed.
    const started = Date.now();
    w.start()
      .then(() => {
        // The initial scan is done and its catch-up queued: from here on only events cost CPU.
        if (e.watcher === w) log.info('initial scan done', { root: e.root, ms: Date.now() - started });
      })
      .catch((err) => log.warn('watcher failed to start', { root: e.root, error: errorMessage(err) }));
  }

  async function stopWatching(e: RootEntry): Promise<void> {
    const w = e.watcher;
    e.watcher = null;
    await w?.close().catch(() => {});
  }

  async function unwatch(e: RootEntry): Promise<void> {
    e.closed = true;
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    const had = e.watcher !== null;
    await stopWatching(e);
    if (had) await e.lease.release().catch(() => {});
  }

  return {
    async watchRoot(root: string): Promise<void> {
      if (closed || entries.has(root)) return;
      const e: RootEntry = {
        root,
        lease: new RootLease(tasks.connection, leaseKey(cfg.queuePrefix, root), ownerId),
        producer: new JobProducer(tasks, root, log),
        watcher: null,
        holder: null,
        timer: null,
        renewedAt: 0,
        closed: false,
      };
      entries.set(root, e);
      await tick(e);
    },

    async unwatchRoot(root: string): Promise<void> {
      const e = entries.get(root);
      if (!e) return;
      entries.delete(root);
      await unwatch(e);
    },

    notes(root: string): WatchNotes {
      const e = entries.get(root);
      if (!e) return { watching: false };
      if (!e.watcher) return e.holder ? { watching: false, leaseHolder: e.holder } : { watching: false };
      void e.producer.refresh().catch(() => {});
      const n: WatchNotes = {
        watching: !e.watcher.gone,
        mode: e.watcher.mode,
        pendingChanges: e.watcher.pendingChanges + e.producer.pendingFiles,
      };
      if (e.watcher.warning) n.warning = e.watcher.warning;
      return n;
    },

    async close(): Promise<void> {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      await Promise.allSettled(all.map((e) => unwatch(e)));
      const s = store;
      store = null;
      await s?.close();
    },
  };
}
