import type { Queue } from 'bullmq';
import { errorMessage } from '../errors.js';
import { embeddingModel } from '../mcp/code-search.js';
import { describeRootStatus } from '../mcp/tools/index-status.js';
import type { QueueStats, TaskInfo } from '../queue/task-client.js';
import { indexMayExist } from '../store/index.js';
import type { HttpAppDeps } from './deps.js';

/** One indexed root as the dashboard shows it. */
export interface DashboardRoot {
  root: string;
  generation: number;
  last_indexed_at: string | null;
  files: { indexed: number; skipped: number; failed: number };
  skipped_by_reason: Record<string, number>;
  symbols: number;
  refs: number;
  chunks: number;
  languages: Record<string, number>;
  embeddings: { model: string; embedded: number; pending: number } | null;
  watch: Record<string, unknown> | null;
  failed_files: { path: string; error: string }[];
}

/** Everything the dashboard page renders; also served as JSON at /dashboard.json. */
export interface DashboardData {
  generated_at: string;
  version: string;
  queues: QueueStats['queues'];
  active: Pick<TaskInfo, 'task_id' | 'name' | 'queue' | 'state' | 'progress' | 'worker' | 'started_at'>[];
  roots: DashboardRoot[];
  redis_error: string | null;
  index_error: string | null;
}

/** Reads queue figures (Redis) and per-root figures (SQLite); either failing is reported, not thrown. */
export async function collectDashboardData(deps: HttpAppDeps): Promise<DashboardData> {
  const out: DashboardData = {
    generated_at: new Date().toISOString(),
    version: deps.version,
    queues: [],
    active: [],
    roots: [],
    redis_error: null,
    index_error: null,
  };
  try {
    const tasks = await deps.tasks();
    const [stats, active] = await Promise.all([
      tasks.stats(),
      tasks.listTasks({ state: 'active', limit: 20 }),
    ]);
    out.queues = await Promise.all(
      stats.queues.map(async (q) => {
        const queue = (tasks.queues as Record<string, Queue | undefined>)[q.queue];
        if (!queue) return q;
        const [completed, failed] = await Promise.all([
          perMinute(queue, 'completed'),
          perMinute(queue, 'failed'),
        ]);
        return { ...q, completed_per_minute: completed, failed_per_minute: failed };
      }),
    );
    out.active = active.map((t) => ({
      task_id: t.task_id,
      name: t.name,
      queue: t.queue,
      state: t.state,
      ...(t.progress ? { progress: t.progress } : {}),
      ...(t.worker ? { worker: t.worker } : {}),
      ...(t.started_at ? { started_at: t.started_at } : {}),
    }));
  } catch (err) {
    out.redis_error = errorMessage(err);
  }
  try {
    if (indexMayExist(deps.cfg)) {
      const store = deps.store();
      const model = embeddingModel(deps.cfg);
      const roots: DashboardRoot[] = [];
      for (const s of await store.rootStatus()) {
        const d = await describeRootStatus(store, s, deps.cfg.embeddings.provider === 'off' ? null : model);
        roots.push({
          ...d,
          embeddings: d.embeddings ?? null,
          watch: watchNotes(deps, s.root),
          failed_files: s.failedFiles,
        });
      }
      out.roots = roots;
    }
  } catch (err) {
    out.index_error = errorMessage(err);
  }
  return out;
}

/** The watcher's notes for a root (serve passes `{watch: {...}}`), or null when nothing watches. */
function watchNotes(deps: HttpAppDeps, root: string): Record<string, unknown> | null {
  const notes = deps.hooks?.rootNotes?.(root);
  if (!notes || Object.keys(notes).length === 0) return null;
  const w = notes.watch;
  return (w && typeof w === 'object' ? w : notes) as Record<string, unknown>;
}

/** Minutes the throughput chart shows. */
export const CHART_MINUTES = 15;

/**
 * Jobs per minute, newest first, INCLUDING the minute in progress. BullMQ's metrics list only gets
 * a minute's figure when a job finishes in a later minute; until then the running count is
 * `count - prevCount`, attributed to the minute of `prevTS`.
 */
async function perMinute(queue: Queue, type: 'completed' | 'failed'): Promise<number[]> {
  const m = await queue.getMetrics(type, 0, CHART_MINUTES - 1);
  const data = m.data.map(Number);
  const prevTS = Number(m.meta.prevTS);
  if (!prevTS) return data.slice(0, CHART_MINUTES);
  const running = Math.max(0, Number(m.meta.count) - Number(m.meta.prevCount));
  const idle = Math.max(0, Math.floor(Date.now() / 60_000) - Math.floor(prevTS / 60_000));
  return [...new Array<number>(Math.min(idle, CHART_MINUTES)).fill(0), running, ...data].slice(
    0,
    CHART_MINUTES,
  );
}
