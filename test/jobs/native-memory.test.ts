import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GC_EVERY_BYTES, noteParsedBytes, startHeapTrimmer } from '../../workers/native-memory.js';
import { waitFor } from '../helpers/wait.js';

test('noteParsedBytes runs a full GC once GC_EVERY_BYTES were parsed (no --expose-gc needed)', async () => {
  let collected = false;
  const registry = new FinalizationRegistry(() => {
    collected = true;
  });
  // An object that is unreachable at once, but old enough that only a full collection frees it.
  (() => {
    const obj = { payload: new Array(10_000).fill(1) };
    registry.register(obj, 'tree');
  })();
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runs without --expose-gc');
  noteParsedBytes(GC_EVERY_BYTES - 1);
  noteParsedBytes(1);
  await waitFor('the finalizer of the collected object', () => collected, 5_000, 10);
});

test('the heap trimmer hands memory freed in the middle of the heap back to the system (glibc)', async (t) => {
  const { loadNative } = await import('../../src/indexer/native.js');
  if (loadNative()?.trimHeap() === null) {
    t.skip('the C library is not glibc: nothing to trim');
    return;
  }
  const trimmer = startHeapTrimmer(60_000);
  try {
    trimmer.trimNow();
    // 200 MB in 2 KB blocks from malloc; one in 100 stays, so free() cannot shrink the heap's top.
    let blocks: (Buffer | null)[] = Array.from({ length: 100_000 }, () => Buffer.alloc(2048, 1));
    const kept = blocks.filter((_, i) => i % 100 === 99);
    blocks = [];
    for (let i = 0; i < 3; i++) await collect();
    const before = process.memoryUsage.rss();
    assert.equal(trimmer.trimNow(), true);
    const after = process.memoryUsage.rss();
    assert.ok(
      before - after > 100 * 1024 * 1024,
      `RSS ${Math.round(before / 2 ** 20)} MB -> ${Math.round(after / 2 ** 20)} MB (${kept.length} blocks kept)`,
    );
    const stats = trimmer.stats();
    assert.equal(stats.trims, 2);
    assert.ok(stats.released >= 1);
  } finally {
    trimmer.stop();
  }
});

/** A full collection (the test runs without --expose-gc). */
async function collect(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
