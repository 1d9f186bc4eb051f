import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dropCopies,
  groupByFile,
  isCommentOnly,
  isInlineTest,
  mainLanguagesOf,
  readIntent,
  scoreCandidate,
} from '../../src/mcp/rerank.js';

test('groupByFile scores a file by its best three chunks whatever number of chunks it keeps', () => {
  const chunks = [
    { item: 1, path: 'big.py', score: 0.5 },
    { item: 2, path: 'big.py', score: 0.5 },
    { item: 3, path: 'big.py', score: 0.5 },
    { item: 4, path: 'big.py', score: 0.5 },
    { item: 5, path: 'big.py', score: 0.5 },
    { item: 6, path: 'small.py', score: 0.75 },
  ];
  for (const perFile of [1, 3, 5]) {
    const g = groupByFile(chunks, perFile);
    assert.deepEqual(
      g.map((x) => [x.path, Number(x.score.toFixed(6)), x.chunks.length]),
      [
        ['big.py', 0.8, Math.min(perFile, 5)],
        ['small.py', 0.75, 1],
      ],
      `perFile ${perFile}`,
    );
  }
});

test("main languages: a quarter of the most common; a web app's components and its TypeScript together", () => {
  assert.deepEqual([...mainLanguagesOf({ python: 100, c: 30, javascript: 10 })].sort(), ['c', 'python']);
  // 20 components beside 200 TypeScript files are no port to rank after the TypeScript.
  assert.deepEqual([...mainLanguagesOf({ typescript: 200, vue: 20, python: 5 })].sort(), [
    'typescript',
    'vue',
  ]);
  assert.deepEqual([...mainLanguagesOf({ svelte: 80, javascript: 10, go: 3 })].sort(), [
    'javascript',
    'svelte',
  ]);
  // Without components, JavaScript beside TypeScript stays what it was.
  assert.deepEqual([...mainLanguagesOf({ typescript: 200, javascript: 20 })], ['typescript']);
});

test('dropCopies: a bundle of several modules gives way to them; copy-pasted siblings both stay', () => {
  const body = (name: string, extra = '') =>
    [
      `${name}(input) {`,
      '  const ctx = this.context(input);',
      '  if (!ctx.valid) return INVALID;',
      `  return ok(ctx.data${extra});`,
      '}',
    ].join('\n');
  type Item = { id: string; path: string; content: string; name: string; size: number };
  const item = (id: string, path: string, size: number, name: string, content: string): Item => ({
    id,
    path,
    size,
    name,
    content,
  });
  const items = [
    // The bundle (biggest) holds both modules' code, one copy re-indented.
    item('b1', 'index.mjs', 9000, 'ZodObject._parse', body('_parse').replace(/^/gm, '    ')),
    item('b2', 'index.mjs', 9000, 'errorMap', body('errorMap')),
    item('b3', 'index.mjs', 9000, 'ZodString.min', body('min', ', minimum, inclusive')),
    item('m1', 'types.js', 5000, 'ZodObject._parse', body('_parse')),
    item('m2', 'locales/en.js', 800, 'errorMap', body('errorMap')),
    item('m3', 'types.js', 5000, 'ZodString.min', body('min', ', minimum, inclusive, exact')),
    // Siblings: the same code under other names, and the same name with the same text in two files only.
    item('s1', 'daily_sink.h', 300, 'daily_sink.rotate', body('rotate')),
    item('s2', 'hourly_sink.h', 200, 'hourly_sink.rotate', body('rotate')),
    item('t1', 'tcp.h', 400, 'init_sockets', body('init_sockets')),
    item('t2', 'udp.h', 300, 'init_sockets', body('init_sockets')),
    item('x', 'short.js', 100, 'ZodObject._parse', 'x\ny'),
  ];
  const scored = items.map((it, i) => ({ item: it, path: it.path, score: 1 - i / 100 }));
  const out = dropCopies(scored, (it) => ({
    content: it.content,
    name: it.name,
    language: 'javascript',
    size: it.size,
  }));
  assert.deepEqual(
    out.map((o) => [o.item.id, Number(o.score.toFixed(2)), o.copy ?? false]),
    [
      // The bundle's copies are gone; each module keeps its chunk.
      ['m1', 0.97, false],
      ['m2', 0.96, false],
      ['m3', 0.95, false],
      ['s1', 0.94, false],
      ['s2', 0.93, false],
      // Copies of one smaller file: the bigger file keeps its chunk, which only counts as its best.
      ['t1', 0.92, true],
      ['t2', 0.91, false],
      ['x', 0.9, false],
    ],
  );
  const files = groupByFile(
    [
      { item: 1, path: 'tcp.h', score: 0.9 },
      { item: 2, path: 'tcp.h', score: 0.8, copy: true as const },
      { item: 3, path: 'tcp.h', score: 0.8, copy: true as const },
      { item: 4, path: 'udp.h', score: 0.85 },
      { item: 5, path: 'udp.h', score: 0.8 },
    ],
    3,
  );
  assert.deepEqual(
    files.map((f) => [f.path, Number(f.score.toFixed(2)), f.chunks.length]),
    [
      ['udp.h', 1.09, 2],
      ['tcp.h', 0.9, 3],
    ],
  );
});

