import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { IndexStore } from '../../src/store/index.js';
import { openIndexStore } from '../../src/store/index.js';
import type { QueryContext } from '../../src/store/query-context.js';
import { createStatementCache } from '../../src/store/statement-cache.js';
import { MAX_FRESH, rankFromTop } from '../../src/store/text-top.js';
import { corpus } from './helpers/common-words.js';
import { chunk, indexed, tempDir } from './helpers/fixtures.js';

// Lists for words in at least MIN_DF chunks, LIST_SIZE long: small, so that every path (list,
// fresh chunks, fallback to the scan) is reached with a few thousand chunks.
const MIN_DF = 300;
const LIST_SIZE = 60;

const tmp = tempDir();
let store: IndexStore;
let dbPath: string;

/** A query context on its own connection (the lists' query side, as a server has it). */
function context(): { ctx: QueryContext; close: () => void } {
  const db = new Database(dbPath, { readonly: true });
  return { ctx: { db, statements: createStatementCache(db), now: Date.now }, close: () => db.close() };
}

/** A page of the store's text ranking: ids and ranks. */
async function page(query: string, extra: object = {}) {
  const r = await store.rankText({ query, limit: 10, ...extra });
  return r.ids.map((id, i) => ({ id, rank: -(r.bm25[i] ?? 0) }));
}

/** Ids in rank order with equal ranks ordered by id (the scan orders ties arbitrarily). */
function canonical(rows: { id: number; rank: number }[]): string[] {
  return [...rows]
    .sort((a, b) => a.rank - b.rank || a.id - b.id)
    .map((r) => `${r.id}:${r.rank.toPrecision(12)}`);
}

function withWatermark(db: Database.Database, watermark: number): void {
  const meta = JSON.parse(
    db.prepare("SELECT value FROM meta WHERE key = 'text_top'").pluck().get() as string,
  );
  meta.watermark = watermark;
  db.prepare("UPDATE meta SET value = ? WHERE key = 'text_top'").run(JSON.stringify(meta));
  for (const r of db.prepare('SELECT term, list FROM text_top').all() as { term: string; list: Buffer }[]) {
    const v = new Float64Array(r.list.buffer, r.list.byteOffset, r.list.byteLength / 8);
    const kept: number[] = [];
    for (let i = 0; i < v.length; i += 2) if (v[i]! <= watermark) kept.push(v[i]!, v[i + 1]!);
    db.prepare('UPDATE text_top SET list = ? WHERE term = ?').run(
      Buffer.from(new Float64Array(kept).buffer),
      r.term,
    );
  }
}

const QUERIES: [string, object][] = [
  ['internal', {}],
  ['Internals', { limit: 25, offset: 20 }],
  ['internal', { language: 'python' }],
  ['parser', { pathPrefix: '/repo/a' }],
  ['parser', { limit: 40 }],
];

