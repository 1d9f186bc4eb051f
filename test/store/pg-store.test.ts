import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { isCodeindexError } from '../../src/errors.js';
import { openIndexStore } from '../../src/store/index.js';
import { openPgStore } from '../../src/store/pg/store.js';
import type { FileWrite, GraphData, IndexStore, RootRow } from '../../src/store/types.js';
import { chunk, indexed, ref, sym, tempDir } from './helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';
import { extractTree, FIXTURES_DIR, syntheticBatch } from './helpers/pg-corpus.js';

// Created before the tests are declared: whether they run depends on it.
const db: TestDatabase | null = await createTestDatabase();
const skip = db === null ? 'no PostgreSQL at 127.0.0.1:5432 (set CODEINDEX_TEST_PG_URL)' : false;

const T0 = 1_700_000_000_000;
const SYN = '/repo/synthetic';
const REAL = join(FIXTURES_DIR, 'relevance');
const LANGS = join(FIXTURES_DIR, 'langs');

// Both suites share the database; it is dropped once they are done.
after(async () => {
  await db?.drop();
});

/**
 * Ranking differs (ts_rank has no IDF): these floors are set under what was measured (mean top-10
 * overlap 0.994, same top hit 33 of 34 queries), so a regression in matching or weighting fails.
 */
const OVERLAP_FLOOR = 0.9;
const TOP_HIT_FLOOR = 0.85;

/** A clock both engines share, so their timestamps agree. */
const clock = () => T0;

