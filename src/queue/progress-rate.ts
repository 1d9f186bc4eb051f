/**
 * Files per second and time left, from progress samples. Pure: the caller supplies the clock.
 *
 * The rate is measured over a sliding window (the last `windowMs`, 20 s by default), not over the
 * whole run, so a stall shows as a falling rate, and after `windowMs` without progress as 0.
 */

/** Rate and time left at one moment. */
export interface RateEstimate {
  /** Units (files, for indexing) per second over the window; null until progress was seen. */
  rate: number | null;
  /** Seconds left at that rate, rounded up; null while the rate or the total is unknown, or 0/s. */
  etaSeconds: number | null;
}

export interface RateEstimatorOptions {
  /** How far back the rate looks. */
  windowMs?: number;
  /** No rate from a shorter span: two samples a few ms apart would give absurd figures. */
  minSpanMs?: number;
}

interface Sample {
  at: number;
  current: number;
}

export const DEFAULT_RATE_WINDOW_MS = 20_000;
const DEFAULT_MIN_SPAN_MS = 500;

/**
 * Keeps the samples of the last window and answers {@link RateEstimate}s.
 * - `total` may change between samples (a scan still finding files): the ETA uses the latest.
 * - Samples at 0 of an unknown (0) total are not counted: listing files is not indexing them.
 * - A `current` lower than the last one (a retried run counting again) starts the window afresh.
 * - Samples must not go back in time; one that does is ignored.
 */
export class RateEstimator {
  private readonly windowMs: number;
  private readonly minSpanMs: number;
  private samples: Sample[] = [];
  private total = 0;
  /** Whether progress was ever seen since the last restart: tells "stalled" (0/s) from "not yet" (null). */
  private moved = false;

  constructor(opts: RateEstimatorOptions = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_RATE_WINDOW_MS;
    this.minSpanMs = opts.minSpanMs ?? DEFAULT_MIN_SPAN_MS;
  }

  /** Records where the work stood at time `at` (ms). */
  add(at: number, current: number, total: number): void {
    const last = this.samples.at(-1);
    if (last && at < last.at) return;
    this.total = total;
    // Nothing to count yet (a scan still listing files): its time is not indexing time.
    if (total <= 0 && current <= 0) return;
    if (last && current < last.current) {
      this.samples = [];
      this.moved = false;
    } else if (last && current > last.current) {
      this.moved = true;
    }
    const n = this.samples.length;
    const a = this.samples[n - 2];
    const b = this.samples[n - 1];
    // A plateau keeps its first and its latest sample: when the count moves again, the step is
    // placed after the last time it was seen still, not spread over the whole plateau.
    if (a && b && a.current === current && b.current === current) b.at = at;
    else this.samples.push({ at, current });
    this.trim(at);
  }

  /** The rate over the window ending at `now` (ms), and the time left at that rate. */
  estimate(now: number): RateEstimate {
    const last = this.samples.at(-1);
    if (!last || !this.moved) return { rate: null, etaSeconds: null };
    const end = Math.max(now, last.at);
    const first = this.samples[0]!;
    const start = Math.max(first.at, end - this.windowMs);
    const span = end - start;
    if (span < this.minSpanMs) return { rate: null, etaSeconds: null };
    const rate = ((last.current - this.countAt(start)) * 1000) / span;
    return { rate, etaSeconds: etaSeconds(rate, last.current, this.total) };
  }

  /** The count at time `t`, linear between the samples around it (samples are steps in time). */
  private countAt(t: number): number {
    let before = this.samples[0]!;
    for (const s of this.samples) {
      if (s.at > t) {
        if (s.at === before.at) return before.current;
        return before.current + ((s.current - before.current) * (t - before.at)) / (s.at - before.at);
      }
      before = s;
    }
    return before.current;
  }

  /** Drops samples the window no longer reaches, keeping the last one before it for interpolation. */
  private trim(now: number): void {
    const start = now - this.windowMs;
    let drop = 0;
    while (drop + 1 < this.samples.length && this.samples[drop + 1]!.at <= start) drop++;
    if (drop > 0) this.samples = this.samples.slice(drop);
  }
}

/**
 * The window's estimate, or while it has none yet (a run first seen half done, or younger than
 * the window's minimum span), the task's own whole-run figures as `task_status` reports them.
 */
export function orRunAverage(
  e: RateEstimate,
  run: { rate?: number | null; eta_seconds?: number | null },
): RateEstimate {
  if (e.rate !== null || run.rate === undefined || run.rate === null) return e;
  return { rate: run.rate, etaSeconds: run.eta_seconds ?? null };
}

/** Seconds to finish `total - current` at `rate`, rounded up; null when that cannot be said. */
export function etaSeconds(rate: number | null, current: number, total: number): number | null {
  if (total <= 0) return null;
  if (current >= total) return 0;
  if (rate === null || !(rate > 0)) return null;
  return Math.ceil((total - current) / rate);
}

/**
 * The whole-run average: `current` over the time since the run started (`startedAt`, ms) up to
 * `endedAt` (now, for a running task). Null before any progress, or when no time has passed.
 */
export function averageRate(current: number, startedAt: number, endedAt: number): number | null {
  const span = endedAt - startedAt;
  if (!(span > 0) || current <= 0) return null;
  return (current * 1000) / span;
}

const count = new Intl.NumberFormat('en-US');

/** `1,234`: counts with thousands separators. */
export function formatCount(n: number): string {
  return count.format(n);
}

/** `412 files/s`, `3.5 files/s`, `- files/s` while unknown. */
export function formatRate(rate: number | null, unit = 'files'): string {
  if (rate === null) return `- ${unit}/s`;
  const shown = rate >= 10 ? formatCount(Math.round(rate)) : rate.toFixed(1);
  return `${shown} ${unit}/s`;
}

/** `ETA 11s`, `ETA 3m05s`, `ETA 1h02m`, `ETA -` while unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return 'ETA -';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `ETA ${s}s`;
  if (s < 3600) return `ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `ETA ${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
