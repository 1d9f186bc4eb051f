import {
  formatCount,
  formatEta,
  formatRate,
  orRunAverage,
  type RateEstimate,
  RateEstimator,
} from '../queue/progress-rate.js';
import type { TaskProgress } from '../queue/task-client.js';

/** Where progress is drawn: stderr, or anything with `write` (tests pass a `Writable`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporterOptions {
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
  /** How often the line is drawn again without an update, so rate and ETA stay current. */
  redrawMs?: number;
}

/** The rate limit of plain (non-TTY) lines. */
const PLAIN_LINE_MS = 1000;

/**
 * `1,234/5,678 files · 412 files/s · ETA 11s · indexing: 6/28 batches done`: where the task
 * stands. The state leads when it is not PROGRESS; before the total is known, the status alone.
 */
export function progressLine(state: string, p: TaskProgress | undefined, e: RateEstimate): string {
  if (!p) return state;
  const lead = state === 'PROGRESS' ? '' : `${state} `;
  if (p.total <= 0) return `${lead}${p.status}`.trim();
  const parts = [
    `${formatCount(p.current)}/${formatCount(p.total)} files`,
    formatRate(e.rate),
    formatEta(e.etaSeconds),
  ];
  if (p.status) parts.push(p.status);
  return `${lead}${parts.join(' · ')}`;
}

/**
 * Progress on a stream (stderr by default): a bar redrawn in place on a TTY, plain lines (at most
 * one a second, only when the text changed) otherwise. Rate and ETA come from a sliding window
 * over the updates ({@link RateEstimator}), or the task's run average until the window has one;
 * a timer draws again every `redrawMs` (1 s) between updates, so a stall shows as a falling
 * rate. `done()` stops the timer.
 */
export function createProgressReporter(
  stream: ProgressStream = process.stderr,
  opts: ProgressReporterOptions = {},
) {
  const now = opts.now ?? Date.now;
  const rates = new RateEstimator();
  let state = '';
  let progress: TaskProgress | undefined;
  let lastLine = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const draw = (): void => {
    const t = now();
    const e = rates.estimate(t);
    const text = progressLine(state, progress, progress ? orRunAverage(e, progress) : e);
    if (stream.isTTY) {
      const p = progress;
      const pct = p && p.total > 0 ? Math.min(100, Math.floor((100 * p.current) / p.total)) : 0;
      const width = 30;
      const filled = Math.round((width * pct) / 100);
      const cols = Math.min(stream.columns || 100, 120) - 1;
      stream.write(
        `\r${`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${text}`.slice(0, cols).padEnd(cols)}`,
      );
      drawn = true;
    } else if (text !== lastLine && t - lastAt >= PLAIN_LINE_MS) {
      stream.write(`${text}\n`);
      lastLine = text;
      lastAt = t;
    }
  };

  return {
    /** The task's latest state and progress; draws at once (plain lines: within the rate limit). */
    update(taskState: string, p: TaskProgress | undefined): void {
      if (closed) return;
      state = taskState;
      progress = p;
      if (p) rates.add(now(), p.current, p.total);
      draw();
      if (!timer) {
        timer = setInterval(draw, opts.redrawMs ?? 1000);
        // A reporter that is never closed must not keep the process alive.
        timer.unref();
      }
    },
    /**
     * Stops redrawing and ends the bar's line, drawn a last time with the final state when given
     * (on a TTY: plain lines are followed by the summary). Safe to call more than once.
     */
    done(finalState?: string, p?: TaskProgress): void {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (!stream.isTTY) return;
      if (finalState !== undefined) {
        state = finalState;
        progress = p;
        if (p) rates.add(now(), p.current, p.total);
        draw();
      }
      if (drawn) stream.write('\n');
    },
  };
}