describe('PostgreSQL store: same answers as the SQLite store', { skip }, () => {
  const tmp = tempDir('codeindex-pgdiff-');
  let lite: IndexStore;
  let pg: IndexStore;
  const both = async <T>(fn: (s: IndexStore) => Promise<T>): Promise<[T, T]> => [
    await fn(lite),
    await fn(pg),
  ];

  before(async () => {
    lite = openIndexStore(join(tmp.dir, 'diff.db'), { now: clock });
    pg = openPgStore(db!.url, { now: clock });
    const real = extractTree(REAL);
    const langs = extractTree(LANGS);
    for (const s of [lite, pg]) {
      await s.writeBatch(SYN, syntheticBatch());
      await s.writeBatch(REAL, real.slice(0, 6));
      await s.writeBatch(REAL, real.slice(6));
      await s.writeBatch(LANGS, langs);
      // A second pass over one file with an edit, a removal and a path written twice.
      await s.writeBatch(
        SYN,
        [
          indexed('src/extra.ts', { symbols: [sym('draftHelper')] }),
          indexed('src/extra.ts', {
            symbols: [sym('finalHelper', 'function', { exported: true })],
            refs: [ref('fetchUser', 2, { enclosing: 'finalHelper' })],
            chunks: [chunk('export function finalHelper() {\n  return fetchUser(1);\n}', 1, 'finalHelper')],
          }),
        ],
        ['vendor/big.js'],
      );
      await s.completeGeneration(SYN);
      await s.completeGeneration(REAL);
    }
  });

  after(async () => {
    await lite?.close();
    await pg?.close();
    tmp.cleanup();
  });

  it('writes report the same counts', async () => {
    const batch = syntheticBatch().slice(0, 2);
    const [a, b] = await both((s) => s.writeBatch('/repo/counts', batch, ['nothing/here.ts']));
    assert.deepEqual(b, a);
    assert.equal(a.files, 2);
    assert.ok(a.symbols > 0 && a.refs > 0 && a.chunks > 0);
    const [ra, rb] = await both((s) => s.removeRoot('/repo/counts'));
    assert.equal(ra, true);
    assert.equal(rb, true);
  });

  it('listRoots, getFileStates and getFileState agree', async () => {
    // Root ids are the engines' own (SQLite reuses the id of a removed last row; a sequence never does).
    const withoutId = ({ id: _id, ...rest }: RootRow) => rest;
    const [ra, rb] = await both((s) => s.listRoots());
    assert.deepEqual(rb.map(withoutId), ra.map(withoutId));
    assert.deepEqual(
      ra.map((r) => r.path),
      [LANGS, REAL, SYN].sort(),
    );
    for (const root of [SYN, REAL, LANGS, '/repo/unknown']) {
      const [a, b] = await both((s) => s.getFileStates(root));
      assert.deepEqual([...b.entries()].sort(), [...a.entries()].sort(), root);
    }
    const [fa, fb] = await both((s) => s.getFileState(SYN, 'src/extra.ts'));
    assert.deepEqual(fb, fa);
    assert.equal(fa?.status, 'indexed');
    const [na, nb] = await both((s) => s.getFileState(SYN, 'vendor/big.js'));
    assert.equal(na, null);
    assert.equal(nb, null);
  });

  it('rootStatus agrees for every root, one root and an unknown root', async () => {
    const [a, b] = await both((s) => s.rootStatus());
    assert.deepEqual(b, a);
    assert.equal(a.length, 3);
    const syn = a.find((r) => r.root === SYN)!;
    assert.deepEqual(syn.files, { indexed: 4, skipped: 1, failed: 1 });
    assert.deepEqual(syn.failedFiles, [{ path: 'broken.py', error: 'parse timeout after 5000 ms' }]);
    assert.equal(syn.generation, 1);
    const real = a.find((r) => r.root === REAL)!;
    assert.ok(real.symbols > 20, `real extraction produced symbols: ${real.symbols}`);
    for (const root of [REAL, '/repo/unknown']) {
      const [x, y] = await both((s) => s.rootStatus(root));
      assert.deepEqual(y, x);
    }
  });

  /** Symbol names of the real extraction, every few, plus their prefixes and lowercased forms. */
  const realQueries = (): string[] => {
    const names = [
      ...new Set(
        [...extractTree(REAL), ...extractTree(LANGS)].flatMap(
          (w) => w.extraction?.symbols.map((x) => x.name) ?? [],
        ),
      ),
    ].sort();
    const picked = names.filter((_, i) => i % 5 === 0);
    return [...picked, ...picked.map((n) => n.slice(0, 3)), ...picked.map((n) => n.toLowerCase())];
  };

  it('searchSymbols returns the same hits, scores and totals for every tier and filter', async () => {
    const queries = [
      'getUserById',
      'getuserbyid',
      'get_user',
      'GetUser',
      'user',
      'User',
      'usr',
      'usrsvc',
      'UserService.getUserById',
      'BaseService.find',
      'UserService.user',
      'UserService.usr',
      // A module's top-level definitions (the file named as the qualifier).
      'users.getUser',
      'users.get_user',
      'other.getUser',
      // Typos (tier D): a transposition, a letter too many, two edits in a long name.
      'getUsreById',
      'UsserService',
      'UserSrevce',
      'fetch',
      'USER_LIMIT',
      'byid',
      'id',
      'x',
      '',
      ...realQueries(),
    ];
    let compared = 0;
    let nonEmpty = 0;
    for (const query of queries) {
      for (const extra of [
        {},
        { kind: 'function' as const },
        { language: 'python' as const },
        { pathPrefix: SYN },
        { pathPrefix: [REAL, `${LANGS}/go`] },
        { offset: 2, limit: 3 },
      ]) {
        const q = { query, limit: 10, ...extra };
        const [a, b] = await both((s) => s.searchSymbols(q));
        assert.deepEqual(b, a, JSON.stringify(q));
        compared++;
        if (a.hits.length > 0) nonEmpty++;
      }
    }
    assert.ok(nonEmpty > compared / 3, `most queries find something: ${nonEmpty}/${compared}`);
    const [a] = await both((s) => s.searchSymbols({ query: 'usr', limit: 10, pathPrefix: SYN }));
    assert.ok(
      a.hits.some((h) => h.name === 'UserService'),
      'the subsequence tier is exercised',
    );
    const [t] = await both((s) => s.searchSymbols({ query: 'UserSrevce', limit: 10, pathPrefix: SYN }));
    assert.ok(
      t.hits.some((h) => h.name === 'UserService' && h.score === 32),
      'the typo tier is exercised',
    );
    const [u] = await both((s) => s.searchSymbols({ query: 'user', limit: 10, pathPrefix: SYN }));
    assert.ok(
      u.hits.some((h) => h.name === 'getUserById' && h.score === 45),
      'the word-part tier is exercised',
    );
  });

  it('fileOutline agrees for indexed, skipped, unknown and nested paths', async () => {
    const paths = [
      `${SYN}/src/user/service.ts`,
      `${SYN}/assets/logo.png`,
      `${SYN}/nope.ts`,
      '/elsewhere/x.ts',
      SYN,
      ...extractTree(REAL).map((w) => join(REAL, w.path)),
      ...extractTree(LANGS).map((w) => join(LANGS, w.path)),
    ];
    let outlines = 0;
    for (const p of paths) {
      const [a, b] = await both((s) => s.fileOutline(p));
      assert.deepEqual(b, a, p);
      if (a !== null && a.length > 0) outlines++;
    }
    assert.ok(outlines > 10, `outlines compared: ${outlines}`);
  });

  it('findReferences returns the same sites, order, line text and paging', async () => {
    const names = [
      ...new Set(
        [...extractTree(REAL), ...extractTree(LANGS)].flatMap(
          (w) => w.extraction?.refs.map((r) => r.name) ?? [],
        ),
      ),
    ]
      .sort()
      .filter((_, i) => i % 4 === 0);
    // `receiver.name` for calls on a variable or an import-bound module name (the receiver
    // filter, with the files' import bindings).
    const qualified = [
      ...new Set(
        [...extractTree(REAL), ...extractTree(LANGS)].flatMap(
          (w) =>
            w.extraction?.refs
              .filter((r) => r.receiver?.startsWith('~'))
              .map((r) => `${r.receiver!.slice(1).split('.')[0]}.${r.name}`) ?? [],
        ),
      ),
    ]
      .sort()
      .filter((_, i) => i % 3 === 0);
    assert.ok(qualified.length > 5, `qualified queries: ${qualified.length}`);
    const queries = [
      'getUserById',
      'UserService.getUserById',
      'BaseService.getUserById',
      'fetchUser',
      'nothing',
      ...names,
      ...qualified,
    ];
    let withText = 0;
    for (const symbol of queries) {
      for (const extra of [{}, { pathPrefix: SYN }, { language: 'python' }, { offset: 1, limit: 2 }]) {
        const q = { symbol, limit: 20, ...extra };
        const [a, b] = await both((s) => s.findReferences(q));
        assert.deepEqual(b, a, JSON.stringify(q));
        withText += a.hits.filter((h) => h.text !== null).length;
      }
    }
    assert.ok(withText > 20, `hits with line text: ${withText}`);
    const [r] = await both((s) => s.findReferences({ symbol: 'getUserById', limit: 20 }));
    assert.ok(r.hits.length >= 4);
  });

  const key = (h: { path: string; startLine: number; endLine: number }) =>
    `${h.path}:${h.startLine}-${h.endLine}`;

  /** Identifier-like queries: every word must match, so no fallback and no ranking in the sets. */
  const identifierQueries = (): string[] => {
    const names = [
      ...new Set(
        [...extractTree(REAL), ...extractTree(LANGS)].flatMap(
          (w) => w.extraction?.symbols.map((x) => x.name) ?? [],
        ),
      ),
    ].sort();
    return [
      'getUserById',
      'get_user',
      '"retry backoff"',
      'retryBackoffMax',
      'retry*',
      'user OR service',
      'return',
      'self',
      'exponential backoff',
      ...names.filter((_, i) => i % 6 === 0),
    ];
  };

  it('searchText matches the same chunks as SQLite (all matches, ranking aside)', async (t) => {
    let same = 0;
    let total = 0;
    const differ: string[] = [];
    for (const query of identifierQueries()) {
      const [a, b] = await both((s) => s.searchText({ query, limit: 1000 }));
      const sa = new Set(a.hits.map(key));
      const sb = new Set(b.hits.map(key));
      total++;
      if (sa.size === sb.size && [...sa].every((k) => sb.has(k))) same++;
      else differ.push(`${query}: sqlite ${sa.size}, pg ${sb.size}`);
    }
    t.diagnostic(
      `identical match sets: ${same}/${total}${differ.length > 0 ? `; differ: ${differ.join('; ')}` : ''}`,
    );
    assert.ok(total > 20);
    assert.equal(same, total, differ.join('\n'));
  });

  it('searchText ranks the same top hits as SQLite (measured overlap)', async (t) => {
    const relevance = JSON.parse(readFileSync(join(REAL, 'queries.json'), 'utf8')) as {
      query: string;
      expect: string;
    }[];
    const queries = [...relevance.map((r) => r.query), ...identifierQueries()];
    let overlapSum = 0;
    let topSame = 0;
    let topTied = 0;
    let compared = 0;
    for (const query of queries) {
      const q = { query, limit: 10, pathPrefix: REAL };
      const [a, b] = await both((s) => s.searchText(q));
      if (a.hits.length === 0) {
        assert.equal(b.hits.length, 0, query);
        continue;
      }
      compared++;
      const sb = new Set(b.hits.map(key));
      overlapSum += a.hits.filter((h) => sb.has(key(h))).length / a.hits.length;
      if (key(a.hits[0]!) === key(b.hits[0]!)) topSame++;
      // A tie at the top in SQLite (equal BM25) may be broken either way.
      else if (a.hits[1] !== undefined && a.hits[1].score === a.hits[0]!.score) topTied++;
    }
    const overlap = overlapSum / compared;
    t.diagnostic(
      `text search over ${compared} queries: mean top-10 overlap ${overlap.toFixed(3)}, same top hit ${topSame}/${compared} (+${topTied} tied in SQLite)`,
    );
    let expectedTop = [0, 0];
    for (const r of relevance) {
      const [a, b] = await both((s) => s.searchText({ query: r.query, limit: 1, pathPrefix: REAL }));
      expectedTop = [
        expectedTop[0]! + (a.hits[0]?.path === join(REAL, r.expect) ? 1 : 0),
        expectedTop[1]! + (b.hits[0]?.path === join(REAL, r.expect) ? 1 : 0),
      ];
    }
    t.diagnostic(
      `relevance fixtures, expected file first: sqlite ${expectedTop[0]}/${relevance.length}, pg ${expectedTop[1]}/${relevance.length}`,
    );
    assert.ok(compared > 20);
    assert.ok(overlap >= OVERLAP_FLOOR, `mean overlap ${overlap}`);
    assert.ok(
      topSame + topTied >= TOP_HIT_FLOOR * compared,
      `same top hit ${topSame}+${topTied}/${compared}`,
    );
    assert.ok(
      expectedTop[1]! >= expectedTop[0]! - 1,
      `pg finds the expected file first about as often: ${expectedTop}`,
    );
  });

  it('rankText, searchText and chunksByIds agree with each other and with SQLite', async () => {
    const q = { query: 'retry failed uploads with backoff', limit: 5 };
    const [ra, rb] = await both((s) => s.rankText(q));
    const [ta, tb] = await both((s) => s.searchText(q));
    assert.deepEqual(
      rb.ids,
      tb.hits.map((h) => h.chunkId),
    );
    assert.deepEqual([...rb.terms].sort(), [...ra.terms].sort());
    assert.equal(rb.hasMore, ra.hasMore);
    assert.equal(rb.bm25.length, rb.ids.length);
    assert.ok(
      rb.bm25.every((x) => Number.isFinite(x) && x > 0),
      `scores: ${rb.bm25}`,
    );
    const [ca, cb] = await both((s) => s.chunksByIds([...(s === lite ? ra.ids : rb.ids), 999_999]));
    assert.deepEqual(
      cb.map(({ chunkId: _c, ...rest }) => rest).sort((x, y) => key(x).localeCompare(key(y))),
      ca.map(({ chunkId: _c, ...rest }) => rest).sort((x, y) => key(x).localeCompare(key(y))),
    );
    assert.equal(cb.length, rb.ids.length, 'an unknown id is left out');
    assert.deepEqual(
      cb.map((c) => c.chunkId),
      rb.ids,
      'in the order given',
    );
    // Snippets are built by the same code from the same content and terms.
    const snippetOf = new Map(ta.hits.map((h) => [key(h), h.snippet]));
    for (const h of tb.hits) if (snippetOf.has(key(h))) assert.equal(h.snippet, snippetOf.get(key(h)));
    // Filters and an empty query.
    for (const extra of [{ language: 'python' as const }, { pathPrefix: `${REAL}/net` }]) {
      const [x, y] = await both((s) => s.searchText({ query: 'request', limit: 50, ...extra }));
      assert.deepEqual(new Set(y.hits.map(key)), new Set(x.hits.map(key)), JSON.stringify(extra));
    }
    const [ea, eb] = await both((s) => s.searchText({ query: '*** ---', limit: 5 }));
    assert.deepEqual(eb, ea);
  });

  it('a store that keeps its roots ranks text in one statement, with the same answers and pages', async () => {
    // Servers open the store with cacheRoots: text search then sends one message with literals.
    const kept = openPgStore(db!.url, { readonly: true, cacheRoots: true, now: clock });
    try {
      const queries = [
        { query: 'retry failed uploads with backoff', limit: 5 },
        { query: 'retry failed uploads with backoff', limit: 5, offset: 3, looseBelow: 5 },
        { query: 'request session cookies redirect', limit: 10, looseBelow: 10 },
        { query: 'request', limit: 3, offset: 2 },
        { query: 'request', limit: 50, language: 'python' as const },
        { query: 'request handler', limit: 20, looseBelow: 20, pathPrefix: `${REAL}/net` },
        { query: 'fetchUser finalHelper', limit: 10, looseBelow: 10, pathPrefix: [SYN, REAL] },
        // Quotes, backslashes and SQL in the words: literals must stay literals.
        { query: "it's a \\ test'); DROP TABLE chunks; --", limit: 10, looseBelow: 10 },
      ];
      let fellBack = 0;
      for (const q of queries) {
        const a = await pg.rankText(q);
        const b = await kept.rankText(q);
        assert.deepEqual(b.ids, a.ids, JSON.stringify(q));
        assert.deepEqual(b.bm25, a.bm25, JSON.stringify(q));
        assert.equal(b.hasMore, a.hasMore, JSON.stringify(q));
        assert.equal(a.chunks, undefined, 'the store without kept roots reads no chunks with the ranking');
        assert.deepEqual(b.chunks, await pg.chunksByIds(b.ids), 'the chunks read with the ranking');
        const [x, y] = [await pg.searchText(q), await kept.searchText(q)];
        assert.deepEqual(y, x, JSON.stringify(q));
        if (b.ids.length > 0 && q.looseBelow !== undefined) fellBack++;
      }
      assert.ok(fellBack >= 3, `${fellBack} queries with results and an OR fallback`);
      const [, total] = await both((s) => s.searchText({ query: 'request', limit: 1000 }));
      assert.ok(total.hits.length > 0, 'chunks is still there');
    } finally {
      await kept.close();
    }
  });

  it('a path prefix outside every root is NOT_INDEXED in both', async () => {
    for (const s of [lite, pg]) {
      await assert.rejects(
        s.searchSymbols({ query: 'user', limit: 5, pathPrefix: '/nowhere' }),
        (err: unknown) => isCodeindexError(err, 'NOT_INDEXED'),
      );
      await assert.rejects(
        s.findReferences({ symbol: 'user', limit: 5, pathPrefix: '/nowhere' }),
        (err: unknown) => isCodeindexError(err, 'NOT_INDEXED'),
      );
    }
  });

  /** A deterministic vector per content hash. */
  const vectorOf = (hash: string, dims: number): Float32Array =>
    Float32Array.from({ length: dims }, (_, i) => ((hash.charCodeAt(i % hash.length) * (i + 1)) % 17) - 8);
  const noId = <T extends { chunkId: number }>({ chunkId: _c, ...rest }: T) => rest;

  it('vectors: missing chunks, upserts, coverage, loading and model changes agree', async () => {
    const model = 'test-model';
    for (const shard of [undefined, { index: 1, count: 2 }]) {
      const [a, b] = await both((s) => s.chunksMissingVectors(REAL, model, 1000, 0, shard));
      assert.deepEqual(b.map(noId), a.map(noId));
      assert.ok(a.length > 5, `chunks to embed: ${a.length}`);
    }
    const [va0, vb0] = await both((s) => s.vectorsVersion());
    const [missingA, missingB] = await both((s) => s.chunksMissingVectors(REAL, model, 1000));
    // Half now, in two calls (the second continues after the first's last id), half later.
    const [firstA, firstB] = await both((s) => s.chunksMissingVectors(REAL, model, 3));
    const [nextA, nextB] = await both((s) =>
      s.chunksMissingVectors(REAL, model, 3, (s === lite ? firstA : firstB).at(-1)!.chunkId),
    );
    assert.deepEqual(nextB.map(noId), nextA.map(noId));
    assert.deepEqual(nextA.map(noId), missingA.slice(3, 6).map(noId));
    const half = missingA.slice(0, Math.floor(missingA.length / 2));
    const rows = half.map((c) => ({ hash: c.hash, vector: vectorOf(c.hash, 8) }));
    const [wa, wb] = await both((s) => s.upsertVectors(model, 8, rows));
    assert.equal(wa, rows.length);
    assert.equal(wb, rows.length);
    const [va1, vb1] = await both((s) => s.vectorsVersion());
    assert.ok(va1 > va0 && vb1 > vb0, 'the vectors version moves on a write');
    const [ca, cb] = await both((s) => s.vectorCoverage(REAL, model));
    assert.deepEqual(cb, ca);
    // Memoised until the chunks or the vectors change.
    assert.deepEqual(await pg.vectorCoverage(REAL, model), cb);
    assert.deepEqual(ca, { embedded: rows.length, pending: missingA.length - rows.length });
    assert.equal(missingB.length, missingA.length);

    const [la, lb] = await both((s) => s.loadVectors(REAL, model));
    assert.equal(lb.dims, la.dims);
    assert.equal(la.dims, 8);
    assert.equal(lb.ids.length, la.ids.length);
    const rowsByKey = async (s: IndexStore, m: typeof la) => {
      const chunks = await s.chunksByIds(m.ids);
      return new Map(chunks.map((c, i) => [key(c), [...m.matrix.subarray(i * m.dims, (i + 1) * m.dims)]]));
    };
    const [ka, kb] = [await rowsByKey(lite, la), await rowsByKey(pg, lb)];
    assert.deepEqual([...kb.keys()].sort(), [...ka.keys()].sort());
    for (const [k, v] of ka) assert.deepEqual(kb.get(k), v, k);
    const first = [...ka.values()][0]!;
    assert.ok(Math.abs(first.reduce((x, y) => x + y * y, 0) - 1) < 1e-5, 'stored L2-normalised');

    await assert.rejects(
      pg.upsertVectors(model, 8, [{ hash: 'x', vector: new Float32Array(3) }]),
      (err: unknown) => isCodeindexError(err, 'INVALID_PAYLOAD'),
    );
    // A model change: the old model's vectors go only once the new one covers the root.
    const [da, db0] = await both((s) => s.dropOtherModelVectors(REAL, 'new-model'));
    assert.equal(da, 0);
    assert.equal(db0, 0);
    const all = missingA.map((c) => ({ hash: c.hash, vector: vectorOf(c.hash, 4) }));
    await both((s) => s.upsertVectors('new-model', 4, all));
    const [cnA, cnB] = await both((s) => s.vectorCoverage(REAL, 'new-model'));
    assert.deepEqual(cnB, { embedded: missingA.length, pending: 0 });
    assert.deepEqual(cnB, cnA);
    const [dropA, dropB] = await both((s) => s.dropOtherModelVectors(REAL, 'new-model'));
    assert.equal(dropA, rows.length);
    assert.equal(dropB, dropA);
    const [ea, eb] = await both((s) => s.loadVectors(REAL, model));
    assert.equal(ea.ids.length, 0);
    assert.equal(eb.ids.length, 0);
  });

  it('graphData returns the same files, definitions and references', async () => {
    for (const prefix of [undefined, REAL, [SYN, `${LANGS}/ts`]]) {
      const [a, b] = await both((s) => s.graphData(prefix));
      const norm = (g: GraphData) => {
        const pathOf = new Map(g.files.map((f) => [f.id, f.path]));
        return {
          files: g.files.map(({ id: _id, ...f }) => f).sort((x, y) => x.path.localeCompare(y.path)),
          symbols: g.symbols
            .map(({ fileId, ...x }) => ({ path: pathOf.get(fileId) ?? `?${fileId}`, ...x }))
            .sort((x, y) => x.path.localeCompare(y.path) || x.line - y.line || x.name.localeCompare(y.name)),
          refs: g.refs.map((r) => `${pathOf.get(r.fileId) ?? `?${r.fileId}`}#${r.name}`).sort(),
        };
      };
      assert.deepEqual(norm(b), norm(a), JSON.stringify(prefix));
      if (prefix === REAL) assert.ok(a.symbols.length > 20 && a.refs.length > 20);
    }
  });

  it('graphData refuses a scope with more definitions than asked for, with the same one-line message', async () => {
    const total = (await lite.graphData(REAL)).symbols.length;
    const [a, b] = await both(async (s) => {
      try {
        await s.graphData(REAL, total - 1);
        return 'no error';
      } catch (err) {
        return isCodeindexError(err, 'SCOPE_TOO_LARGE') ? err.message : String(err);
      }
    });
    assert.match(a, new RegExp(`^${REAL} holds ${total.toLocaleString('en-US')} definitions in \\d+ files`));
    assert.match(a, /pass path for one part of it, such as \//);
    assert.equal(b, a);
    // At the limit it answers.
    const [ga, gb] = await both((s) => s.graphData(REAL, total));
    assert.equal(ga.symbols.length, total);
    assert.equal(gb.symbols.length, total);
  });

  it('removeUnder and removeFiles remove the same files and leave the same state', async () => {
    const batch: FileWrite[] = [
      indexed('a/one.ts', { symbols: [sym('one')] }),
      indexed('a/b/two.ts', { symbols: [sym('two')] }),
      indexed('a-sibling.ts', { symbols: [sym('sibling')] }),
      indexed('ab/three.ts', { symbols: [sym('three')] }),
    ];
    const root = '/repo/removals';
    await both((s) => s.writeBatch(root, batch));
    const [ua, ub] = await both((s) => s.removeUnder(root, 'a/'));
    assert.equal(ua, 2);
    assert.equal(ub, 2);
    const [fa, fb] = await both((s) => s.removeFiles(root, ['ab/three.ts', 'missing.ts']));
    assert.equal(fa, 1);
    assert.equal(fb, 1);
    const [sa, sb] = await both((s) => s.getFileStates(root));
    assert.deepEqual([...sb.keys()], ['a-sibling.ts']);
    assert.deepEqual([...sb.keys()], [...sa.keys()]);
    const [xa, xb] = await both((s) => s.rootStatus(root));
    assert.deepEqual(xb, xa);
    await both((s) => s.removeRoot(root));
  });

  it('the OR fallback counts a word again once writes make it common (remembered counts follow the index)', async () => {
    const root = '/repo/common-word';
    const q = { query: 'glimmerword nosuchwordanywhere', limit: 10, looseBelow: 10 };
    const paths = async () => {
      const [a, b] = await both((s) => s.searchText(q));
      assert.deepEqual(
        b.hits.map((h) => h.path),
        a.hits.map((h) => h.path),
      );
      return a.hits.map((h) => h.path);
    };
    for (const s of [lite, pg])
      await s.writeBatch(root, [indexed('one.ts', { chunks: [chunk('const glimmerword = 1;', 1, null)] })]);
    // Rare: the fallback finds the chunk that holds one of the two words (and the count is remembered).
    assert.deepEqual(await paths(), [`${root}/one.ts`]);
    assert.deepEqual(await paths(), [`${root}/one.ts`]);
    // 2,000 more chunks with the word: now common, so the fallback leaves it out, in both engines.
    const many = Array.from({ length: 2000 }, (_, i) =>
      indexed(`many/f${i}.ts`, { chunks: [chunk(`const glimmerword${i} = glimmerword;`, 1, null)] }),
    );
    for (const s of [lite, pg]) await s.writeBatch(root, many);
    assert.deepEqual(await paths(), []);
    // Common in that root, rare in another that a query is scoped to: counted in the scope, it stays.
    const other = '/repo/rare-here';
    for (const s of [lite, pg])
      await s.writeBatch(other, [indexed('two.ts', { chunks: [chunk('let glimmerword = 2;', 1, null)] })]);
    const [a, b] = await both((s) => s.searchText({ ...q, pathPrefix: other }));
    assert.deepEqual(
      a.hits.map((h) => h.path),
      [`${other}/two.ts`],
    );
    assert.deepEqual(
      b.hits.map((h) => h.path),
      [`${other}/two.ts`],
    );
    assert.deepEqual(await paths(), []);
    for (const s of [lite, pg]) assert.equal(await s.removeRoot(other), true);
    for (const s of [lite, pg]) assert.equal(await s.removeRoot(root), true);
  });

  it('a small root written in several runs, between writes of another root, is searched whole in its scope', async () => {
    const small = '/repo/runs-small';
    const big = '/repo/runs-big';
    const files = (prefix: string, n: number, text: string) =>
      Array.from({ length: n }, (_, i) =>
        indexed(`${prefix}${i}.ts`, { chunks: [chunk(`${text} ${prefix}${i} quillword`, 1, null)] }),
      );
    for (const s of [lite, pg]) {
      await s.writeBatch(small, files('a', 5, 'first'));
      await s.writeBatch(big, files('b', 40, 'other'));
      await s.writeBatch(small, files('c', 5, 'second'));
      await s.writeBatch(big, files('d', 40, 'other'));
      await s.writeBatch(small, files('a', 2, 'edited'));
    }
    for (const query of ['quillword', 'quillword second', 'edited quillword nosuchword']) {
      const [a, b] = await both((s) => s.searchText({ query, limit: 50, pathPrefix: small }));
      const paths = (r: typeof a) => r.hits.map((h) => h.path).sort();
      assert.deepEqual(paths(b), paths(a), query);
      assert.ok(a.hits.length > 0 && a.hits.every((h) => h.path.startsWith(`${small}/`)), query);
    }
    const [a] = await both((s) => s.searchText({ query: 'quillword', limit: 50, pathPrefix: small }));
    assert.equal(a.hits.length, 10);
    for (const s of [lite, pg]) {
      assert.equal(await s.removeRoot(small), true);
      assert.equal(await s.removeRoot(big), true);
    }
  });

  it('optimize runs; cleanup removes the same roots and files (last: it removes the synthetic roots)', async () => {
    // The upkeep after an indexing run asks for no VACUUM (SQLite's rewrites the file); PostgreSQL's
    // plain VACUUM blocks nothing and sets the visibility map that index-only scans need, so it runs.
    const raw = new Pool({ connectionString: db!.url, max: 1 });
    const vacuumedAt = async () =>
      (
        await raw.query<{ t: Date | null }>(
          "SELECT last_vacuum AS t FROM pg_stat_user_tables WHERE relname = 'symbols'",
        )
      ).rows[0]!.t;
    try {
      const before = await vacuumedAt();
      assert.equal((await pg.optimize({ vacuum: false })).vacuumed, true);
      // The statistics collector reports a VACUUM a moment later.
      let after = await vacuumedAt();
      for (let i = 0; i < 50 && (after === null || after.getTime() === before?.getTime()); i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await vacuumedAt();
      }
      assert.ok(after !== null && after.getTime() !== before?.getTime(), 'symbols vacuumed');
    } finally {
      await raw.end();
    }
    const o = await pg.optimize();
    assert.equal(o.vacuumed, true);
    assert.ok(o.pages > 0);
    const [dryA, dryB] = await both((s) => s.cleanup({ days: 30, dryRun: true }));
    assert.deepEqual(dryB, dryA);
    assert.ok(dryA.deletedRoots.includes(SYN), 'a root whose directory does not exist is stale');
    assert.ok(!dryA.deletedRoots.includes(REAL));
    const [ra, rb] = await both((s) => s.cleanup({ days: 30, dryRun: false }));
    assert.deepEqual(rb, ra);
    const [la, lb] = await both((s) => s.listRoots());
    assert.deepEqual(
      lb.map((r) => r.path),
      la.map((r) => r.path),
    );
    assert.deepEqual(
      la.map((r) => r.path),
      [LANGS, REAL].sort(),
    );
    await assert.rejects(pg.cleanup({ days: -1, dryRun: true }), (err: unknown) =>
      isCodeindexError(err, 'INVALID_PAYLOAD'),
    );
  });
});

describe('PostgreSQL store: write semantics', { skip }, () => {
  let store: IndexStore;
  let pool: Pool;
  let t = T0;
  const ROOT = '/repo/semantics';
  const chunkRows = async (path: string) =>
    (
      await pool.query<{ id: string; hash: string; start_line: number }>(
        `SELECT c.id, c.hash, c.start_line FROM chunks c JOIN files f ON f.id = c.file_id
         WHERE f.path = $1 ORDER BY c.start_line`,
        [path],
      )
    ).rows;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);

  before(async () => {
    store = openPgStore(db!.url, { now: () => t });
    pool = new Pool({ connectionString: db!.url, max: 1 });
  });
  after(async () => {
    await store?.close();
    await pool?.end();
  });

  it('re-indexing keeps the ids of unchanged chunks and replaces changed ones', async () => {
    const kept = chunk('function stays() { return 1; }', 1, 'stays');
    await store.writeBatch(ROOT, [
      indexed('src/a.ts', {
        symbols: [sym('stays'), sym('goes')],
        chunks: [kept, chunk('function goes() { return oldMarker; }', 5, 'goes')],
      }),
    ]);
    const before1 = await chunkRows('src/a.ts');
    assert.equal(before1.length, 2);
    const movedKept = { ...kept, startLine: 3, endLine: 3 };
    const r = await store.writeBatch(ROOT, [
      indexed('src/a.ts', {
        symbols: [sym('stays', 'function', { startLine: 3 })],
        chunks: [movedKept, chunk('function arrives() { return newMarker; }', 9, 'arrives')],
      }),
    ]);
    assert.deepEqual(r, { files: 1, removed: 0, symbols: 1, refs: 0, chunks: 2 });
    const after1 = await chunkRows('src/a.ts');
    assert.equal(after1.length, 2);
    assert.equal(
      after1[0]!.id,
      before1.find((c) => c.hash === kept.hash)!.id,
      'unchanged chunk keeps its id',
    );
    assert.equal(after1[0]!.start_line, 3, 'and moves to its new lines');
    assert.ok(!before1.some((c) => c.id === after1[1]!.id), 'a changed chunk gets a new id');
    assert.equal(await count("SELECT count(*) AS n FROM symbols WHERE name = 'goes'"), 0);
    // The document follows the content: the old chunk's words are gone, the new ones found.
    assert.equal(
      await count("SELECT count(*) AS n FROM chunks WHERE document @@ to_tsquery('codeindex', 'oldMarker')"),
      0,
    );
    assert.equal(
      await count("SELECT count(*) AS n FROM chunks WHERE document @@ to_tsquery('codeindex', 'newmarker')"),
      1,
    );
    // camelCase parts are searchable too (weight B).
    assert.equal(
      await count("SELECT count(*) AS n FROM chunks WHERE document @@ to_tsquery('codeindex', 'arrive')"),
      1,
    );
  });

  it('the last write of a path in a batch wins, and removals come first', async () => {
    const r = await store.writeBatch(
      ROOT,
      [
        indexed('src/b.ts', { symbols: [sym('firstVersion')] }),
        indexed('src/b.ts', { symbols: [sym('secondVersion')], chunks: [chunk('secondVersion()')] }),
      ],
      ['src/b.ts'],
    );
    assert.deepEqual(r, { files: 1, removed: 0, symbols: 1, refs: 0, chunks: 1 });
    assert.equal(await count("SELECT count(*) AS n FROM symbols WHERE name = 'firstVersion'"), 0);
    assert.equal(await count("SELECT count(*) AS n FROM symbols WHERE name = 'secondVersion'"), 1);
    const again = await store.writeBatch(
      ROOT,
      [indexed('src/b.ts', { symbols: [sym('third')] })],
      ['src/b.ts'],
    );
    assert.equal(again.removed, 1, 'the removal of an existing path is counted');
    assert.equal((await store.getFileState(ROOT, 'src/b.ts'))?.status, 'indexed');
  });

  it('removal cascades to symbols, refs, imports and chunks and bumps the chunks version', async () => {
    await store.writeBatch(ROOT, [
      indexed('gone/c.ts', {
        symbols: [sym('cSym')],
        refs: [ref('cRef', 1)],
        imports: [{ source: 'x', names: ['y'], line: 1 }],
        chunks: [chunk('cSym(cRef)')],
      }),
    ]);
    const version = (await store.listRoots()).find((x) => x.path === ROOT)!.chunksVersion;
    assert.equal(await store.removeFiles(ROOT, ['gone/c.ts']), 1);
    assert.equal((await store.listRoots()).find((x) => x.path === ROOT)!.chunksVersion, version + 1);
    for (const table of ['symbols', 'refs', 'imports', 'chunks']) {
      assert.equal(
        await count(`SELECT count(*) AS n FROM ${table} WHERE file_id NOT IN (SELECT id FROM files)`),
        0,
        table,
      );
    }
    assert.equal(await count("SELECT count(*) AS n FROM refs WHERE name = 'cRef'"), 0);
    assert.equal(await store.removeFiles(ROOT, ['gone/c.ts']), 0);
    assert.equal(await store.removeFiles('/repo/never', ['x.ts']), 0);
  });

  it('a bad path rolls the whole batch back', async () => {
    const before2 = await count('SELECT count(*) AS n FROM files');
    await assert.rejects(
      store.writeBatch(ROOT, [indexed('ok.ts'), indexed('../escape.ts')]),
      (err: unknown) => isCodeindexError(err, 'INVALID_PAYLOAD'),
    );
    assert.equal(await count('SELECT count(*) AS n FROM files'), before2);
  });

  it('a read-only store answers queries and refuses writes', async () => {
    await store.writeBatch(ROOT, [indexed('ro.ts', { symbols: [sym('readOnlyProbe')] })]);
    const ro = openPgStore(db!.url, { readonly: true });
    try {
      assert.equal(ro.readonly, true);
      assert.ok(!ro.dbPath.includes('password'));
      const r = await ro.searchSymbols({ query: 'readOnlyProbe', limit: 5 });
      assert.deepEqual(
        r.hits.map((h) => h.path),
        [`${ROOT}/ro.ts`],
      );
      await assert.rejects(ro.writeBatch(ROOT, [indexed('x.ts')]), (err: unknown) =>
        isCodeindexError(err, 'INTERNAL'),
      );
      await assert.rejects(ro.removeRoot(ROOT), (err: unknown) => isCodeindexError(err, 'INTERNAL'));
    } finally {
      await ro.close();
      await ro.close();
    }
  });

  it('concurrent writers of overlapping names and paths all commit', async () => {
    const writers = [0, 1, 2].map(() => openPgStore(db!.url, { maxConnections: 2 }));
    try {
      const shared = ['alphaShared', 'betaShared', 'gammaShared', 'deltaShared'];
      const batches = writers.map((_, w) =>
        Array.from({ length: 20 }, (_, i) =>
          indexed(`conc/f${(i + w * 7) % 30}.ts`, {
            symbols: (w % 2 === 0 ? shared : [...shared].reverse()).map((n, k) => sym(`${n}${k}`)),
            chunks: [chunk(`writer ${w} file ${i}`)],
          }),
        ),
      );
      const results = await Promise.all(writers.map((s, w) => s.writeBatch(ROOT, batches[w]!)));
      assert.deepEqual(
        results.map((r) => r.files),
        [20, 20, 20],
      );
      const states = await store.getFileStates(ROOT);
      assert.equal([...states.keys()].filter((p) => p.startsWith('conc/')).length, 30);
      const names = new Set(
        batches.flatMap((b) => b.flatMap((w) => w.extraction!.symbols.map((x) => x.name))),
      );
      assert.equal(names.size, 8);
      assert.equal(
        await count("SELECT count(*) AS n FROM symbol_names WHERE name LIKE '%Shared%'"),
        names.size,
      );
      assert.equal(
        await count(
          "SELECT count(*) AS n FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path LIKE 'conc/%'",
        ),
        30 * 4,
        'each file holds the symbols of exactly one write',
      );
    } finally {
      await Promise.all(writers.map((s) => s.close()));
    }
  });

  it('generations, touchQueried throttling and removeRoot', async () => {
    t = T0 + 1000;
    assert.equal(await store.completeGeneration(ROOT), 1);
    assert.equal(await store.completeGeneration(ROOT), 2);
    await store.touchQueried(ROOT);
    let row = (await store.listRoots()).find((x) => x.path === ROOT)!;
    assert.equal(row.lastIndexedAt, T0 + 1000);
    assert.equal(row.lastQueriedAt, T0 + 1000);
    t += 30_000;
    await store.touchQueried(ROOT);
    row = (await store.listRoots()).find((x) => x.path === ROOT)!;
    assert.equal(row.lastQueriedAt, T0 + 1000, 'at most once a minute');
    t += 60_000;
    await store.touchQueried(ROOT);
    row = (await store.listRoots()).find((x) => x.path === ROOT)!;
    assert.equal(row.lastQueriedAt, t);
    assert.equal(await store.removeRoot(ROOT), true);
    assert.equal(await store.removeRoot(ROOT), false);
    assert.deepEqual(await store.rootStatus(ROOT), []);
    assert.equal(
      await count('SELECT count(*) AS n FROM chunks WHERE file_id NOT IN (SELECT id FROM files)'),
      0,
    );
    assert.equal(
      await count('SELECT count(*) AS n FROM files WHERE root_id NOT IN (SELECT id FROM roots)'),
      0,
    );
  });
});
