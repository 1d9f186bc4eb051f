import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { IndexStore } from '../../src/store/index.js';
import { openIndexStore } from '../../src/store/index.js';
import type { QueryContext } from '../../src/store/query-context.js';
import { scopeOf } from '../../src/store/query-context.js';
import { idRunsOf, rankInRoots, statsRootsOf } from '../../src/store/scope-bm25.js';
import { createStatementCache } from '../../src/store/statement-cache.js';
import { compileTextQuery, rankText } from '../../src/store/text-search.js';
import { chunk, indexed, tempDir } from './helpers/fixtures.js';
import { extractTree, FIXTURES_DIR } from './helpers/pg-corpus.js';

const tmp = tempDir('codeindex-scope-bm25-');
const REAL = join(FIXTURES_DIR, 'relevance');
const QUESTIONS = (
  JSON.parse(readFileSync(join(REAL, 'queries.json'), 'utf8')) as { query?: string; q?: string }[]
).map((x) => x.query ?? x.q ?? '');

let store: IndexStore;
let dbPath: string;

before(async () => {
  dbPath = join(tmp.dir, 'one.db');
  store = openIndexStore(dbPath);
  await store.writeBatch(REAL, extractTree(REAL));
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

/** A query context on its own connection, as a server's query side has it. */
function context(path: string): { ctx: QueryContext; close: () => void } {
  const db = new Database(path, { readonly: true });
  return { ctx: { db, statements: createStatementCache(db), now: Date.now }, close: () => db.close() };
}

test("with every root's statistics it scores exactly as FTS5's bm25 (phrases, camelCase parts, both columns)", async () => {
  assert.ok(QUESTIONS.length >= 10);
  const { ctx, close } = context(dbPath);
  try {
    const rootIds = ctx.db.prepare('SELECT id FROM roots').pluck().all() as number[];
    let compared = 0;
    for (const query of [...QUESTIONS, 'retryBackoff max delay', '"connection pool" timeout', 'user cache']) {
      const { any, anyPhrases, match, matchPhrases } = compileTextQuery(query);
      // The OR fallback's expression: every chunk holding some word, ranked by FTS5.
      for (const [expr, phrases] of [
        [match, matchPhrases],
        [any, anyPhrases.every((p) => p !== null) ? anyPhrases.flat() : null],
      ] as const) {
        if (expr === null || phrases === null || phrases.length < 2) continue;
        const fts = ctx.db
          .prepare<[string], { id: number; rank: number }>(
            'SELECT rowid AS id, bm25(chunks_fts, 1.0, 0.6) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank, rowid LIMIT 50',
          )
          .all(expr);
        if (fts.length < 2) continue;
        const ours = rankInRoots(ctx, rootIds, phrases, fts);
        assert.ok(ours !== null, query);
        const want = new Map(fts.map((r) => [r.id, r.rank]));
        for (const r of ours) {
          const w = want.get(r.id)!;
          assert.ok(
            Math.abs(r.rank - w) <= 1e-9 * Math.max(1, Math.abs(w)),
            `${query}: chunk ${r.id} ${r.rank} != ${w}`,
          );
        }
        compared++;
      }
    }
    assert.ok(compared >= 10, `compared ${compared} expressions`);
  } finally {
    close();
  }
});

test('a query scoped to one root ranks as if that root were indexed alone, whatever else the data dir holds', async () => {
  // "route" is rare in /app and common in /framework; "parser" is common in /app.
  const app = [
    indexed('a.ts', { chunks: [chunk('parser parser parser value', 1, null)] }),
    indexed('b.ts', { chunks: [chunk('route value value value', 1, null)] }),
    ...Array.from({ length: 20 }, (_, i) =>
      indexed(`f${i}.ts`, {
        chunks: [chunk(i < 8 ? 'parser filler words now' : 'filler words here now', 1, null)],
      }),
    ),
  ];
  const framework = Array.from({ length: 400 }, (_, i) =>
    indexed(`r${i}.ts`, { chunks: [chunk('route value other text and some more words here', 1, null)] }),
  );
  const alone = openIndexStore(join(tmp.dir, 'alone.db'));
  const shared = openIndexStore(join(tmp.dir, 'shared.db'));
  try {
    await alone.writeBatch('/app', app);
    await shared.writeBatch('/app', app);
    await shared.writeBatch('/framework', framework);
    const top = async (s: IndexStore, extra: object) =>
      (await s.searchText({ query: 'route parser', limit: 3, ...extra })).hits.map((h) => h.path);
    // Alone, the rare word decides; over the whole shared index, the other root's statistics do.
    assert.deepEqual((await top(alone, {}))[0], '/app/b.ts');
    const whole = (await shared.searchText({ query: 'route parser', limit: 50 })).hits.map((h) => h.path);
    assert.ok(
      whole.indexOf('/app/a.ts') >= 0 && whole.indexOf('/app/a.ts') < whole.indexOf('/app/b.ts'),
      whole.join(),
    );
    // Scoped to /app, it ranks as /app alone does, with the same scores (chunks, IDF and average
    // length all counted in /app).
    assert.deepEqual(await top(shared, { pathPrefix: '/app' }), await top(alone, {}));
    const scores = async (s: IndexStore, extra: object) =>
      (await s.searchText({ query: 'route parser value', limit: 10, ...extra })).hits.map((h) => [
        h.path,
        h.score,
      ]);
    const [a, b] = [await scores(alone, {}), await scores(shared, { pathPrefix: '/app' })];
    assert.equal(a.length, 10);
    assert.deepEqual(
      b.map(([p]) => p),
      a.map(([p]) => p),
    );
    b.forEach(([, x], i) => {
      const y = a[i]![1] as number;
      assert.ok(Math.abs((x as number) - y) <= 1e-9 * Math.abs(y), `${x} != ${y}`);
    });
    assert.deepEqual(await top(shared, { pathPrefix: ['/app'] }), await top(alone, {}));
    // A path inside the root narrows the results, not the statistics.
    assert.deepEqual(await top(shared, { pathPrefix: '/app/b.ts' }), ['/app/b.ts']);
    // Pages of a scoped ranking join up; odd input finds nothing rather than throwing.
    const all = (await shared.searchText({ query: 'parser filler value', limit: 30, pathPrefix: '/app' }))
      .hits;
    assert.ok(all.length > 10);
    const pages = [];
    for (let offset = 0; offset < all.length; offset += 4)
      pages.push(
        ...(await shared.searchText({ query: 'parser filler value', limit: 4, offset, pathPrefix: '/app' }))
          .hits,
      );
    assert.deepEqual(
      pages.map((h) => h.chunkId),
      all.map((h) => h.chunkId),
    );
    for (const q of [
      '"route parser',
      'route* parser',
      'NEAR(route parser)',
      '😀 route ＡＢＣ parser',
      'a'.repeat(3000),
    ])
      await assert.doesNotReject(
        () => shared.searchText({ query: q, limit: 5, pathPrefix: '/app' }),
        q.slice(0, 20),
      );
  } finally {
    await alone.close();
    await shared.close();
  }
});

test("a small root's chunk ids are read as runs that hold no other root's chunk", async () => {
  const path = join(tmp.dir, 'runs.db');
  const s = openIndexStore(path);
  const files = (prefix: string, n: number, word: string) =>
    Array.from({ length: n }, (_, i) =>
      indexed(`${prefix}${i}.ts`, { chunks: [chunk(`${word} shared ${i}`, 1, null)] }),
    );
  try {
    await s.writeBatch('/big', files('a', 300, 'alpha'));
    await s.writeBatch('/small', files('b', 20, 'beta'));
    await s.writeBatch('/big', files('c', 300, 'gamma'));
    // A save in /small: its chunks are written again, after /big's.
    await s.writeBatch('/small', files('b', 3, 'beta saved'));
    const { ctx, close } = context(path);
    try {
      const id = (root: string) =>
        ctx.db.prepare('SELECT id FROM roots WHERE path = ?').pluck().get(root) as number;
      const runs = idRunsOf(ctx, [id('/small')]);
      assert.ok(runs !== null && runs.length === 2, JSON.stringify(runs));
      const owner = ctx.db
        .prepare(
          'SELECT c.id, r.path FROM chunks c JOIN files f ON f.id = c.file_id JOIN roots r ON r.id = f.root_id',
        )
        .all() as { id: number; path: string }[];
      for (const c of owner) {
        const inside = runs.some((r) => c.id >= r.lo && c.id <= r.hi);
        assert.equal(inside, c.path === '/small', `chunk ${c.id} of ${c.path}`);
      }
      // The roots holding most of the index are not cut into runs.
      assert.equal(idRunsOf(ctx, [id('/big')]), null);
    } finally {
      close();
    }
    // Scoped search reads the runs: every /small chunk with the word, none of /big's.
    const hits = await s.searchText({ query: 'shared', limit: 50, pathPrefix: '/small' });
    assert.equal(hits.hits.length, 20);
    assert.ok(hits.hits.every((h) => h.path.startsWith('/small/')));
    assert.deepEqual(
      (await s.searchText({ query: 'beta shared', limit: 50, pathPrefix: '/small' })).hits
        .map((h) => h.path)
        .sort(),
      Array.from({ length: 20 }, (_, i) => `/small/b${i}.ts`).sort(),
    );
    // Saves in turn in both roots, more than MAX_RUNS times: no runs, the same answers.
    for (let k = 0; k < 10; k++) {
      await s.writeBatch('/big', [
        indexed(`a${k}.ts`, { chunks: [chunk(`alpha shared edited ${k}`, 1, null)] }),
      ]);
      await s.writeBatch('/small', [
        indexed(`b${k}.ts`, { chunks: [chunk(`beta shared edited ${k}`, 1, null)] }),
      ]);
    }
    const { ctx: ctx2, close: close2 } = context(path);
    try {
      const small = ctx2.db.prepare("SELECT id FROM roots WHERE path = '/small'").pluck().get() as number;
      assert.equal(idRunsOf(ctx2, [small]), null);
    } finally {
      close2();
    }
    assert.equal((await s.searchText({ query: 'shared', limit: 50, pathPrefix: '/small' })).hits.length, 20);
  } finally {
    await s.close();
  }
});

test("a root inside another is its own scope: the outer root's statistics are not counted", async () => {
  const path = join(tmp.dir, 'nested.db');
  const s = openIndexStore(path);
  try {
    await s.writeBatch('/outer', [indexed('a.ts', { chunks: [chunk('outer words', 1, null)] })]);
    await s.writeBatch('/outer/inner', [indexed('b.ts', { chunks: [chunk('inner words', 1, null)] })]);
    await s.writeBatch('/other', [indexed('c.ts', { chunks: [chunk('other words', 1, null)] })]);
    const { ctx, close } = context(path);
    try {
      const id = (root: string) =>
        ctx.db.prepare('SELECT id FROM roots WHERE path = ?').pluck().get(root) as number;
      assert.deepEqual(statsRootsOf(ctx, scopeOf(ctx, '/outer/inner')), [id('/outer/inner')]);
      assert.deepEqual(
        statsRootsOf(ctx, scopeOf(ctx, '/outer')),
        [id('/outer'), id('/outer/inner')].sort((a, b) => a - b),
      );
      assert.equal(statsRootsOf(ctx, scopeOf(ctx, undefined)), null);
    } finally {
      close();
    }
  } finally {
    await s.close();
  }
});

test('a write by another connection is seen by the next scoped query (runs and counts are not kept past it)', async () => {
  const path = join(tmp.dir, 'two-connections.db');
  const s = openIndexStore(path);
  try {
    await s.writeBatch(
      '/big',
      Array.from({ length: 50 }, (_, i) => indexed(`a${i}.ts`, { chunks: [chunk(`alpha ${i}`, 1, null)] })),
    );
    await s.writeBatch('/small', [indexed('b.ts', { chunks: [chunk('zephyr quokka', 1, null)] })]);
    const { ctx, close } = context(path);
    try {
      const ask = () =>
        rankText(ctx, { query: 'zephyr quokka nothing', limit: 10, pathPrefix: '/small' }).ranked.length;
      assert.equal(ask(), 1);
      assert.equal(ask(), 1);
      // A save in /small from the writer's connection: new ids after /big's, a run of their own.
      await s.writeBatch('/small', [indexed('c.ts', { chunks: [chunk('zephyr again', 1, null)] })]);
      assert.equal(ask(), 2);
      await s.writeBatch('/big', [indexed('a1.ts', { chunks: [chunk('alpha zephyr', 1, null)] })]);
      await s.writeBatch('/small', [indexed('d.ts', { chunks: [chunk('quokka again', 1, null)] })]);
      assert.equal(ask(), 3);
    } finally {
      close();
    }
  } finally {
    await s.close();
  }
});
