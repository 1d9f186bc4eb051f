import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { embeddingDocumentText } from '../../src/embeddings/embed-text.js';
import { createExtractor } from '../../src/indexer/index.js';
import { openIndexStore } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { FileWrite } from '../../src/store/types.js';
import { tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
after(tmp.cleanup);

/** A 120-line method whose later lines say what it does only through its name and docstring. */
const SOURCE = [
  'class Scheduler:',
  '    def requeue_stalled_jobs(self, now):',
  '        """Moves jobs whose lock expired back to the waiting list."""',
  ...Array.from({ length: 100 }, (_, i) => `        step_${i} = self.tick(${i})`),
  '        lease_deadline = now - self.lock_duration',
  ...Array.from({ length: 15 }, (_, i) => `        tail_${i} = self.tick(${i})`),
  '        return lease_deadline',
  '',
].join('\n');

function write(path: string, text: string): FileWrite {
  const extraction = createExtractor().extractFile(text, 'python');
  return {
    path,
    language: 'python',
    size: text.length,
    mtimeMs: 1,
    sha256: createHash('sha256').update(text).digest('hex'),
    status: 'indexed',
    extraction,
  };
}

test('a later window of a long method is found by the method name and embedded with its purpose', async () => {
  const store = openIndexStore(join(tmp.dir, 'context.db'));
  try {
    await store.writeBatch('/repo', [write('jobs/scheduler.py', SOURCE)]);
    // `lease_deadline` is only in the method's last window; `requeue_stalled_jobs` only in its first.
    const hits = (await store.searchText({ query: 'requeue_stalled_jobs lease_deadline', limit: 5 })).hits;
    assert.ok(hits.length > 0, 'no hit');
    assert.equal(hits[0]?.symbol, 'Scheduler.requeue_stalled_jobs');
    assert.ok((hits[0]?.startLine ?? 0) > 3, `the later window ranks first, got line ${hits[0]?.startLine}`);
    const later = (await store.chunksMissingVectors('/repo', 'm', 10)).find(
      (c) => c.symbol === 'Scheduler.requeue_stalled_jobs' && !c.content.includes('def '),
    );
    assert.ok(later, 'the later window is waiting for a vector');
    assert.match(
      later.context,
      /^Scheduler\.requeue_stalled_jobs\ndef requeue_stalled_jobs\(self, now\)\nMoves jobs/,
    );
    const text = embeddingDocumentText(later);
    assert.match(
      text,
      /^jobs scheduler: Scheduler\.requeue stalled jobs\. def requeue stalled jobs\(self, now\) Moves jobs whose lock expired/,
    );
  } finally {
    await store.close();
  }
});

test('v3 -> v4 adds chunk context and marks every indexed file as changed, so the next run re-extracts it', async () => {
  const dbPath = join(tmp.dir, 'v3.db');
  const raw = new Database(dbPath);
  raw.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.filter((x) => x.version <= 3)) m.up(raw);
  raw.pragma('user_version = 3');
  raw.exec(`
    INSERT INTO roots (id, path, created_at) VALUES (1, '/repo', 0);
    INSERT INTO files (id, root_id, path, language, size, mtime_ms, sha256, indexed_at, status, chunk_count)
      VALUES (1, 1, 'a.py', 'python', 10, 5, 'abc', 0, 'indexed', 1),
             (2, 1, 'b.bin', NULL, 10, 5, NULL, 0, 'skipped', 0);
    INSERT INTO chunks (id, file_id, start_line, end_line, symbol, kind, content, hash)
      VALUES (7, 1, 1, 2, 'a', 'symbol', 'def a(): pass', 'ha');
  `);
  raw.close();
  await openIndexStore(dbPath).close();
  const db = new Database(dbPath, { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT context FROM chunks WHERE id = 7').pluck().all(), ['']);
    assert.deepEqual(db.prepare('SELECT path, mtime_ms, sha256 FROM files ORDER BY id').all(), [
      { path: 'a.py', mtime_ms: -1, sha256: '' },
      // A v3 index records no extractor version either: skipped files are looked at again too
      // (their recorded mtime negated: -5 - 1).
      { path: 'b.bin', mtime_ms: -6, sha256: null },
    ]);
  } finally {
    db.close();
  }
});
