import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { embeddingModelName } from '../../src/embeddings/model.js';
import { openIndexAt } from '../../src/store/index.js';
import type { IndexStore, StoredVector } from '../../src/store/types.js';
import { CLI, copyFixture, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { createTestDatabase, type TestDatabase } from '../store/helpers/pg.js';

// Created before the tests are declared: whether they run depends on it.
const db: TestDatabase | null = await createTestDatabase();
const skip = db === null ? 'no PostgreSQL at 127.0.0.1:5432 (set CODEINDEX_TEST_PG_URL)' : false;

/** The model the test environment embeds with (the hashed bag of words: instant). */
const MODEL = embeddingModelName({ provider: 'local', model: 'local-hash' });

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Summary {
  target: string;
  model: string | null;
  roots: {
    root: string;
    outcome: string;
    note?: string;
    files: { indexed: number; skipped: number; failed: number };
    symbols: number;
    chunks: number;
    vectors_copied: number;
    vectors_to_embed: number;
  }[];
  totals: Record<string, number>;
}

function migrate(env: Record<string, string>, args: string[] = []) {
  const r = run(['migrate-store', '--to', db!.url, '--json', ...args], env);
  return { ...r, summary: r.stdout ? (JSON.parse(r.stdout) as Summary) : null };
}

/** Every stored vector of a root, in (hash, model) order, page by page. */
async function allVectors(store: IndexStore, root: string): Promise<StoredVector[]> {
  const out: StoredVector[] = [];
  for (;;) {
    const last = out[out.length - 1];
    const page = await store.vectorsOfRoot(root, 50, last && { hash: last.hash, model: last.model });
    if (page.length === 0) return out;
    out.push(...page);
  }
}

/**
 * What an index answers about some roots, in a comparable form: file states, every outline, root
 * status, and symbol search and references for every name those outlines hold.
 */
async function answers(store: IndexStore, roots: readonly string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const names = new Set<string>();
  for (const root of roots) {
    const states = [...(await store.getFileStates(root)).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    out[`files ${root}`] = states;
    for (const [rel, s] of states) {
      if (s.status !== 'indexed') continue;
      const outline = await store.fileOutline(join(root, rel));
      out[`outline ${root}/${rel}`] = outline;
      for (const h of outline ?? []) names.add(h.name);
    }
    const [status] = await store.rootStatus(root);
    // The generation counts runs on each engine; when they ran differs too.
    const { generation: _g, lastIndexedAt: _t, ...rest } = status ?? ({} as Record<string, unknown>);
    out[`status ${root}`] = rest;
  }
  for (const name of [...names].sort()) {
    out[`symbols ${name}`] = await store.searchSymbols({ query: name, limit: 20 });
    out[`refs ${name}`] = await store.findReferences({ symbol: name, limit: 50 });
  }
  return out;
}

function assertSameVectors(actual: StoredVector[], expected: StoredVector[], what: string): void {
  assert.deepEqual(
    actual.map((v) => `${v.hash} ${v.model} ${v.dims}`),
    expected.map((v) => `${v.hash} ${v.model} ${v.dims}`),
    what,
  );
  for (const [i, e] of expected.entries()) {
    const a = actual[i]!.vector;
    // Written again through upsertVectors, which normalises: the floats may differ in the last bit.
    const diff = e.vector.reduce((m, x, j) => Math.max(m, Math.abs(x - a[j]!)), 0);
    assert.ok(diff < 1e-6, `${what}: vector ${e.hash} differs by ${diff}`);
  }
}

/** The semantic search answer without chunk ids (each engine numbers its chunks). */
function withoutChunkIds(json: string): unknown {
  return JSON.parse(json, (key, value) => (key === 'chunkId' ? undefined : value));
}

describe('codeindex migrate-store: a SQLite index moved to PostgreSQL answers the same', { skip }, () => {
  let env: TestEnv;
  let langs: string;
  let relevance: string;
  let gone: string;
  let source: IndexStore;
  let sourceAnswers: Record<string, unknown>;
  const sourceVectors = new Map<string, StoredVector[]>();
  let firstTotals: Record<string, number> = {};

  before(async () => {
    // SQLite, whatever engine the other end-to-end tests run on.
    env = makeTestEnv({ CODEINDEX_DATABASE_URL: '' });
    langs = copyFixture('langs', env.tmp);
    relevance = copyFixture('relevance', env.tmp);
    gone = join(env.tmp, 'gone');
    mkdirSync(gone);
    writeFileSync(join(gone, 'lost.py'), 'def lost_function():\n    return 1\n');
    for (const root of [langs, relevance, gone]) {
      const r = run(['index', root, '--workers', '1'], env.env);
      assert.equal(r.code, 0, r.stderr);
    }
    // `index` stops its workers when the run ends; embedding jobs still queued run here.
    const sqlite = openIndexAt(join(env.home, 'index.db'), { readonly: true });
    const pending = async () => {
      let n = 0;
      for (const root of [langs, relevance, gone]) n += (await sqlite.vectorCoverage(root, MODEL)).pending;
      return n;
    };
    if ((await pending()) > 0) {
      const worker = spawn(process.execPath, [CLI, 'worker', '--queues', 'embeddings'], {
        env: env.env,
        stdio: 'ignore',
      });
      try {
        const deadline = Date.now() + 90_000;
        while ((await pending()) > 0) {
          if (Date.now() > deadline) throw new Error(`embeddings not done: ${await pending()} pending`);
          await sleep(200);
        }
      } finally {
        const exited = new Promise((r) => worker.once('exit', r));
        worker.kill('SIGTERM');
        await exited;
      }
    }
    await sqlite.close();
    rmSync(gone, { recursive: true, force: true });
    source = openIndexAt(join(env.home, 'index.db'), { readonly: true });
    sourceAnswers = await answers(source, [langs, relevance]);
    for (const root of [langs, relevance]) sourceVectors.set(root, await allVectors(source, root));
  });
  after(async () => {
    await source?.close();
    await env?.cleanup();
    await db?.drop();
  });

  test('every root whose directory exists is moved with its vectors; a gone one is reported and left out', async () => {
    const r = migrate(env.env);
    assert.equal(r.code, 1, `a root was left out, so not a clean exit: ${r.stderr}`);
    const s = r.summary!;
    firstTotals = s.totals;
    assert.equal(s.model, MODEL);
    assert.deepEqual(
      s.roots.map((x) => [x.root, x.outcome]),
      [
        [langs, 'moved'],
        [relevance, 'moved'],
        [gone, 'missing'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    const goneLines = r.stderr.split('\n').filter((l) => l.includes(gone));
    assert.deepEqual(goneLines, [
      `codeindex migrate-store: ${gone}: the directory is gone, so it cannot be indexed again; left out (the SQLite index keeps it)`,
    ]);
    for (const root of [langs, relevance]) {
      const m = s.roots.find((x) => x.root === root)!;
      const vectors = sourceVectors.get(root)!;
      assert.ok(vectors.length > 20, `${root}: ${vectors.length} vectors in SQLite`);
      assert.equal(m.vectors_copied, vectors.length, root);
      assert.equal(m.vectors_to_embed, 0, root);
      assert.ok(m.symbols > 0 && m.chunks > 0 && m.files.indexed > 5, JSON.stringify(m));
    }
    assert.equal(s.totals.roots_moved, 2);
    assert.equal(s.totals.roots_left_out, 1);
    assert.equal(
      s.totals.vectors_copied,
      sourceVectors.get(langs)!.length + sourceVectors.get(relevance)!.length,
    );

    // The moved index has planner statistics (reltuples stays 0 or -1 until an ANALYZE): without
    // them PostgreSQL planned searches over a large fresh index 100x slower until autovacuum came by.
    const pg = new Client({ connectionString: db!.url });
    await pg.connect();
    try {
      const stats = await pg.query<{ relname: string; reltuples: number }>(
        "SELECT relname, reltuples FROM pg_class WHERE relname IN ('symbols', 'chunks', 'refs', 'files') ORDER BY relname",
      );
      assert.equal(stats.rows.length, 4);
      for (const r of stats.rows) assert.ok(r.reltuples > 0, `${r.relname}: reltuples ${r.reltuples}`);
    } finally {
      await pg.end();
    }

    const target = openIndexAt(db!.url);
    try {
      assert.deepEqual((await target.listRoots()).map((x) => x.path).sort(), [langs, relevance].sort());
      const moved = await answers(target, [langs, relevance]);
      assert.deepEqual(Object.keys(moved).sort(), Object.keys(sourceAnswers).sort());
      for (const key of Object.keys(sourceAnswers)) assert.deepEqual(moved[key], sourceAnswers[key], key);
      assert.ok(Object.keys(sourceAnswers).filter((k) => k.startsWith('symbols ')).length > 100);
      for (const root of [langs, relevance]) {
        assertSameVectors(await allVectors(target, root), sourceVectors.get(root)!, root);
        assert.deepEqual(await target.vectorCoverage(root, MODEL), await source.vectorCoverage(root, MODEL));
      }
    } finally {
      await target.close();
    }
  });

  test('with CODEINDEX_DATABASE_URL set, the command line answers as it did from SQLite', () => {
    const pgEnv = { ...env.env, CODEINDEX_DATABASE_URL: db!.url };
    for (const args of [
      ['search', 'UserRepository'],
      ['search', 'normalize_name', '--json'],
      ['search', '--code', 'normalize the user name', '--mode', 'semantic', '--json'],
      ['search', '--code', 'read the configuration file', '--mode', 'semantic', '--json'],
    ]) {
      const a = run(args, env.env);
      const b = run(args, pgEnv);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.ok(a.stdout.length > 20, `${args.join(' ')}: ${a.stdout}`);
      if (args.includes('semantic')) {
        // Same files, chunks, scores and snippets: the vectors moved as they were.
        assert.equal(JSON.parse(b.stdout).mode, 'semantic');
        assert.deepEqual(withoutChunkIds(b.stdout), withoutChunkIds(a.stdout), args.join(' '));
      } else assert.equal(b.stdout, a.stdout, args.join(' '));
    }
  });

  test('running it again: without --force each present root is refused in one line; with --force the target is the same', async () => {
    const snapshot = async () => {
      const target = openIndexAt(db!.url);
      try {
        return {
          answers: await answers(target, [langs, relevance]),
          vectors: await allVectors(target, langs),
          roots: (await target.listRoots()).map((x) => x.path).sort(),
        };
      } finally {
        await target.close();
      }
    };
    const before = await snapshot();
    const refused = migrate(env.env);
    assert.equal(refused.code, 1);
    for (const root of [langs, relevance]) {
      const lines = refused.stderr.split('\n').filter((l) => l.includes(root));
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0]!, /already holds it; left as it is \(--force replaces it\)$/);
    }
    assert.deepEqual(refused.summary!.roots.map((x) => x.outcome).sort(), ['missing', 'present', 'present']);
    assert.equal(refused.summary!.totals.vectors_copied, 0);
    assert.deepEqual(await snapshot(), before);

    const again = migrate(env.env, ['--force']);
    assert.equal(again.code, 1, again.stderr);
    assert.deepEqual(again.summary!.totals, firstTotals);
    const after = await snapshot();
    assert.deepEqual(after.roots, before.roots);
    for (const key of Object.keys(before.answers))
      assert.deepEqual(after.answers[key], before.answers[key], key);
    assertSameVectors(after.vectors, before.vectors, 'vectors after a second run');
  });

  test('--root moves one root; chunks without a vector for the configured model are counted as left to embed', async () => {
    // Another configured model: the copied vectors are of the model they were made with.
    const other = { ...env.env, CODEINDEX_EMBEDDINGS_MODEL: 'local-hash', CODEINDEX_EMBEDDINGS_DIMS: '64' };
    const r = migrate(other, ['--root', relevance, '--force']);
    assert.equal(r.code, 0, r.stderr);
    const [m] = r.summary!.roots;
    assert.equal(r.summary!.roots.length, 1);
    assert.equal(m!.root, relevance);
    assert.equal(r.summary!.model, embeddingModelName({ provider: 'local', model: 'local-hash', dims: 64 }));
    assert.equal(m!.vectors_copied, sourceVectors.get(relevance)!.length);
    const coverage = await source.vectorCoverage(relevance, MODEL);
    assert.equal(m!.vectors_to_embed, coverage.embedded + coverage.pending);
    assert.ok(m!.vectors_to_embed > 0);
    const text = run(['migrate-store', '--to', db!.url, '--root', relevance, '--force'], other);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /left to embed \(local-hash-v1-64\)/);
    assert.match(text.stdout, /codeindex index <root> once per root queues the chunks left to embed/);
  });

  test('errors are one line and a non-zero exit: PostgreSQL unreachable, a bad URL, no SQLite index, an unknown root', () => {
    const down = run(['migrate-store', '--to', 'postgres://postgres:secret@127.0.0.1:1/codeindex'], env.env);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /^codeindex migrate-store: STORE_UNAVAILABLE: PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/codeindex is not usable \(.*ECONNREFUSED.*\): start it or fix --to, then call again\n$/,
    );
    assert.equal(down.stdout, '');

    const bad = run(['migrate-store', '--to', 'mysql://localhost/db'], env.env);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'codeindex migrate-store: --to takes a URL postgres://user@host:5432/db, not mysql://localhost/db\n',
    );

    const none = run(['migrate-store'], env.env);
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /^codeindex migrate-store: give the database to move the index to: --to postgres:/,
    );

    const empty = run(['migrate-store', '--to', db!.url], {
      ...env.env,
      CODEINDEX_HOME: join(env.tmp, 'empty'),
    });
    assert.equal(empty.code, 1);
    assert.equal(
      empty.stderr,
      `codeindex migrate-store: no SQLite index at ${join(env.tmp, 'empty', 'index.db')}: nothing to move (--home or CODEINDEX_HOME names the data dir that holds it)\n`,
    );

    const unknown = run(['migrate-store', '--to', db!.url, '--root', join(env.tmp, 'elsewhere')], env.env);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^codeindex migrate-store: \S+elsewhere is not a root of the SQLite index at .*\(it holds: /,
    );
    assert.equal(unknown.stderr.trim().split('\n').length, 1);
  });
});
