/**
 * A child process for the multi-process write test: writes `batches` batches of `files` files
 * each (own files plus files every writer shares) into the same database, as fast as it can.
 * Usage: node concurrent-writer.js <dbPath> <root> <writerId> <batches> <files>
 * Without arguments (e.g. picked up by a test runner glob) it does nothing.
 */
import { openIndexStore } from '../../../src/store/index.js';
import { chunk, indexed, ref, sym } from './fixtures.js';

const [dbPath, root, id, batchesArg, filesArg] = process.argv.slice(2);
if (dbPath !== undefined && root !== undefined && id !== undefined) {
  const batches = Number(batchesArg);
  const files = Number(filesArg);
  const store = openIndexStore(dbPath);
  // Ready (schema migrated by whichever writer won that race); the test starts every writer's
  // loop at once, so a slow process start cannot keep the loops from overlapping.
  if (process.send !== undefined) {
    const go = new Promise((resolve) => process.once('message', resolve));
    process.send({ ready: true });
    await go;
  }
  const start = Date.now();
  for (let b = 0; b < batches; b++) {
    const writes = [];
    for (let f = 0; f < files; f++) {
      const name = `w${id}_b${b}_f${f}`;
      writes.push(
        indexed(`w${id}/b${b}/f${f}.ts`, {
          symbols: [sym(`${name}_a`), sym(`${name}_b`, 'class'), sym(`${name}_c`, 'variable')],
          refs: [ref(`${name}_a`, 5), ref('shared', 6)],
          chunks: [chunk(`function ${name}_a() { return writer${id}; }`, 1, `${name}_a`)],
        }),
      );
    }
    // Every writer rewrites the same shared files: the last write wins, with no duplicates.
    for (let f = 0; f < 5; f++) {
      writes.push(
        indexed(`shared/f${f}.ts`, {
          symbols: [sym(`shared_f${f}`, 'function', { signature: `writer ${id} batch ${b}` })],
          refs: [ref('sharedRef', 1)],
          chunks: [chunk(`shared ${f} from writer ${id}`)],
        }),
      );
    }
    // Remove one file of the previous batch, so removals interleave with inserts.
    const removals = b > 0 ? [`w${id}/b${b - 1}/f0.ts`] : [];
    await store.writeBatch(root, writes, removals);
  }
  await store.close();
  process.send?.({ start, end: Date.now() });
}
