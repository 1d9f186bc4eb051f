import {
  formatEta,
  formatRate,
  orRunAverage,
  type RateEstimate,
  RateEstimator,
} from '../queue/progress-rate.js';
import type { TaskInfo, TaskProgress } from '../queue/task-client.js';

/** The parameters of one `notifications/progress`, without the token. */
export interface ProgressNotice {
  progress: number;
  /** Left out while the total is not known yet (queued, scanning). */
  total?: number;
  message: string;
}

export interface ProgressNotifierOptions {
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
  /** Changed progress is sent at most this often (250 ms: at most 4 a second). */
  minGapMs?: number;
  /** Progress is sent again at least this often, changed or not, also while a poll is slow. */
  heartbeatMs?: number;
}

const ENDED = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/**
 * `indexing: 6/28 batches done · 412 files/s · ETA 11s` while a task runs (rate over a sliding
 * window, or the run's average until the window has one); `done · 380 files/s` once it ended (the run's average, as `task_status` gives it, else
 * the window's); the status alone before the total is known.
 */
export function progressMessage(state: string, p: TaskProgress, e: RateEstimate): string {
  if (ENDED.has(state)) {
    const rate = p.rate ?? e.rate;
    return rate === null ? p.status : `${p.status} · ${formatRate(rate)}`;
  }
  if (p.total <= 0) return p.status;
  return `${p.status} · ${formatRate(e.rate)} · ${formatEta(e.etaSeconds)}`;
}

/**
 * Turns a task's polled states into MCP progress notifications that carry files/s and an ETA:
 * changed progress at most every `minGapMs`, and the latest progress again at least every
 * `heartbeatMs` (a timer), so a client sees the rate fall during a stall and a client that resets
 * its request timeout on progress keeps waiting. Sends never overlap.
 */
export class ProgressNotifier {
  private readonly now: () => number;
  private readonly minGapMs: number;
  private readonly heartbeatMs: number;
  private readonly rates = new RateEstimator();
  private latest: TaskInfo | undefined;
  private lastKey = '';
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (n: ProgressNotice) => Promise<void>,
    opts: ProgressNotifierOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.minGapMs = opts.minGapMs ?? 250;
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
  }

  /** A newly polled state: sent now when it changed and the last send is `minGapMs` old, or is due anyway. */
  async offer(polled: TaskInfo): Promise<void> {
    // A task still waiting for a worker has no progress yet; saying so keeps a client that resets
    // its request timeout on progress waiting behind a long queue.
    const p = polled.progress ?? waitingProgress(polled.state);
    const info = { ...polled, progress: p };
    this.latest = info;
    this.rates.add(this.now(), p.current, p.total);
    if (!this.timer) {
      this.timer = setInterval(() => void this.heartbeat(), Math.max(50, this.heartbeatMs / 4));
      this.timer.unref();
    }
    const since = this.now() - this.lastSentAt;
    const changed = keyOf(info) !== this.lastKey;
    if ((changed && since >= this.minGapMs) || since >= this.heartbeatMs) await this.emit();
  }

  /** The last word: sent whatever the timing (the task ended, or the wait did). */
  async flush(info: TaskInfo): Promise<void> {
    this.close();
    if (!info.progress) return;
    this.latest = info;
    this.rates.add(this.now(), info.progress.current, info.progress.total);
    await this.emit();
  }

  /** Stops the heartbeat. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async heartbeat(): Promise<void> {
    if (this.inFlight > 0 || this.now() - this.lastSentAt < this.heartbeatMs) return;
    await this.emit();
  }

  /** Queues a send of the latest state, after any send still in flight. */
  private emit(): Promise<void> {
    this.inFlight++;
    const run = this.chain.then(async () => {
      const info = this.latest;
      const p = info?.progress;
      if (!info || !p) return;
      this.lastKey = keyOf(info);
      this.lastSentAt = this.now();
      await this.send({
        progress: p.current,
        // No total while it is unknown: 0 of 0 would read as done.
        ...(p.total > 0 ? { total: p.total } : {}),
        message: progressMessage(info.state, p, orRunAverage(this.rates.estimate(this.now()), p)),
      });
    });
    this.chain = run
      .catch(() => {})
      .finally(() => {
        this.inFlight--;
      });
    return this.chain;
  }
}

/** What a task without progress is doing: waiting in its queue, or about to report. */
function waitingProgress(state: TaskInfo['state']): TaskProgress {
  return {
    current: 0,
    total: 0,
    status: state === 'PENDING' ? 'queued: waiting for a worker' : state.toLowerCase(),
  };
}

function keyOf(info: TaskInfo): string {
  const p = info.progress;
  return `${info.state} ${p?.current} ${p?.total} ${p?.status}`;
}
