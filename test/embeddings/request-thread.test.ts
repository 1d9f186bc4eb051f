import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createRequestThread, type ThreadFailure } from '../../src/embeddings/request-thread.js';

// A real worker thread: `echo` answers after `delayMs`, `exit` ends the thread, `throw` throws in it.
const dir = mkdtempSync(join(tmpdir(), 'codeindex-request-thread-'));
const script = join(dir, 'worker.mjs');
writeFileSync(
  script,
  `import { parentPort, threadId } from 'node:worker_threads';
parentPort.on('message', (req) => {
  if (req.op === 'exit') process.exit(3);
  if (req.op === 'throw') setTimeout(() => { throw new Error('broken on purpose'); });
  if (req.op === 'echo') setTimeout(() => parentPort.postMessage({ id: req.id, value: req.value, threadId }), req.delayMs);
});
`,
);
after(() => rmSync(dir, { recursive: true, force: true }));

type Req = { op: 'echo'; value: string; delayMs: number } | { op: 'exit' } | { op: 'throw' };
type Rep = { id: number; value: string; threadId: number };

function thread(idleMs?: number) {
  const failures: ThreadFailure[] = [];
  const errors: string[] = [];
  const t = createRequestThread<Req, Rep>({
    url: pathToFileURL(script),
    workerData: null,
    idleMs,
    failure: (why) => {
      failures.push(why);
      return new Error(
        'exitCode' in why ? `exited ${why.exitCode}` : 'error' in why ? why.error.message : 'closed',
      );
    },
    onThreadError: (err) => errors.push(err.message),
  });
  return { t, failures, errors };
}

test('replies reach their own requests, in whatever order they come', async () => {
  const { t } = thread();
  assert.equal(t.resident(), false);
  const slow = t.request({ op: 'echo', value: 'slow', delayMs: 80 });
  const fast = t.request({ op: 'echo', value: 'fast', delayMs: 0 });
  assert.equal(t.resident(), true);
  const [a, b] = await Promise.all([slow, fast]);
  assert.equal(a.value, 'slow');
  assert.equal(b.value, 'fast');
  assert.equal(a.threadId, b.threadId);
  await t.close();
  assert.equal(t.resident(), false);
});

test('a thread that exits fails its requests in flight; the next request starts another', async () => {
  const { t, failures } = thread();
  const waiting = t.request({ op: 'echo', value: 'never', delayMs: 10_000 });
  const first = (await t.request({ op: 'echo', value: 'x', delayMs: 0 })).threadId;
  void t.request({ op: 'exit' }).catch(() => {});
  await assert.rejects(waiting, /exited 3/);
  assert.deepEqual(failures, [{ exitCode: 3 }]);
  const again = await t.request({ op: 'echo', value: 'back', delayMs: 0 });
  assert.equal(again.value, 'back');
  assert.notEqual(again.threadId, first);
  await t.close();
});

test('an error in the thread fails its requests and is reported; close fails what waits', async () => {
  const { t, failures, errors } = thread();
  const waiting = t.request({ op: 'echo', value: 'never', delayMs: 10_000 });
  void t.request({ op: 'throw' }).catch(() => {});
  await assert.rejects(waiting, /broken on purpose/);
  assert.deepEqual(errors, ['broken on purpose']);
  assert.ok('error' in failures[0]!);

  const pending = assert.rejects(t.request({ op: 'echo', value: 'never', delayMs: 10_000 }), /closed/);
  await t.close();
  await pending;
});

test('an idle thread stops; a request right after starts its successor, which the exit does not fail', async () => {
  const { t, failures } = thread(100);
  const first = await t.request({ op: 'echo', value: 'a', delayMs: 0 });
  for (let i = 0; i < 100 && t.resident(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.resident(), false, 'the idle thread was stopped');
  // The stopped thread may still be exiting: its exit must not fail this request.
  const next = await t.request({ op: 'echo', value: 'b', delayMs: 30 });
  assert.equal(next.value, 'b');
  assert.notEqual(next.threadId, first.threadId);
  assert.deepEqual(failures, []);
  await t.close();
});
