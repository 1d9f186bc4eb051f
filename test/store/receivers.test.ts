import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { type IndexStore, openIndexStore } from '../../src/store/index.js';
import type { FileWrite } from '../../src/store/types.js';
import { tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
let store: IndexStore;
const extractor = createExtractor();

function write(path: string, language: LanguageId, text: string): FileWrite {
  return {
    path,
    language,
    size: text.length,
    mtimeMs: 1,
    sha256: createHash('sha256').update(text).digest('hex'),
    status: 'indexed',
    extraction: extractor.extractFile(text, language),
  };
}

const QUEUE = [
  'class Queue:',
  '    def add(self, job):',
  '        return job',
  '',
  '    def retry(self, job):',
  '        return self.add(job)',
  '',
  '',
  'class PriorityQueue(Queue):',
  '    def push(self, job):',
  '        return self.add(job)',
  '',
  '',
  'class Cache:',
  '    def add(self, key):',
  '        return key',
  '',
  '    def put(self, key):',
  '        return self.add(key)',
  '',
].join('\n');

const MAIN = [
  'from z_queue import Cache, Queue',
  '',
  'def main(q):',
  '    q.add(1)',
  '    Cache.add(None, 2)',
  '    Queue.add(q, 3)',
  '    return Backoffs.calculate(4)',
  '',
].join('\n');

const TS = [
  "import { Queue } from './queue';",
  'export class Worker {',
  '  add(job: string) { return job; }',
  '  run(q: Queue) {',
  '    this.add("a");',
  '    q.add("b");',
  '    return Queue.add("c");',
  '  }',
  '}',
  '',
].join('\n');

before(async () => {
  store = openIndexStore(join(tmp.dir, 'receivers.db'));
  await store.writeBatch('/repo', [
    write('a_main.py', 'python', MAIN),
    write('b_helper.py', 'python', 'def helper(x):\n    return x.add(5)\n'),
    write('z_queue.py', 'python', QUEUE),
    write('worker.ts', 'typescript', TS),
  ]);
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

const sites = async (symbol: string, language?: string) =>
  (await store.findReferences({ symbol, limit: 50, ...(language ? { language } : {}) })).hits.map(
    (h) => `${h.path.slice('/repo/'.length)}:${h.line} ${h.kind} in ${h.enclosing}`,
  );

test('Class.method keeps calls on the class, its subclasses and unknown receivers; calls on another class go', async () => {
  assert.deepEqual(await sites('Queue.add', 'python'), [
    // Files with a call whose receiver names Queue (or a subclass) first, in path order; then
    // files whose calls are all on receivers of unknown type.
    'a_main.py:4 call in main',
    'a_main.py:6 call in main',
    'z_queue.py:6 call in Queue.retry',
    'z_queue.py:11 call in PriorityQueue.push',
    'b_helper.py:2 call in helper',
  ]);
  assert.deepEqual(await sites('Cache.add', 'python'), [
    'a_main.py:4 call in main',
    'a_main.py:5 call in main',
    'z_queue.py:19 call in Cache.put',
    'b_helper.py:2 call in helper',
  ]);
  // A bare name is not narrowed: every call of `add`, in every language.
  assert.equal((await sites('add')).length, 10);
});

test('this.method() in TypeScript resolves to the enclosing class; a static member use is a use of the class', async () => {
  assert.deepEqual(await sites('Worker.add', 'typescript'), [
    'worker.ts:5 call in Worker.run',
    'worker.ts:6 call in Worker.run',
  ]);
  assert.deepEqual(await sites('Queue.add', 'typescript'), [
    'worker.ts:6 call in Worker.run',
    'worker.ts:7 call in Worker.run',
  ]);
  assert.deepEqual(await sites('Backoffs'), ['a_main.py:7 type in main']);
  assert.ok((await sites('Queue', 'typescript')).includes('worker.ts:7 type in Worker.run'));
});
