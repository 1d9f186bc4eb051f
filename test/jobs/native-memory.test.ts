import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GC_EVERY_BYTES, noteParsedBytes } from '../../workers/native-memory.js';
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
