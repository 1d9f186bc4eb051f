import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { buildRepoMap, identifierWeight } from '../../src/mcp/repo-map.js';
import type { GraphData } from '../../src/store/types.js';

/** Real extraction of small real-shaped snippets into the map's input. */
function graph(sources: Record<string, [LanguageId, string]>): GraphData {
  const extractor = createExtractor();
  const data: GraphData = { files: [], symbols: [], refs: [] };
  for (const [rel, [language, text]] of Object.entries(sources)) {
    const id = data.files.length + 1;
    data.files.push({ id, path: rel, rel, language });
    const x = extractor.extractFile(text, language);
    for (const s of x.symbols)
      data.symbols.push({
        fileId: id,
        name: s.name,
        kind: s.kind,
        line: s.startLine,
        container: s.container,
        signature: s.signature,
      });
    for (const r of x.refs) if (r.kind !== 'import') data.refs.push({ fileId: id, name: r.name });
  }
  return data;
}

const SOURCES: Record<string, [LanguageId, string]> = {
  'src/queue.ts': [
    'typescript',
    'export class QueueBase {\n  constructor(public name: string) {}\n  get client() { return 1; }\n}\nexport class Queue extends QueueBase {\n  addJob(name: string) { return new JobRecord(name); }\n}\n',
  ],
  'src/job.ts': [
    'typescript',
    'export class JobRecord {\n  constructor(public name: string) {}\n  moveToFailed(err: Error) { return err; }\n}\n',
  ],
  'src/worker.ts': [
    'typescript',
    'import { QueueBase } from "./queue";\nexport class Worker extends QueueBase {\n  run(j: JobRecord) { j.moveToFailed(new Error("x")); }\n}\n',
  ],
  'src/errors.rs': ['rust', 'pub enum Error {\n    Io,\n}\n'],
  'tests/worker.test.ts': [
    'typescript',
    'import { Worker } from "../src/worker";\ntest("w", () => { const w = new Worker("q"); w.run(new JobRecord("a")); });\n',
  ],
};

test('repo_map: same-language resolution, tests left out, core classes first', () => {
  const map = buildRepoMap({ ...graph(SOURCES), maxTokens: 1024 });
  const paths = map.files.map((f) => f.path);
  // The TypeScript `new Error(` is not a use of the Rust enum: errors.rs has no incoming edge.
  assert.deepEqual(paths.slice(0, 2).sort(), ['src/job.ts', 'src/queue.ts']);
  assert.ok(!paths.includes('tests/worker.test.ts'), paths.join(' '));
  assert.equal(map.files.find((f) => f.path === 'src/errors.rs')?.symbols.length, 0);
  assert.deepEqual(
    map.files.find((f) => f.path === 'src/job.ts')?.symbols.map((s) => s.name),
    ['JobRecord', 'moveToFailed'],
  );
  assert.match(
    map.text,
    /^src\/job\.ts:\n {2}1: export class JobRecord\n {2}⋮\n {4}3: moveToFailed\(err: Error\)/m,
  );
  const withTypes = graph({
    ...SOURCES,
    'src/job.d.ts': [
      'typescript',
      'export declare class JobRecord {\n  moveToFailed(err: Error): Error;\n}\n',
    ],
  });
  const typed = buildRepoMap({ ...withTypes, maxTokens: 1024 });
  assert.deepEqual(
    typed.files.map((f) => f.path),
    paths,
    'a .d.ts next to its code is left out',
  );
  const all = buildRepoMap({ ...graph(SOURCES), maxTokens: 1024, includeAll: true });
  assert.ok(all.files.some((f) => f.path === 'tests/worker.test.ts'));
});

test('repo_map: the binary search keeps the map within the budget and marks it truncated', () => {
  for (const budget of [16, 24, 32]) {
    const map = buildRepoMap({ ...graph(SOURCES), maxTokens: budget });
    assert.ok(map.tokens <= budget, `${map.tokens} > ${budget}`);
    assert.ok(Math.ceil(map.text.length / 4) <= budget + 1, `${map.text.length} chars for ${budget}`);
    assert.equal(map.truncated, true);
  }
});

test('repo_map: focus pins the named file first', () => {
  const map = buildRepoMap({ ...graph(SOURCES), maxTokens: 1024, focus: ['src/worker.ts'] });
  assert.equal(map.files[0]?.path, 'src/worker.ts');
});

test('identifier weights follow the usual repo-map heuristics', () => {
  assert.equal(identifierWeight('moveToFailed', 1, false), 10);
  assert.equal(identifierWeight('_private', 1, false), 0.1);
  assert.equal(identifierWeight('__init__', 1, false), 0.1);
  assert.equal(identifierWeight('get', 1, false), 0.1);
  assert.ok(Math.abs(identifierWeight('moveToFailed', 6, false) - 1) < 1e-9);
  assert.equal(identifierWeight('Queue', 1, true), 10);
});
