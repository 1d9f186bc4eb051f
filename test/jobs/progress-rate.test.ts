import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  averageRate,
  etaSeconds,
  formatCount,
  formatEta,
  formatRate,
  orRunAverage,
  RateEstimator,
} from '../../src/queue/progress-rate.js';

/** Feeds `[seconds, current, total]` samples (times in seconds for readability). */
function fed(samples: [number, number, number][], opts = {}): RateEstimator {
  const r = new RateEstimator(opts);
  for (const [s, current, total] of samples) r.add(s * 1000, current, total);
  return r;
}

describe('RateEstimator: files per second over a sliding window, and time left', () => {
  test('no rate and no ETA before progress: an empty estimator, one sample, a flat count', () => {
    assert.deepEqual(new RateEstimator().estimate(5000), { rate: null, etaSeconds: null });
    assert.deepEqual(fed([[0, 0, 5678]]).estimate(3000), { rate: null, etaSeconds: null });
    assert.deepEqual(
      fed([
        [0, 0, 5678],
        [1, 0, 5678],
        [2, 0, 5678],
      ]).estimate(2000),
      { rate: null, etaSeconds: null },
    );
  });

  test('a steady run: 1,234 of 5,678 files after 3 s is 411.3 files/s and 11 s left', () => {
    const r = fed([
      [0, 0, 5678],
      [1, 400, 5678],
      [2, 800, 5678],
      [3, 1234, 5678],
    ]);
    const e = r.estimate(3000);
    assert.ok(Math.abs((e.rate ?? 0) - 1234 / 3) < 1e-9, String(e.rate));
    // (5678 - 1234) / 411.33 = 10.8, rounded up.
    assert.equal(e.etaSeconds, 11);
  });

  test('the rate is over the window, not the run: a slower last 10 s shows as the lower rate', () => {
    // 100 files/s for 30 s, then 20 files/s for 10 s; a 10 s window sees only the slow part.
    const samples: [number, number, number][] = [];
    for (let s = 0; s <= 30; s++) samples.push([s, 100 * s, 10_000]);
    for (let s = 31; s <= 40; s++) samples.push([s, 3000 + 20 * (s - 30), 10_000]);
    const e = fed(samples, { windowMs: 10_000 }).estimate(40_000);
    assert.equal(e.rate, 20);
    assert.equal(e.etaSeconds, Math.ceil((10_000 - 3200) / 20));
    // The whole-run average would have said 80 files/s.
    assert.equal(averageRate(3200, 0, 40_000), 80);
  });

  test('a stall: the rate falls as time passes without samples, and reaches 0 with no ETA', () => {
    const r = fed(
      [
        [0, 0, 1000],
        [10, 500, 1000],
      ],
      { windowMs: 10_000 },
    );
    assert.equal(r.estimate(10_000).rate, 50);
    assert.equal(r.estimate(10_000).etaSeconds, 10);
    // 5 s later, nothing more: the window [5 s, 15 s] holds 250 files (interpolated), so 25/s.
    assert.equal(r.estimate(15_000).rate, 25);
    assert.equal(r.estimate(15_000).etaSeconds, 20);
    // A whole window without progress: 0 files/s, and no ETA rather than an infinite one.
    assert.deepEqual(r.estimate(20_000), { rate: 0, etaSeconds: null });
    assert.deepEqual(r.estimate(600_000), { rate: 0, etaSeconds: null });
  });

  test('a stall reported by repeated samples reads the same as one without samples', () => {
    const samples: [number, number, number][] = [
      [0, 0, 1000],
      [10, 500, 1000],
    ];
    for (let s = 10.25; s <= 20; s += 0.25) samples.push([s, 500, 1000]);
    const r = fed(samples, { windowMs: 10_000 });
    assert.deepEqual(r.estimate(20_000), { rate: 0, etaSeconds: null });
    // Progress again: the step lands after the last time the count was seen still.
    r.add(21_000, 600, 1000);
    // Window [11 s, 21 s]: 500 at 11 s (flat until 20 s), 600 at 21 s: 100 files in 10 s.
    assert.equal(r.estimate(21_000).rate, 10);
    assert.equal(r.estimate(21_000).etaSeconds, 40);
  });

  test('a growing total (the scan still finding files): the ETA follows the latest total', () => {
    const r = fed([
      [0, 0, 100],
      [2, 200, 1000],
      [4, 400, 3000],
    ]);
    assert.equal(r.estimate(4000).rate, 100);
    assert.equal(r.estimate(4000).etaSeconds, 26);
    r.add(5000, 500, 5000);
    assert.equal(r.estimate(5000).rate, 100);
    assert.equal(r.estimate(5000).etaSeconds, 45);
  });

  test('time spent at 0 of an unknown total (listing files) does not count as indexing time', () => {
    const r = fed([
      [0, 0, 0],
      [5, 0, 0],
      [10, 0, 0],
      [10.5, 0, 2000],
      [12.5, 400, 2000],
    ]);
    // 400 files in the 2 s since the total was known, not in the 12.5 s since the scan began.
    assert.equal(r.estimate(12_500).rate, 200);
    assert.equal(r.estimate(12_500).etaSeconds, 8);
  });

  test('a count that goes backwards (a retried run) starts the window again', () => {
    const r = fed([
      [0, 0, 1000],
      [5, 600, 1000],
      [6, 0, 1000],
    ]);
    assert.deepEqual(r.estimate(6000), { rate: null, etaSeconds: null });
    r.add(7000, 0, 1000);
    r.add(8000, 150, 1000);
    // Only the new attempt counts: 150 files in 2 s.
    assert.equal(r.estimate(8000).rate, 75);
    assert.equal(r.estimate(8000).etaSeconds, 12);
  });

  test('ETA is never negative: a count past its total reads 0 s left', () => {
    const r = fed([
      [0, 0, 100],
      [1, 120, 100],
    ]);
    assert.deepEqual(r.estimate(1000), { rate: 120, etaSeconds: 0 });
    assert.equal(etaSeconds(50, 100, 100), 0);
    assert.equal(etaSeconds(50, 0, 0), null);
    assert.equal(etaSeconds(0, 10, 100), null);
    assert.equal(etaSeconds(null, 10, 100), null);
  });

  test('no rate from a span too short to measure, and samples from the past are ignored', () => {
    const r = fed([
      [0, 0, 1000],
      [0.1, 100, 1000],
    ]);
    assert.equal(r.estimate(100).rate, null, '100 files in 100 ms is not a rate yet');
    assert.equal(r.estimate(1000).rate, 100);
    r.add(50, 900, 1000);
    assert.equal(r.estimate(1000).rate, 100);
  });

  test('the window keeps few samples on a long run', () => {
    const r = new RateEstimator({ windowMs: 20_000 });
    for (let ms = 0; ms <= 3_600_000; ms += 250) r.add(ms, ms / 10, 1_000_000);
    const e = r.estimate(3_600_000);
    assert.equal(e.rate, 100);
    assert.equal(e.etaSeconds, Math.ceil((1_000_000 - 360_000) / 100));
    const kept = (r as unknown as { samples: unknown[] }).samples.length;
    assert.ok(kept <= 20_000 / 250 + 2, `kept ${kept} samples`);
  });

  test('whole-run average: files over the time since the run started', () => {
    assert.equal(averageRate(1234, 1_000, 4_000), 1234 / 3);
    assert.equal(averageRate(0, 1_000, 4_000), null);
    assert.equal(averageRate(10, 4_000, 4_000), null);
    assert.equal(averageRate(10, 5_000, 4_000), null, 'a clock that went backwards');
  });

  test("until the window has a rate, the task's run average stands in; after, the window wins", () => {
    const run = { rate: 96.5, eta_seconds: 48 };
    assert.deepEqual(orRunAverage({ rate: null, etaSeconds: null }, run), { rate: 96.5, etaSeconds: 48 });
    assert.deepEqual(orRunAverage({ rate: 400, etaSeconds: 12 }, run), { rate: 400, etaSeconds: 12 });
    assert.deepEqual(
      orRunAverage({ rate: 0, etaSeconds: null }, run),
      { rate: 0, etaSeconds: null },
      'a stall stays a stall',
    );
    assert.deepEqual(orRunAverage({ rate: null, etaSeconds: null }, {}), { rate: null, etaSeconds: null });
    assert.deepEqual(orRunAverage({ rate: null, etaSeconds: null }, { rate: null, eta_seconds: null }), {
      rate: null,
      etaSeconds: null,
    });
  });

  test('formatting: counts, rates and ETAs as a person reads them', () => {
    assert.equal(formatCount(1234), '1,234');
    assert.equal(formatCount(100_000), '100,000');
    assert.equal(formatRate(411.6), '412 files/s');
    assert.equal(formatRate(12_345.4), '12,345 files/s');
    assert.equal(formatRate(3.46), '3.5 files/s');
    assert.equal(formatRate(0), '0.0 files/s');
    assert.equal(formatRate(null), '- files/s');
    assert.equal(formatEta(11), 'ETA 11s');
    assert.equal(formatEta(185), 'ETA 3m05s');
    assert.equal(formatEta(3720), 'ETA 1h02m');
    assert.equal(formatEta(null), 'ETA -');
  });
});
