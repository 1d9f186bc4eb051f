import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openIndexStore, SCHEMA_VERSION } from '../../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);
const WRITER = fileURLToPath(new URL('./helpers/concurrent-writer.js', import.meta.url));

interface Window {
  start: number;
  end: number;
}

/** Forks a writer; `ready` resolves once it has opened the database, `done` with its write window. */
function runWriter(args: string[]): { ready: Promise<void>; go(): void; done: Promise<Window> } {
  const child = fork(WRITER, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let window: Window | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const done = new Promise<Window>((resolve, reject) => {
    child.on('message', (m) => {
      if ((m as { ready?: boolean }).ready) markReady();
      else window = m as Window;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && window !== undefined
        ? resolve(window)
        : reject(new Error(`writer ${args[2]} exited with ${code}`)),
    );
  });
  return { ready: Promise.race([ready, done.then(() => {})]), go: () => child.send('go'), done };
}

test('several processes write the same database at once without losing or duplicating rows', async () => {
  const dbPath = join(tmp.dir, 'concurrent.db');
  const root = '/repo';
  const WRITERS = 4;
  const BATCHES = 30;
  const FILES = 40;
  // No process creates the schema first: the writers race on the migration too.
  const writers = Array.from({ length: WRITERS }, (_, i) =>
    runWriter([dbPath, root, String(i), String(BATCHES), String(FILES)]),
  );
  await Promise.all(writers.map((w) => w.ready));
  for (const w of writers) w.go();
  const windows = await Promise.all(writers.map((w) => w.done));
  // The writers really ran at the same time (their write loops overlap).
  const latestStart = Math.max(...windows.map((w) => w.start));
  const earliestEnd = Math.min(...windows.map((w) => w.end));
  assert.ok(latestStart < earliestEnd, `writers did not overlap: ${JSON.stringify(windows)}`);

  const db = new Database(dbPath, { readonly: true });
  const one = (sql: string) => db.prepare(sql).pluck().get() as number;
  const ownFiles = WRITERS * (BATCHES * FILES - (BATCHES - 1));
  assert.equal(one('SELECT count(*) FROM roots'), 1);
  assert.equal(one("SELECT count(*) FROM files WHERE path LIKE 'w%'"), ownFiles);
  assert.equal(one("SELECT count(*) FROM files WHERE path LIKE 'shared/%'"), 5);
  assert.equal(one('SELECT count(*) FROM symbols'), ownFiles * 3 + 5);
  assert.equal(one('SELECT count(*) FROM refs'), ownFiles * 2 + 5);
  assert.equal(one('SELECT count(*) FROM chunks'), ownFiles + 5);
  assert.equal(
    one('SELECT count(*) FROM (SELECT file_id, name FROM symbols GROUP BY 1, 2 HAVING count(*) > 1)'),
    0,
  );
  assert.equal(
    one("SELECT count(*) FROM files WHERE path LIKE 'w%/f0.ts' AND path NOT LIKE 'w_/b29/%'"),
    0,
    'removed files stay removed',
  );
  assert.equal(one('SELECT user_version FROM pragma_user_version'), SCHEMA_VERSION);
  db.close();

  const store = openIndexStore(dbPath, { readonly: true });
  const [status] = await store.rootStatus(root);
  assert.equal(status?.files.indexed, ownFiles + 5);
  assert.equal(status?.symbols, ownFiles * 3 + 5);
  // Each shared file holds exactly one writer's version, and FTS agrees with the chunks.
  for (let f = 0; f < 5; f++) {
    // (The other shared_fN are one edit away: the typo tier lists them after the exact match.)
    const hits = (await store.searchSymbols({ query: `shared_f${f}`, limit: 10 })).hits;
    assert.equal(hits.filter((h) => h.name === `shared_f${f}`).length, 1);
    assert.equal(
      (await store.searchText({ query: `"shared ${f} from"`, limit: 10, pathPrefix: `${root}/shared` })).hits
        .length,
      1,
    );
  }
  assert.equal(
    (await store.searchText({ query: 'writer0', limit: 100, pathPrefix: `${root}/w0/b0` })).hits.length,
    FILES - 1,
  );
  assert.equal(
    (await store.searchText({ query: 'writer0', limit: 100, pathPrefix: `${root}/w0/b29` })).hits.length,
    FILES,
  );
  await store.close();
});