test("Rust's inline test modules rank as tests unless the query asks for tests", () => {
  const intent = (query: string) =>
    readIntent(query, { includeTests: false, mainLanguages: new Set(['rust']), semanticWeight: 0 });
  const chunk = (symbol: string | null) => ({
    id: 1,
    relativePath: 'src/pool.rs',
    path: '/r/src/pool.rs',
    language: 'rust' as const,
    symbol,
    text: 1,
    semantic: 0,
  });
  const plain = intent('drop the oldest idle connection');
  const source = scoreCandidate(chunk('ConnectionPool.remove_oldest'), plain);
  for (const symbol of ['tests', 'tests.pool_connections_limit', 'test.read_exact', 'pool.tests.limit'])
    assert.ok(scoreCandidate(chunk(symbol), plain) < source * 0.5, symbol);
  // A method named `test` is no test module.
  assert.equal(scoreCandidate(chunk('Matcher.test'), plain), scoreCandidate(chunk('Matcher.probe'), plain));
  // Asked for, tests keep their score.
  const asked = intent('unit tests for the connection pool');
  assert.ok(scoreCandidate(chunk('tests.limit'), asked) >= scoreCandidate(chunk('helpers.limit'), asked));
  // Other languages keep theirs.
  assert.equal(isInlineTest({ language: 'python', symbol: 'tests.helper' }), false);
});

test('a chunk of comments only ranks as documentation: after code, unless the query asks for docs', () => {
  const guide = [
    '//! # Timeouts',
    '//!',
    '//! Set a timeout on the agent',
    '//! or on a request.',
    '//! ```',
  ].join('\n');
  const code = [
    '// the timeout of a request',
    'fn timeout(&self) -> Duration {',
    '    self.timeout',
    '}',
  ].join('\n');
  assert.equal(isCommentOnly(guide), true);
  assert.equal(isCommentOnly(code), false);
  // Two lines of comments are a note, not a guide; attributes and C directives are code.
  assert.equal(isCommentOnly('// one\n// two'), false);
  assert.equal(isCommentOnly('#[cfg(test)]\n#[allow(dead_code)]\n#[derive(Debug)]'), false);
  assert.equal(isCommentOnly('# a\n# Python note\n# on three lines'), true);
  const intent = (query: string) =>
    readIntent(query, { includeTests: false, mainLanguages: new Set(['rust']), semanticWeight: 0 });
  const chunk = (content: string, symbol: string | null = null, relativePath = 'src/lib.rs') => ({
    id: 1,
    relativePath,
    path: `/r/${relativePath}`,
    language: 'rust' as const,
    symbol,
    text: 1,
    semantic: 0,
    content,
  });
  const plain = intent('set a request timeout');
  assert.ok(scoreCandidate(chunk(guide), plain) < 0.6 * scoreCandidate(chunk(code), plain));
  // A definition's chunk (its doc included) and chunks asked for keep their score.
  assert.equal(scoreCandidate(chunk(guide, 'Agent'), plain), scoreCandidate(chunk(code, 'Agent'), plain));
  const docs = intent('the docs on request timeouts');
  assert.equal(scoreCandidate(chunk(guide), docs), scoreCandidate(chunk(code), docs));
  // A documentation file is demoted once, by its class.
  const page = scoreCandidate(chunk(guide, null, 'docs/guide.rs'), plain);
  assert.equal(page, scoreCandidate(chunk(code, null, 'docs/guide.rs'), plain));
});
