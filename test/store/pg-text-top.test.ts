import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import type { LanguageId } from '../../src/indexer/types.js';
import { rowsOf } from '../../src/store/pg/context.js';
import { openPgStore } from '../../src/store/pg/store.js';
import { TEXT_RANK } from '../../src/store/pg/text.js';
import { rankFromTopPg } from '../../src/store/pg/text-top.js';
import type { IndexStore } from '../../src/store/types.js';
import { corpus } from './helpers/common-words.js';
import { chunk, indexed } from './helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';

const db: TestDatabase | null = await createTestDatabase();
const skip = db === null ? 'no PostgreSQL at 127.0.0.1:5432 (set CODEINDEX_TEST_PG_URL)' : false;

// PostgreSQL lists words in a fifth of this many chunks: 300 of the 2,000.
const MIN_DF = 1500;
const LIST_SIZE = 60;

describe('PostgreSQL: common words answered from their lists', { skip }, () => {
  let store: IndexStore;
  let pool: Pool;

  before(async () => {
    store = openPgStore(db!.url);
    pool = new Pool({ connectionString: db!.url, max: 2 });
    await store.writeBatch('/repo', corpus(1, 40, 25, 'a'));
    await store.writeBatch('/repo', corpus(2, 40, 25, 'b'));
  });
  after(async () => {
    await store?.close();
    await pool?.end();
    await db?.drop();
  });

  /** The scan: every matching chunk ranked, as the engine ranks without lists. */
  async function scan(word: string, n: number, language?: LanguageId) {
    const rows = await rowsOf<{ id: string; rank: number }>(
      pool,
      `SELECT c.id::text AS id, ${TEXT_RANK} AS rank FROM chunks c JOIN files f ON f.id = c.file_id
       WHERE c.document @@ to_tsquery('codeindex', ?)${language ? ' AND f.language = ?' : ''}
       ORDER BY rank DESC, c.id LIMIT ?`,
      [`('${word}')`, `('${word}')`, ...(language ? [language] : []), n],
    );
    return rows.map((r) => `${r.id}:${r.rank}`);
  }
  async function page(word: string, limit: number, offset = 0, language?: LanguageId) {
    const r = await store.rankText({ query: word, limit, offset, ...(language ? { language } : {}) });
    return r.ids.map((id, i) => `${id}:${r.bm25[i]}`);
  }
  /** Whether the lists answer `word` for a page of `need` rows (white box). */
  async function listed(word: string, need: number) {
    const run = (statement: string) => rowsOf<{ src: string; id: string; rank: number }>(pool, statement);
    return rankFromTopPg(pool, run, {
      word,
      match: `('${word}')`,
      from: 'chunks c',
      where: '',
      params: [],
      need,
      rank: TEXT_RANK,
    });
  }

  it('gives the pages the scan gives, before and after writes', async () => {
    const res = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
    assert.ok(res.textTop && res.textTop.terms >= 2, JSON.stringify(res.textTop));
    assert.equal(res.textTop.reused, false);
    // Nothing changed: the next upkeep keeps them.
    const again = await store.optimize({ vacuum: false, textTopMinDf: MIN_DF, textTopSize: LIST_SIZE });
    assert.deepEqual([again.textTop?.reused, again.textTop?.terms], [true, res.textTop.terms]);
    const terms = (await rowsOf<{ term: string }>(pool, 'SELECT term FROM text_top')).map((r) => r.term);
    assert.ok(terms.includes('intern'), terms.join(' '));
    assert.ok(terms.includes('parser'), terms.join(' '));
    assert.ok(await listed('internal', 11), 'the list answers a first page');
    assert.equal(await listed('internal', LIST_SIZE + 1), null, 'not a page deeper than the list');
    assert.equal(await listed('rareword', 11), null, 'no list for a rare word');

    assert.deepEqual(await page('internal', 10), await scan('internal', 10));
    assert.deepEqual(await page('Internals', 25, 20), (await scan('internal', 45)).slice(20));
    assert.deepEqual(await page('parser', 10, 0, 'python'), await scan('parser', 10, 'python'));

    // Writes after the build: the best chunk's file goes, a denser chunk comes.
    const best = (await page('internal', 1))[0]!.split(':')[0]!;
    const [file] = await rowsOf<{ path: string }>(
      pool,
      'SELECT f.path FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?',
      [best],
    );
    await store.removeFiles('/repo', [file!.path]);
    const dense = Array.from({ length: 20 }, () => 'internal').join(' ');
    await store.writeBatch('/repo', [indexed('a/new.ts', { chunks: [chunk(`${dense}\nvalue`, 1)] })]);
    const top = await listed('internal', 11);
    assert.ok(top, 'the list still answers');
    assert.ok(!top.some((e) => String(e.id) === best), 'the removed chunk is gone');
    const [fresh] = await rowsOf<{ id: string }>(
      pool,
      "SELECT c.id::text AS id FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = 'a/new.ts'",
    );
    const want = await scan('internal', 50);
    const at = want.findIndex((r) => r.startsWith(`${fresh!.id}:`));
    assert.ok(at >= 0, 'the new chunk is on the page');
    assert.ok(await listed('internal', 51), 'the list answers that page');
    assert.deepEqual(await page('internal', 50), want);

    // A word without a list: the pool remembers it and sends no statement for it again.
    const counting = new Pool({ connectionString: db!.url, max: 1 });
    try {
      let statements = 0;
      const run = (statement: string) => {
        statements++;
        return rowsOf<{ src: string; id: string; rank: number }>(counting, statement);
      };
      const ask = (word: string) =>
        rankFromTopPg(counting, run, {
          word,
          match: `('${word}')`,
          from: 'chunks c',
          where: '',
          params: [],
          need: 11,
          rank: TEXT_RANK,
        });
      assert.equal(await ask('rareword'), null);
      assert.equal(statements, 1);
      assert.equal(await ask('rareword'), null);
      assert.equal(statements, 1, 'no second statement for a word known to have no list');
      assert.ok(await ask('internal'));
      assert.ok(await ask('internal'));
      assert.equal(statements, 3, 'a listed word is read each time');
      assert.equal(await ask('internal x'), null, 'two words are never listed');
      assert.equal(statements, 4);
    } finally {
      await counting.end();
    }
    assert.deepEqual(await page('rareword', 10), await scan('rareword', 10));

    // Lists off: the table empties, the scan answers.
    const off = await store.optimize({ vacuum: false, textTopMinDf: 0 });
    assert.equal(off.textTop?.terms, 0);
    assert.equal(await listed('internal', 11), null);
    assert.deepEqual(await page('internal', 10), await scan('internal', 10));
  });
});
