import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksMinified } from '../../workers/processors/index-files.js';

test('minified code: 20,000 characters or more whose lines average 1,000 or more', () => {
  // A bundle on one line, and on a few.
  assert.equal(looksMinified(`!function(){${'var a=1;'.repeat(3000)}}();`), true);
  assert.equal(looksMinified(`${'x'.repeat(12_000)}\n${'y'.repeat(12_000)}\n`), true);
  // The same characters in ordinary lines, and a short one-liner.
  assert.equal(looksMinified('const a = [1, 2, 3];\n'.repeat(1500)), false);
  assert.equal(looksMinified(`export const table = [${'1,'.repeat(4000)}];\n`), false);
  // A long data line in a file of ordinary code stays code.
  assert.equal(
    looksMinified(`${'function f() { return 1; }\n'.repeat(800)}const blob = "${'A'.repeat(5000)}";\n`),
    false,
  );
});
