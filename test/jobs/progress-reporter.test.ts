import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createProgressReporter, progressLine } from '../../src/cli/progress.js';
import { type ProgressNotice, ProgressNotifier, progressMessage } from '../../src/mcp/progress-notifier.js';
import type { TaskInfo } from '../../src/queue/task-client.js';
import { waitFor } from '../helpers/wait.js';

/** A real stream that keeps what was written, with `isTTY` as a terminal or a pipe sets it. */
class Collector extends Writable {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 120,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk.toString());
    cb();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

const indexing = (current: number, total = 5678) => ({
  current,
  total,
  status: `indexing: ${Math.floor(current / 200)}/29 batches done`,
});

describe('the CLI progress reporter', () => {
  test('a TTY bar shows counts, files/s and ETA, and is redrawn by its timer between updates', async () => {
    const out = new Collector(true);
    let clock = 0;
    const bar = createProgressReporter(out, { now: () => clock, redrawMs: 20 });
    try {
      bar.update('PROGRESS', indexing(0));
      clock = 3000;
      bar.update('PROGRESS', indexing(1234));
      const last = out.chunks.at(-1) ?? '';
      assert.match(
        last,
        /^\r\[#{6}\.{24}\] 21% 1,234\/5,678 files · 411 files\/s · ETA 11s · indexing: 6\/29/,
      );
      assert.equal(last.length, 1 + 119, 'padded to the terminal width');

      // No update for 10 s more: the timer draws again, and the rate falls (1,234 files in 13 s).
      const before = out.chunks.length;
      clock = 13_000;
      await waitFor('three redraws without an update', () => out.chunks.length >= before + 3);
      assert.match(out.chunks.at(-1) ?? '', / 1,234\/5,678 files · 95 files\/s · ETA 47s · /);
    } finally {
      clock = 14_000;
      bar.done('SUCCESS', { current: 5678, total: 5678, status: 'done' });
    }
    assert.match(
      out.chunks.at(-2) ?? '',
      /^\r\[#{30}\] 100% SUCCESS 5,678\/5,678 files · 406 files\/s · ETA 0s · done/,
    );
    assert.equal(out.chunks.at(-1), '\n', 'done() ends the line');
    const after = out.chunks.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out.chunks.length, after, 'no redraw after done()');
  });

  test('plain lines (not a TTY): the same text, one line at most a second, more when time moves', async () => {
    const out = new Collector(false);
    let clock = 0;
    const bar = createProgressReporter(out, { now: () => clock, redrawMs: 20 });
    try {
      bar.update('PROGRESS', { current: 0, total: 0, status: 'scanning files' });
      assert.deepEqual(out.chunks, ['scanning files\n']);
      clock = 500;
      bar.update('PROGRESS', indexing(0));
      clock = 900;
      bar.update('PROGRESS', indexing(400));
      assert.equal(out.chunks.length, 1, 'rate-limited to a line a second');
      clock = 2500;
      bar.update('PROGRESS', indexing(1000));
      assert.equal(
        out.chunks.at(-1),
        '1,000/5,678 files · 500 files/s · ETA 10s · indexing: 5/29 batches done\n',
      );
      // Nothing changes but the clock: the timer prints again once a second has passed.
      clock = 4000;
      await waitFor('a line from the timer', () => out.chunks.length === 3);
      assert.equal(
        out.chunks.at(-1),
        '1,000/5,678 files · 286 files/s · ETA 17s · indexing: 5/29 batches done\n',
      );
      assert.ok(
        out.chunks.every((c) => !c.includes('\r')),
        'no carriage returns in a log',
      );
    } finally {
      bar.done();
    }
    assert.equal(out.chunks.length, 3, 'done() adds nothing to plain output');
  });

  test('a task first seen half done shows its run average until the window has a rate', () => {
    const out = new Collector(false);
    const bar = createProgressReporter(out, { now: () => 0, redrawMs: 60_000 });
    try {
      bar.update('PROGRESS', { ...indexing(2600), rate: 130, eta_seconds: 24 });
      assert.deepEqual(out.chunks, [
        '2,600/5,678 files · 130 files/s · ETA 24s · indexing: 13/29 batches done\n',
      ]);
    } finally {
      bar.done();
    }
  });

  test('the line leads with the state when it is not PROGRESS, and waits for a total', () => {
    const e = { rate: 412.4, etaSeconds: 11 };
    assert.equal(progressLine('PENDING', undefined, e), 'PENDING');
    assert.equal(
      progressLine('STARTED', { current: 0, total: 0, status: 'scanning files' }, e),
      'STARTED scanning files',
    );
    assert.equal(
      progressLine('RETRY', { current: 10, total: 20, status: '' }, { rate: null, etaSeconds: null }),
      'RETRY 10/20 files · - files/s · ETA -',
    );
  });
});

describe('MCP progress notifications', () => {
  const task = (state: TaskInfo['state'], current: number, total = 5678, rate?: number): TaskInfo => ({
    task_id: `idx_${'b'.repeat(32)}`,
    name: 'index-repository',
    queue: 'indexing',
    state,
    attempts: 0,
    created_at: '2026-01-01T00:00:00.000Z',
    progress: { ...indexing(current, total), ...(rate === undefined ? {} : { rate }) },
  });

  test('the message carries the status, files/s and ETA; the last one the run average', () => {
    const p = task('PROGRESS', 1234).progress!;
    assert.equal(
      progressMessage('PROGRESS', p, { rate: 411.3, etaSeconds: 11 }),
      'indexing: 6/29 batches done · 411 files/s · ETA 11s',
    );
    assert.equal(
      progressMessage(
        'PROGRESS',
        { current: 0, total: 0, status: 'scanning files' },
        { rate: null, etaSeconds: null },
      ),
      'scanning files',
    );
    const done = { current: 5678, total: 5678, status: 'done', rate: 380.2 };
    assert.equal(progressMessage('SUCCESS', done, { rate: 500, etaSeconds: 0 }), 'done · 380 files/s');
  });

  test('changed progress at most every 250 ms, unchanged progress again every second', async () => {
    const sent: ProgressNotice[] = [];
    let clock = 0;
    const n = new ProgressNotifier(
      async (x) => {
        sent.push(x);
      },
      { now: () => clock, heartbeatMs: 1000, minGapMs: 250 },
    );
    try {
      await n.offer(task('PROGRESS', 0));
      assert.equal(sent[0]?.message, 'indexing: 0/29 batches done · - files/s · ETA -');
      clock = 100;
      await n.offer(task('PROGRESS', 200));
      assert.equal(sent.length, 1, 'a change 100 ms after a send waits');
      clock = 600;
      await n.offer(task('PROGRESS', 400));
      assert.equal(sent.length, 2);
      assert.deepEqual(sent[1], {
        progress: 400,
        total: 5678,
        message: 'indexing: 2/29 batches done · 667 files/s · ETA 8s',
      });
      clock = 1000;
      await n.offer(task('PROGRESS', 400));
      assert.equal(sent.length, 2, 'unchanged progress within the second is not re-sent');
      // The poll goes quiet (a slow getTask): the heartbeat re-sends on its own, rate recomputed.
      clock = 1700;
      await waitFor('a heartbeat notification', () => sent.length === 3);
      assert.equal(sent[2]?.progress, 400);
      assert.equal(sent[2]?.message, 'indexing: 2/29 batches done · 235 files/s · ETA 23s');
      await n.flush(task('SUCCESS', 5678, 5678, 1000.4));
      assert.equal(sent.at(-1)?.message, 'indexing: 28/29 batches done · 1,000 files/s');
    } finally {
      n.close();
    }
  });

  test('a task waiting for a worker is reported as queued, without a total, every second', async () => {
    const sent: ProgressNotice[] = [];
    let clock = 0;
    const n = new ProgressNotifier(
      async (x) => {
        sent.push(x);
      },
      { now: () => clock, heartbeatMs: 1000, minGapMs: 250 },
    );
    const { progress: _none, ...queued } = task('PENDING', 0);
    try {
      await n.offer(queued);
      assert.deepEqual(sent, [{ progress: 0, message: 'queued: waiting for a worker' }]);
      clock = 500;
      await n.offer(queued);
      assert.equal(sent.length, 1, 'unchanged within the second');
      clock = 1200;
      await n.offer(queued);
      assert.equal(sent.length, 2, 'again after a second');
      // Picked up: the real progress follows, with its total.
      clock = 1500;
      await n.offer(task('PROGRESS', 0));
      assert.equal(sent.length, 3);
      assert.equal(sent[2]?.total, 5678);
    } finally {
      n.close();
    }
  });
});
