import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameLineRuns } from '../../src/mcp/tools/find-references.js';
import { packRefs, REF_KIND_BIT, USE_KINDS_MASK, unpackRefSites } from '../../src/store/ref-sites.js';

test('packRefs groups by name, sorts sites, and unpackRefSites gives every site back', () => {
  const refs = [
    { name: 'run', kind: 'call' as const, line: 9, col: 2, enclosing: 'main' },
    { name: 'Task', kind: 'type' as const, line: 3, col: 5, enclosing: null },
    { name: 'run', kind: 'import' as const, line: 1, col: 9, enclosing: null },
    { name: 'run', kind: 'call' as const, line: 9, col: 1, enclosing: 'main' },
    { name: 'run', kind: 'new' as const, line: 12, col: 0, enclosing: 'Worker.start' },
    { name: 'run', kind: 'call' as const, line: 20, col: 4, enclosing: null },
  ];
  const packed = packRefs(refs);
  assert.deepEqual(
    packed.map((p) => p.name),
    ['run', 'Task'],
  );
  const run = packed[0]!;
  assert.equal(run.kinds, REF_KIND_BIT.call | REF_KIND_BIT.import | REF_KIND_BIT.new);
  // The enclosing name is written only where it changes.
  assert.deepEqual(JSON.parse(run.sites), [
    [1, 9, 4],
    [9, 1, 0, 'main'],
    [9, 2, 0],
    [12, 0, 1, 'Worker.start'],
    [20, 4, 0, null],
  ]);
  assert.deepEqual(unpackRefSites(run.sites), [
    [1, 9, 'import', null, null],
    [9, 1, 'call', 'main', null],
    [9, 2, 'call', 'main', null],
    [12, 0, 'new', 'Worker.start', null],
    [20, 4, 'call', null, null],
  ]);
  assert.deepEqual(unpackRefSites(packed[1]!.sites), [[3, 5, 'type', null, null]]);
});

test('USE_KINDS_MASK tells a file that uses a name from one that only imports it', () => {
  assert.equal(REF_KIND_BIT.import & USE_KINDS_MASK, 0);
  for (const k of ['call', 'new', 'type', 'inherit'] as const)
    assert.notEqual(REF_KIND_BIT[k] & USE_KINDS_MASK, 0);
});

test('unpackRefSites drops what is not well-formed instead of throwing', () => {
  assert.deepEqual(unpackRefSites('not json'), []);
  assert.deepEqual(unpackRefSites('{"a":1}'), []);
  assert.deepEqual(
    unpackRefSites('[[1,2,99],[1,"x",0],[4,5,2,7],[6,7,0,"f"],[8,9,1],[9,1,0,"f",3],[9,2,0,"f","Job"]]'),
    [
      [6, 7, 'call', 'f', null],
      [8, 9, 'new', 'f', null],
      [9, 1, 'call', 'f', null],
      [9, 2, 'call', 'f', 'Job'],
    ],
  );
});

test("find_references' text shows the sites of one line once, with their count", () => {
  const site = (line: number, col: number, kind = 'call', enclosing: string | null = 'build_query') => ({
    path: '/r/utils.rb',
    line,
    col,
    kind,
    enclosing,
  });
  const runs = sameLineRuns([
    site(122, 4),
    site(122, 20),
    site(122, 31),
    site(123, 4),
    site(123, 9, 'type'),
    site(123, 12, 'type', null),
  ]);
  assert.deepEqual(
    runs.map((r) => `${r.ref.line}:${r.ref.col} ${r.ref.kind} x${r.count}`),
    ['122:4 call x3', '123:4 call x1', '123:9 type x1', '123:12 type x1'],
  );
});
