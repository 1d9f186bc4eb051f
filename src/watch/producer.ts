import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import { JOBS } from '../queue/names.js';
import type { TaskClient } from '../queue/task-client.js';
import { type ChangePlan, chunk } from './coalescer.js';

/** Paths per `remove-files` job (keeps payloads small in a huge delete). */
const REMOVE_CHUNK = 1000;
/** Beyond this many tracked jobs we stop tracking the oldest (pendingChanges is a hint). */
const MAX_TRACKED = 2000;

/** The deduplication id of a path's `index-file` jobs: saves of one path collapse into one job. */
export function fileDedupId(root: string, rel: string): string {
  const h = createHash('sha256').update(root).digest('hex').slice(0, 16);
  return `watch:${h}:${rel}`;
}

/**
 * Turns change plans into jobs for one root: removals first (so a file re-added under a removed
 * directory is not deleted after it was indexed), then single files (high priority, deduplicated)
 * and storm batches (normal priority). Remembers the jobs until they finish, for `pendingChanges`.
 */
export class JobProducer {
  /** Job id -> number of files it covers. */
  private readonly inflight = new Map<string, number>();
  private refreshing: Promise<void> | null = null;
  private lastRefresh = 0;

  constructor(
    private readonly tasks: TaskClient,
    readonly root: string,
    private readonly log: Logger,
  ) {}

  async submit(plan: ChangePlan): Promise<void> {
    const root = this.root;
    const removeChunks = chunk(plan.removePaths, REMOVE_CHUNK);
    if (removeChunks.length === 0 && plan.removeDirs.length > 0) removeChunks.push([]);
    for (const [i, paths] of removeChunks.entries()) {
      const dirs = i === 0 ? plan.removeDirs : [];
      const id = await this.tasks.enqueue(JOBS.removeFiles, { root, paths, dirs }, { priority: 'high' });
      this.track(id, paths.length + dirs.length);
    }
    const jobs: Promise<void>[] = [];
    for (const path of plan.files) {
      jobs.push(
        this.tasks
          .enqueue(
            JOBS.indexFile,
            { root, path },
            { priority: 'high', deduplicationId: fileDedupId(root, path) },
          )
          .then((id) => this.track(id, 1)),
      );
    }
    for (const paths of plan.batches) {
      jobs.push(
        this.tasks
          .enqueue(JOBS.indexBatch, { root, paths, force: false }, { priority: 'normal' })
          .then((id) => this.track(id, paths.length)),
      );
    }
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (plan.batches.length > 0 || plan.removePaths.length > 50) {
      this.log.info('storm enqueued', {
        root,
        batches: plan.batches.length,
        files: plan.batches.reduce((n, b) => n + b.length, 0) + plan.files.length,
        removed: plan.removePaths.length,
        dirs: plan.removeDirs.length,
      });
    }
  }

  /** Files covered by jobs enqueued here and not known to be finished. */
  get pendingFiles(): number {
    let n = 0;
    for (const v of this.inflight.values()) n += v;
    return n;
  }

  /** Forgets finished jobs (at most every 250 ms; cheap when nothing is tracked). */
  refresh(): Promise<void> {
    if (this.inflight.size === 0 || Date.now() - this.lastRefresh < 250) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        const queue = this.tasks.queues.indexing;
        const ids = [...this.inflight.keys()];
        const states = await Promise.all(ids.map((id) => queue.getJobState(id).catch(() => 'unknown')));
        ids.forEach((id, i) => {
          const st = states[i];
          if (st === 'completed' || st === 'failed' || st === 'unknown') this.inflight.delete(id);
        });
      } finally {
        this.lastRefresh = Date.now();
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private track(id: string, files: number): void {
    this.inflight.set(id, Math.max(files, this.inflight.get(id) ?? 0));
    if (this.inflight.size > MAX_TRACKED) {
      const oldest = this.inflight.keys().next().value;
      if (oldest !== undefined) this.inflight.delete(oldest);
    }
  }
}
