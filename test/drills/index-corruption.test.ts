import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CLI, callTool, copyFixture, makeTestEnv, startMcpClient, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

type Mcp = Awaited<ReturnType<typeof startMcpClient>>;

/** What a user asks for, as comparable text: every symbol of the fixture repository by name. */
async function answers(mcp: Mcp, repo: string): Promise<string[]> {
  const out: string[] = [];
  for (const q of ['User', 'parse', 'Server', 'main', 'helper']) {
    const r = await callTool<{ symbols: { name: string; path: string; line: number }[] }>(
      mcp.client,
      'search_symbols',
      {
        query: q,
        limit: 50,
      },
    );
    for (const h of r.symbols) out.push(`${q} ${h.name} ${h.path.slice(repo.length)}:${h.line}`);
  }
  return out.sort();
}

/** Calls search_symbols until its answers equal `want`; the errors seen on the way, and the time it took. */
async function recover(mcp: Mcp, repo: string, want: string[]): Promise<{ errors: string[]; ms: number }> {
  const t0 = Date.now();
  const errors: string[] = [];
  await waitFor(
    'the answers of a clean index',
    async () => {
      const r = await mcp.client.callTool({
        name: 'search_symbols',
        arguments: { query: 'User', limit: 50 },
      });
      if (r.isError) {
        const text = (r.content as { text: string }[])[0]!.text;
        if (errors.at(-1) !== text) errors.push(text);
        return null;
      }
      const got = await answers(mcp, repo).catch(() => null);
      return got && JSON.stringify(got) === JSON.stringify(want) ? true : null;
    },
    90_000,
    200,
  );
  return { errors, ms: Date.now() - t0 };
}

function corruptFiles(home: string): string[] {
  return readdirSync(home).filter((f) => f.startsWith('index.db.corrupt-') && !/-(wal|shm)$/.test(f));
}

/** Writes every page back into the database file (as the periodic cleanup does), so damage to the file is what a reader sees. */
function checkpoint(file: string): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

