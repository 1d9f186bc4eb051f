import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configToEnv } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import type { Logger } from '../src/log.js';
import type { QueueName } from '../src/queue/names.js';
import type { WorkerMessage } from './runtime.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));

interface Slot {
  index: number;
  child: ChildProcess | null;
  /** Job being run and when its hard limit expires. */
  job: { id: string; deadline: number } | null;
  restarts: number;
  startedAt: number;
  /** Set when the supervisor itself killed the child (hard limit, drill): restart at once. */
  killedOnPurpose: boolean;
}

export interface WorkerPoolOptions {
  cfg: Config;
  redisUrl: string;
  count: number;
  queues: QueueName[];
  log: Logger;
  /** Extra environment for the children (tests). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Node flags of the worker processes. When the workers fill every core, V8's parallel and
 * concurrent GC helper threads only take CPU from the sibling workers: a cold index of the
 * TypeScript corpus with 2 workers on 2 cores took 10.4 s on average with `--single-threaded-gc`
 * against 12.2 s without (3 runs each, alternating), Go's standard library 17.0 s against 20.2 s.
 * With a core to spare (the default: one worker fewer than cores), the helpers run on it.
 */
export function workerExecArgv(count: number, cores = availableParallelism()): string[] {
  return count >= cores ? ['--single-threaded-gc'] : [];
}

export interface PoolStatus {
  pid: number | null;
  job: string | null;
  restarts: number;
}

/**
 * Spawns and supervises worker processes (Celery's prefork pool): restarts any that die, kills
 * one whose job passed its hard time limit (the job is then retried as stalled), and replaces
 * one that asked to be recycled. `stop()` sends SIGTERM, then SIGKILL after a deadline.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly opts: WorkerPoolOptions) {
    for (let i = 0; i < opts.count; i++) {
      const slot: Slot = {
        index: i,
        child: null,
        job: null,
        restarts: 0,
        startedAt: 0,
        killedOnPurpose: false,
      };
      this.slots.push(slot);
      this.spawn(slot);
    }
    this.watchdog = setInterval(() => this.enforceHardLimits(), 500);
    this.watchdog.unref();
  }

  /** Pids and current jobs, for status output. */
  status(): PoolStatus[] {
    return this.slots.map((s) => ({
      pid: s.child?.pid ?? null,
      job: s.job?.id ?? null,
      restarts: s.restarts,
    }));
  }

  /** Resolves once every worker has said it is ready (or `timeoutMs` passed). */
  async ready(timeoutMs = 20_000): Promise<boolean> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      if (this.slots.every((s) => this.readyPids.has(s.child?.pid ?? -1))) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  private readonly readyPids = new Set<number>();

  private spawn(slot: Slot): void {
    const child = fork(WORKER_ENTRY, ['--queues', this.opts.queues.join(',')], {
      env: {
        ...process.env,
        ...this.opts.env,
        CODEINDEX_RESOLVED_CONFIG: configToEnv({ ...this.opts.cfg, redisUrl: this.opts.redisUrl }),
      },
      // stdout of a worker must never reach the MCP protocol stream.
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      execArgv: workerExecArgv(this.opts.count),
    });
    child.stdout?.pipe(process.stderr);
    slot.child = child;
    slot.job = null;
    slot.startedAt = Date.now();
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') this.readyPids.add(m.pid);
      else if (m.type === 'job-start') slot.job = { id: m.jobId, deadline: Date.now() + m.hardLimitMs };
      else if (m.type === 'job-end') slot.job = null;
      else if (m.type === 'recycle')
        this.opts.log.info('worker recycling', { pid: child.pid, reason: m.reason });
    });
    child.on('exit', (code, sig) => {
      if (child.pid) this.readyPids.delete(child.pid);
      if (slot.child !== child) return;
      slot.child = null;
      if (this.stopping) return;
      const quick = Date.now() - slot.startedAt < 5000;
      const onPurpose = slot.killedOnPurpose;
      slot.killedOnPurpose = false;
      slot.restarts++;
      // A crash loop backs off; a recycle (exit 0) or our own kill (hard time limit) is replaced at once.
      const delay =
        quick && code !== 0 && !onPurpose ? Math.min(30_000, 500 * 2 ** Math.min(slot.restarts, 6)) : 100;
      this.opts.log.warn('worker exited; restarting', { pid: child.pid, code, signal: sig, inMs: delay });
      setTimeout(() => {
        if (!this.stopping) this.spawn(slot);
      }, delay).unref();
    });
  }

  private enforceHardLimits(): void {
    const now = Date.now();
    for (const s of this.slots) {
      if (s.job && s.child && now > s.job.deadline) {
        this.opts.log.warn('hard time limit exceeded; killing worker', { pid: s.child.pid, jobId: s.job.id });
        s.job = null;
        s.killedOnPurpose = true;
        s.child.kill('SIGKILL');
      }
    }
  }

  /** Kills one worker with SIGKILL (tests and drills: the job must survive). */
  killOne(index = 0): number | null {
    const s = this.slots[index];
    const pid = s?.child?.pid ?? null;
    if (s?.child) {
      s.killedOnPurpose = true;
      s.child.kill('SIGKILL');
    }
    return pid;
  }

  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    const exits = this.slots
      .map((s) => s.child)
      .filter((c): c is ChildProcess => c !== null && c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      );
    const timer = setTimeout(() => {
      for (const s of this.slots) s.child?.kill('SIGKILL');
    }, deadlineMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}