before(async () => {
  dbPath = join(tmp.dir, 'top.db');
  store = openIndexStore(dbPath);
  await store.writeBatch('/repo', corpus(1, 40, 25, 'a'));
  await store.writeBatch('/repo', corpus(2, 40, 25, 'b'));
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

test('a common word is answered from its list exactly as the scan answers it', async () => {
  const scans = [];
  for (const [q, extra] of QUERIES) scans.push(canonical(await page(q, extra)));
  const res = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
  // "internal" (stem "intern") and "parser" are common; "rareword" and the filler words are not
  // all: the filler words are in most chunks too, so they are listed as well.
  assert.ok(res.textTop && res.textTop.terms >= 2, JSON.stringify(res.textTop));
  const { ctx, close } = context();
  try {
    // The lists answer (not the scan): rankFromTop gives a page for these words...
    assert.ok(rankFromTop(ctx, 'internal', { where: [], params: [] }, 11));
    assert.ok(rankFromTop(ctx, 'internals', { where: [], params: [] }, 11));
    assert.ok(rankFromTop(ctx, 'parser', { where: [], params: [] }, 41));
    // ...but not for a rare word, nor a page deeper than the list.
    assert.equal(rankFromTop(ctx, 'rareword', { where: [], params: [] }, 11), null);
    assert.equal(rankFromTop(ctx, 'internal', { where: [], params: [] }, LIST_SIZE + 1), null);
  } finally {
    close();
  }
  for (const [i, [q, extra]] of QUERIES.entries()) {
    assert.deepEqual(canonical(await page(q, extra)), scans[i], `${q} ${JSON.stringify(extra)}`);
  }
});

test('chunks above the watermark are scored as the scan scores them', async () => {
  await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
  const rw = new Database(dbPath);
  const max = rw.prepare('SELECT max(id) FROM chunks').pluck().get() as number;
  // As if the last 400 chunks had been written after the build (the statistics are the build's,
  // so the scan and the lists must agree to the last digit).
  withWatermark(rw, max - 400);
  rw.close();
  const { ctx, close } = context();
  try {
    const top = rankFromTop(ctx, 'internal', { where: [], params: [] }, 30);
    assert.ok(top);
    assert.ok(
      top.some((e) => e.id > max - 400),
      'the page holds chunks above the watermark',
    );
  } finally {
    close();
  }
  const db = new Database(dbPath, { readonly: true });
  const scan = db.prepare(
    'SELECT rowid AS id, bm25(chunks_fts, 1.0, 0.6) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 20',
  );
  for (const q of ['internal', 'parser']) {
    const want = canonical(scan.all(`"${q}"`) as { id: number; rank: number }[]);
    assert.deepEqual(canonical(await page(q, { limit: 20 })), want, q);
  }
  db.close();
});

test('writes after the build: new chunks rank, removed ones are gone, ids stay above the watermark', async () => {
  await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
  const rw = new Database(dbPath, { readonly: true });
  const watermark = JSON.parse(
    rw.prepare("SELECT value FROM meta WHERE key = 'text_top'").pluck().get() as string,
  ).watermark as number;
  // The file holding the highest chunk id goes: SQLite alone would hand its ids out again.
  const last = rw
    .prepare('SELECT f.path FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY c.id DESC LIMIT 1')
    .pluck()
    .get() as string;
  const best = (await page('internal', { limit: 3 }))[0]!.id;
  const bestPath = rw
    .prepare('SELECT f.path FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?')
    .pluck()
    .get(best) as string;
  rw.close();
  await store.removeFiles('/repo', [last, bestPath]);
  const dense = Array.from({ length: 20 }, () => 'internal').join(' ');
  await store.writeBatch('/repo', [
    indexed('a/new.ts', { chunks: [chunk(`${dense}\nvalue`, 1)] }),
    indexed(
      'a/new.py',
      {
        language: 'python',
        chunks: [chunk('internal internal internal internal internal internal value', 1)],
      },
      { language: 'python' },
    ),
  ]);
  const check = new Database(dbPath, { readonly: true });
  const fresh = check
    .prepare("SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path LIKE 'a/new.%'")
    .pluck()
    .all() as number[];
  check.close();
  assert.equal(fresh.length, 2);
  for (const id of fresh) assert.ok(id > watermark, `new chunk ${id} above the watermark ${watermark}`);
  const { ctx, close } = context();
  try {
    const top = rankFromTop(ctx, 'internal', { where: [], params: [] }, 11);
    assert.ok(top, 'the lists still answer');
    assert.ok(!top.some((e) => e.id === best), 'a removed chunk is not in the page');
    // Filters apply to the fresh chunks as to the listed ones.
    const py = rankFromTop(ctx, 'internal', { where: ['f.language = ?'], params: ['python'] }, 6);
    assert.ok(py, 'the lists answer a filtered page');
    assert.equal(py[0]!.id, Math.max(...fresh));
  } finally {
    close();
  }
  const got = await page('internal', { limit: 5 });
  const top = got[0]!;
  const check2 = new Database(dbPath, { readonly: true });
  assert.equal(
    check2
      .prepare('SELECT f.path FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?')
      .pluck()
      .get(top.id),
    'a/new.ts',
  );
  check2.close();
  assert.ok(!got.some((e) => e.id === best));
  // The language filter applies to fresh chunks too (from the list, and by the scan).
  for (const limit of [5, 200]) {
    const py = await store.searchText({ query: 'internal', limit, language: 'python' });
    assert.equal(py.hits[0]?.path, '/repo/a/new.py');
    assert.ok(py.hits.every((h) => h.language === 'python'));
  }
});

test('too many chunks since the build: the scan answers', async () => {
  await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
  const many = Array.from({ length: MAX_FRESH + 1 }, (_, i) => chunk(`internal fresh ${i}`, 1 + i * 2));
  await store.writeBatch('/repo', [indexed('c/many.ts', { chunks: many })]);
  const { ctx, close } = context();
  try {
    assert.equal(rankFromTop(ctx, 'internal', { where: [], params: [] }, 11), null);
  } finally {
    close();
  }
  // The scan still answers the query.
  assert.equal((await page('internal')).length, 10);
  // Lists off: the table empties and the scan answers.
  const off = await store.optimize({ vacuum: false, textTopMinDf: 0 });
  assert.equal(off.textTop?.terms, 0);
  const db = new Database(dbPath, { readonly: true });
  assert.equal(db.prepare('SELECT count(*) FROM text_top').pluck().get(), 0);
  db.close();
});

test('the upkeep keeps the lists while little changed, and builds them again after more', async () => {
  const first = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
  assert.equal(first.textTop?.reused, false);
  const again = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
  assert.equal(again.textTop?.reused, true);
  assert.equal(again.textTop?.terms, first.textTop?.terms);
  // Other options: a new build.
  const other = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE - 1 });
  assert.equal(other.textTop?.reused, false);
  // More than 1,000 chunks written since: a new build, whose watermark covers them.
  const more = Array.from({ length: 1001 }, (_, i) => chunk(`internal more ${i}`, 1 + i * 2));
  await store.writeBatch('/repo', [indexed('d/more.ts', { chunks: more })]);
  const after = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE - 1 });
  assert.equal(after.textTop?.reused, false);
  const db = new Database(dbPath, { readonly: true });
  const meta = JSON.parse(
    db.prepare("SELECT value FROM meta WHERE key = 'text_top'").pluck().get() as string,
  );
  assert.equal(meta.watermark, db.prepare('SELECT max(id) FROM chunks').pluck().get());
  db.close();
});