function overwrite(file: string, offset: number, length: number): void {
  checkpoint(file);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(length, 0xab), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Drill: the index file is damaged while codeindex is not running (a bad disk, a copy cut short, an
 * editor that opened it): its header, a page in the middle, or the tail of its write-ahead log.
 * Nothing may loop or hang: the damage is found (at open, during a query, or by `codeindex
 * doctor`), the file is set aside and the index rebuilt from the sources, the user reads one line
 * saying so, and the answers equal a clean index's. A torn WAL tail is normal after a crash: no
 * alarm, nothing committed lost.
 */
describe('drill: a damaged index file', () => {
  let env: TestEnv;
  let repo: string;
  let want: string[];
  const path = () => join(env.home, 'index.db');
  const serve = () =>
    startMcpClient({ ...env.env, CODEINDEX_ROOTS: repo, CODEINDEX_WATCH: 'false' }, ['--workers', '1']);

  before(async () => {
    env = makeTestEnv({ CODEINDEX_EMBEDDINGS: 'off' });
    repo = copyFixture('langs', env.tmp);
    const mcp = await serve();
    try {
      const r = await callTool(mcp.client, 'index_repository', { path: repo, wait: true, wait_seconds: 120 });
      assert.equal(r.state, 'SUCCESS', JSON.stringify(r));
      want = await answers(mcp, repo);
      assert.ok(want.length >= 5, JSON.stringify(want));
    } finally {
      await mcp.close();
    }
  });
  after(async () => {
    await env?.cleanup();
  });

  test('a damaged header: the worker sets the file aside at start and the roots are indexed again', async () => {
    overwrite(path(), 0, 100);
    const mcp = await serve();
    try {
      const { errors, ms } = await recover(mcp, repo, want);
      for (const e of errors) assert.match(e, /^INDEX_CORRUPT: .*rebuilt from the sources/, e);
      assert.equal(corruptFiles(env.home).length, 1);
      assert.match(
        mcp.stderr(),
        /index file damaged \(file is not a database\); moved to .*index\.db\.corrupt-/,
      );
      process.stderr.write(
        `index-corruption drill: header: answers back ${ms} ms after start; user saw ${JSON.stringify(errors)}\n`,
      );
    } finally {
      await mcp.close();
    }
  });

  test('a damaged page in the middle: doctor finds it, a query says INDEX_CORRUPT once, and the index is rebuilt', async () => {
    checkpoint(path());
    const db = new Database(path(), { readonly: true });
    // Every leaf page but the schema's, the roots' and `meta`'s (read when a process opens the
    // index, so damage there is found at start, as a damaged header is), past each page's header
    // (the cells are garbage).
    const pages = (
      db
        .prepare(
          "SELECT pageno FROM dbstat WHERE pagetype = 'leaf' AND name NOT IN ('sqlite_schema', 'sqlite_master', 'roots', 'meta') AND name NOT LIKE 'sqlite_autoindex_roots%'",
        )
        .all() as {
        pageno: number;
      }[]
    ).map((p) => p.pageno);
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.close();
    assert.ok(pages.length > 0 && pages.every((p) => p > 1));
    for (const p of pages) overwrite(path(), (p - 1) * pageSize + 16, pageSize - 32);

    const doctor = spawnSync(process.execPath, [CLI, 'doctor'], {
      env: env.env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(doctor.status, 1, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /^index: DAMAGED \(/m);
    assert.match(doctor.stdout, /run codeindex doctor --repair/);

    const before = corruptFiles(env.home).length;
    const mcp = await serve();
    try {
      const first = await mcp.client.callTool({
        name: 'search_symbols',
        arguments: { query: 'User', limit: 50 },
      });
      assert.equal(first.isError, true, 'the damaged page is read by the query');
      const line = (first.content as { text: string }[])[0]!.text;
      assert.match(
        line,
        /^INDEX_CORRUPT: the index file .* is damaged \(.*\); it was moved to .* and is being rebuilt from the sources/,
      );
      assert.equal(line.split('\n').length, 1);
      const { errors, ms } = await recover(mcp, repo, want);
      for (const e of errors) assert.match(e, /^INDEX_CORRUPT: .*rebuilt from the sources/, e);
      assert.equal(corruptFiles(env.home).length, before + 1);
      process.stderr.write(
        `index-corruption drill: data page: answers back ${ms} ms after the first INDEX_CORRUPT\n`,
      );
    } finally {
      await mcp.close();
    }
    const ok = spawnSync(process.execPath, [CLI, 'doctor'], {
      env: env.env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(ok.stdout, /^index: ok \(/m, ok.stdout + ok.stderr);
  });

  test('doctor --repair: a damaged header is set aside and the roots are indexed again by the command', async () => {
    overwrite(path(), 0, 100);
    const before = corruptFiles(env.home).length;
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--repair', '--workers', '1'], {
      env: env.env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^index: DAMAGED/m);
    assert.match(r.stdout, /moved to .*index\.db\.corrupt-/);
    assert.equal(corruptFiles(env.home).length, before + 1);
    const mcp = await serve();
    try {
      assert.deepEqual(await answers(mcp, repo), want);
    } finally {
      await mcp.close();
    }
  });

  test('a torn WAL tail after a crash: the committed transactions stay, no alarm', () => {
    // A writer commits twice and dies without closing: the WAL keeps both commits.
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(${JSON.stringify(path())});
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      db.prepare('UPDATE roots SET last_queried_at = 111').run();
      db.prepare('UPDATE roots SET last_queried_at = 222').run();
      process.kill(process.pid, 'SIGKILL');
    `;
    spawnSync(process.execPath, ['-e', script], { cwd: join(CLI, '../../..'), encoding: 'utf8' });
    const wal = `${path()}-wal`;
    const size = statSync(wal).size;
    assert.ok(size > 4096, `WAL of ${size} bytes`);
    // The last frame (the second commit) is cut in the middle.
    truncateSync(wal, size - 100);
    assert.ok(readFileSync(wal).length < size);
    const before = corruptFiles(env.home).length;
    const doctor = spawnSync(process.execPath, [CLI, 'doctor'], {
      env: env.env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(doctor.stdout, /^index: ok \(/m, doctor.stdout + doctor.stderr);
    const db = new Database(path(), { readonly: true });
    try {
      const rows = db.prepare('SELECT last_queried_at AS t FROM roots').all() as { t: number }[];
      assert.deepEqual(
        rows.map((r) => r.t),
        [111],
      );
    } finally {
      db.close();
    }
    assert.equal(corruptFiles(env.home).length, before, 'no file was set aside');
  });
});
