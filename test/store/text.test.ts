import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { IndexStore } from '../../src/store/index.js';
import { openIndexStore } from '../../src/store/index.js';
import { afterLicense, compileTextQuery, makeSnippet, parseTextQuery } from '../../src/store/text-search.js';
import { chunk, indexed, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
let store: IndexStore;

const RETRY = [
  'export function schedule(job: Job) {',
  '  const delay = computeDelay(job);',
  '  // cap the wait',
  '  const wait = Math.min(delay, config.retryBackoffMax);',
  '  return queue.add(job, { delay: wait });',
  '}',
].join('\n');
const SNAKE = ['def backoff(attempt):', '    return min(2 ** attempt, RETRY_BACKOFF_MAX)'].join('\n');
const HTML = 'class HTMLParser:\n    pass';

before(async () => {
  store = openIndexStore(join(tmp.dir, 'text.db'));
  await store.writeBatch('/repo', [
    indexed('src/retry.ts', { chunks: [chunk(RETRY, 10, 'schedule')] }),
    indexed(
      'py/backoff.py',
      { language: 'python', chunks: [chunk(SNAKE, 1, 'backoff')] },
      { language: 'python' },
    ),
    indexed(
      'py/html.py',
      { language: 'python', chunks: [chunk(HTML, 1, 'HTMLParser')] },
      { language: 'python' },
    ),
    indexed('src/noise.ts', { chunks: [chunk('const unrelated = 1;\nlet retry = 0;', 1)] }),
  ]);
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

const paths = async (query: string, extra: object = {}) =>
  (await store.searchText({ query, limit: 10, ...extra })).hits.map((h) => h.path);

test('identifiers are searchable by their parts', async () => {
  assert.deepEqual((await paths('retryBackoffMax')).sort(), ['/repo/py/backoff.py', '/repo/src/retry.ts']);
  // Chunks with every word first; then, as a fallback for questions, chunks with some of them.
  const loose = await paths('retry backoff');
  assert.deepEqual(loose.slice(0, 2).sort(), ['/repo/py/backoff.py', '/repo/src/retry.ts']);
  assert.deepEqual(loose.slice(2), ['/repo/src/noise.ts']);
  assert.deepEqual((await paths('backoff_max')).sort(), ['/repo/py/backoff.py', '/repo/src/retry.ts']);
  assert.deepEqual((await paths('"backoff max"')).sort(), ['/repo/py/backoff.py', '/repo/src/retry.ts']);
  assert.deepEqual(await paths('html parser'), ['/repo/py/html.py']);
  assert.deepEqual(await paths('htmlparser'), ['/repo/py/html.py']);
  assert.deepEqual(await paths('computeDel*'), ['/repo/src/retry.ts']);
  assert.deepEqual(await paths('retry', { language: 'python' }), ['/repo/py/backoff.py']);
  assert.deepEqual((await paths('retry', { pathPrefix: '/repo/src' })).sort(), [
    '/repo/src/noise.ts',
    '/repo/src/retry.ts',
  ]);
});

test('hits carry a scored, line-numbered snippet around the best line', async () => {
  const [hit] = (
    await store.searchText({
      query: 'retryBackoffMax',
      limit: 1,
      pathPrefix: '/repo/src/retry.ts',
    })
  ).hits;
  assert.ok(hit);
  assert.equal(hit.symbol, 'schedule');
  assert.equal(hit.startLine, 10);
  assert.equal(hit.endLine, 15);
  assert.ok(hit.score > 0);
  const lines = hit.snippet.split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[0], '11:   const delay = computeDelay(job);');
  assert.equal(lines[2], '13:   const wait = Math.min(delay, config.retryBackoffMax);');
  assert.match(lines[4]!, /^15: \}$/);
});

test("a snippet with no query word skips the license at a file's top, not a doc comment", () => {
  const php = [
    '<?php',
    '',
    'declare(strict_types=1);',
    '',
    '/*',
    ' * This file is part of the league/commonmark package.',
    ' *',
    " * (c) Colin O'Dell <colinodell@gmail.com>",
    ' */',
    '',
    'namespace League\\CommonMark;',
    '',
    'use League\\CommonMark\\Environment\\Environment;',
  ];
  assert.equal(afterLicense(php), 10);
  assert.equal(
    makeSnippet(php.join('\n'), 1, new Set(['nothing'])),
    '11: namespace League\\CommonMark;\n12: \n13: use League\\CommonMark\\Environment\\Environment;',
  );
  // A query word still picks its line, license or not.
  assert.match(makeSnippet(php.join('\n'), 1, new Set(['colinodell'])), /^ 6: .*\n 7: .*\n 8:/);
  assert.equal(
    afterLicense([
      '// Copyright 2009 The Go Authors.',
      '// license that can be found in the LICENSE file.',
      '',
      'package tls',
    ]),
    3,
  );
  // A package's doc comment after the license is kept.
  assert.equal(
    afterLicense([
      '// Copyright 2009 The Go Authors.',
      '// license in the LICENSE file.',
      '',
      '// Package http serves.',
      'package http',
    ]),
    3,
  );
  // A doc comment, a file that is only a comment and code first are shown from their top.
  assert.equal(afterLicense(['/** Converts Markdown to HTML. */', 'final class Converter']), 0);
  assert.equal(afterLicense(['# Copyright 2020 someone']), 0);
  assert.equal(afterLicense(['#include <stdio.h>', '/* (c) me */', 'int x;']), 0);
});

test('a snippet falls back to words that share a stem with a query word, as the stemmed index does', () => {
  const php = [
    '    /**',
    '     * @psalm-pure',
    '     */',
    '    public static function isEscapable(string $c): bool',
    '    {',
    "        return $c === '\\\\';",
    '    }',
  ];
  assert.match(makeSnippet(php.join('\n'), 77, new Set(['escape'])), /^78: .*\n79: .*\n80: .*isEscapable/);
  // A whole word wins over a shared stem; `log` does not meet `login`.
  const far = ['a = escapable', '', '', '', '', 'b = escape', 'c'].join('\n');
  assert.equal(makeSnippet(far, 1, new Set(['escape'])), '4: \n5: \n6: b = escape\n7: c');
  const login = ['x = 1', '', '', '', '', 'y = login()'].join('\n');
  assert.equal(makeSnippet(login, 1, new Set(['log'])), '1: x = 1\n2: \n3: ');
});

test('the OR fallback leaves out stop words and lowercase single letters, not a capital one', () => {
  const loose = (q: string) => parseTextQuery(q).any.map((g) => g.parts.join(' '));
  assert.deepEqual(loose('why does the stack trace only show with -v'), ['stack', 'trace', 'only', 'show']);
  assert.deepEqual(loose('loader backed by the libyaml C library'), [
    'loader',
    'backed',
    'libyaml',
    'c',
    'library',
  ]);
  // Every word still counts in the AND query.
  assert.equal(parseTextQuery('stack trace -v').all.length, 3);
});

test('the OR fallback takes a hyphenated word as its phrase and as its words one by one', () => {
  const q = parseTextQuery('compare names case-insensitive for a top-level sort');
  assert.deepEqual(
    q.any.map((g) => g.parts.join(' ')),
    ['compare', 'names', 'case insensitive', 'case', 'insensitive', 'top level', 'top', 'level', 'sort'],
  );
  // The AND query keeps the phrase.
  assert.deepEqual(
    q.all.map((c) => c.map((g) => g.parts.join(' '))),
    [['compare'], ['names'], ['case insensitive'], ['for'], ['a'], ['top level'], ['sort']],
  );
});

test('hostile queries never throw', async () => {
  const hostile = [
    '',
    '   ',
    '"',
    '""',
    '"unbalanced',
    "it's",
    '*',
    '**',
    '-',
    '-retry',
    'NOT retry',
    'retry AND',
    'AND OR NOT',
    '(retry',
    'retry)',
    '((()))',
    'NEAR(retry backoff, 2)',
    'retry:backoff',
    'content:retry',
    '^retry',
    '{retry}',
    '\\',
    '\u0000',
    'a'.repeat(5000),
    Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '),
    '😀 retry',
    'ＡＢＣ',
    'x OR y OR',
    "'; DROP TABLE chunks; --",
  ];
  for (const q of hostile) {
    await assert.doesNotReject(
      () => store.searchText({ query: q, limit: 5 }),
      JSON.stringify(q.slice(0, 40)),
    );
  }
  assert.equal((await store.searchText({ query: 'AND', limit: 5 })).hits.length, 0);
  const both = await paths('-retry AND backoff');
  assert.deepEqual(both.slice(0, 2).sort(), ['/repo/py/backoff.py', '/repo/src/retry.ts']);
  assert.deepEqual(both.slice(2), ['/repo/src/noise.ts']);
  assert.equal(compileTextQuery('*** ---').match, null);
  assert.deepEqual((await paths('htmlParser OR computeDelay')).sort(), [
    '/repo/py/html.py',
    '/repo/src/retry.ts',
  ]);
});

test('paging', async () => {
  const all = await store.searchText({ query: 'retry', limit: 10 });
  assert.equal(all.hits.length, 3);
  assert.equal(all.hasMore, false);
  const p1 = await store.searchText({ query: 'retry', limit: 2 });
  const p2 = await store.searchText({ query: 'retry', limit: 2, offset: 2 });
  assert.equal(p1.hasMore, true);
  assert.equal(p2.hasMore, false);
  assert.deepEqual(
    [...p1.hits, ...p2.hits].map((h) => h.chunkId),
    all.hits.map((h) => h.chunkId),
  );
  for (let i = 1; i < all.hits.length; i++) assert.ok(all.hits[i - 1]!.score >= all.hits[i]!.score);
});

test('a filter that keeps everything ranks, pages and scores exactly like no filter', async () => {
  for (const query of ['retry', 'retry backoff', 'job delay', 'backoff_max']) {
    for (const page of [
      { limit: 10, offset: 0 },
      { limit: 1, offset: 0 },
      { limit: 1, offset: 1 },
      { limit: 2, offset: 1 },
    ]) {
      const plain = await store.searchText({ query, ...page });
      const scoped = await store.searchText({ query, ...page, pathPrefix: '/repo' });
      assert.deepEqual(
        scoped.hits.map((h) => [h.chunkId, h.path, h.score, h.snippet]),
        plain.hits.map((h) => [h.chunkId, h.path, h.score, h.snippet]),
        `${query} ${JSON.stringify(page)}`,
      );
      assert.equal(scoped.hasMore, plain.hasMore);
    }
  }
  assert.ok((await store.searchText({ query: 'retry', limit: 1 })).hasMore);
});

test('looseBelow: partial matches are added only when at most that many chunks hold every word', async () => {
  assert.deepEqual((await paths('retry backoff')).slice(2), ['/repo/src/noise.ts']);
  assert.deepEqual((await paths('retry backoff', { looseBelow: 2 })).slice(2), ['/repo/src/noise.ts']);
  assert.deepEqual((await paths('retry backoff', { looseBelow: 1 })).sort(), [
    '/repo/py/backoff.py',
    '/repo/src/retry.ts',
  ]);
});

test('the OR fallback leaves out words that 2,000 or more chunks hold, and only those', async () => {
  const db = openIndexStore(join(tmp.dir, 'common-words.db'));
  // 2,000 chunks say "widget"; a few say "frobnicate" or "sprocket"; none say all three.
  const many = Array.from({ length: 2000 }, (_, i) => chunk(`render widget number ${i}`, i + 1, `w${i}`));
  await db.writeBatch('/big', [
    indexed('widgets.ts', { chunks: many }),
    indexed('frob.ts', { chunks: [chunk('function frobnicate(x) { return x; }', 1, 'frobnicate')] }),
    indexed('sprocket.ts', { chunks: [chunk('const sprocket = 1; // spins', 1, 'sprocket')] }),
  ]);
  const paths = async (query: string) =>
    (await db.searchText({ query, limit: 20 })).hits
      .map((h) => h.path.slice('/big/'.length))
      .filter((p, i, all) => all.indexOf(p) === i);
  // "widget" is dropped from the OR: only the chunks with the rarer words come back.
  assert.deepEqual((await paths('widget frobnicate sprocket')).sort(), ['frob.ts', 'sprocket.ts']);
  // Common in another repository of the data dir, rare in the one asked about: counted in the
  // query's scope, so it stays (and the whole index still leaves it out).
  await db.writeBatch('/small', [
    indexed('gadget.ts', { chunks: [chunk('const widget = makeGadget();', 1, null)] }),
    indexed('frob.ts', { chunks: [chunk('function frobnicate(x) { return x; }', 1, 'frobnicate')] }),
  ]);
  const scoped = async (query: string, extra: object = {}) =>
    (await db.searchText({ query, limit: 20, pathPrefix: '/small', ...extra })).hits
      .map((h) => h.path)
      .sort();
  assert.deepEqual(await scoped('widget frobnicate sprocket'), ['/small/frob.ts', '/small/gadget.ts']);
  assert.deepEqual(await scoped('widget frobnicate sprocket', { language: 'typescript' }), [
    '/small/frob.ts',
    '/small/gadget.ts',
  ]);
  assert.ok(!(await paths('widget frobnicate sprocket')).includes('gadget.ts'));
  await db.removeRoot('/small');
  // Below the threshold a word stays in the OR.
  await db.removeFiles('/big', ['widgets.ts']);
  await db.writeBatch('/big', [indexed('widgets.ts', { chunks: many.slice(0, 5) })]);
  assert.deepEqual((await paths('widget frobnicate sprocket')).sort(), [
    'frob.ts',
    'sprocket.ts',
    'widgets.ts',
  ]);
  await db.close();
});
