import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import { isBareCall, receiverHint } from '../../src/indexer/references.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { typeWordsOf } from '../../src/store/identifiers.js';
import { type IndexStore, openIndexStore } from '../../src/store/index.js';
import { packRefs, unpackRefSites } from '../../src/store/ref-sites.js';
import { extracted, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
let store: IndexStore;
const extractor = createExtractor();

const write = (path: string, language: LanguageId, text: string) =>
  extracted(extractor, path, language, text);

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

// Plain functions named like the method: a local `add` (rxjs's fromEvent), a module's `add`.
const PLAIN_TS = [
  'export function fromEvent(target: any) {',
  '  const add = (h: () => void) => target.on(h);',
  '  // The line before ends in a comment that ends with a dot: target.',
  '  add(() => {});',
  '  return target;',
  '}',
  'export namespace Registry {',
  '  export function add(x: number) { return x; }',
  '  export function twice(x: number) { return add(add(x)); }',
  '}',
  '',
].join('\n');

before(async () => {
  store = openIndexStore(join(tmp.dir, 'receivers.db'));
  await store.writeBatch('/repo', [
    write('plain.ts', 'typescript', PLAIN_TS),
    write(
      'd_literals.py',
      'python',
      [
        'class Formatter:',
        '    def format(self, tokens):',
        '        return tokens',
        '',
        'def render(f, toks):',
        '    f.format(toks)',
        "    return '{}-{}'.format(1, 2) + f'{toks}'.format() + b'x'.decode()",
        '',
      ].join('\n'),
    ),
    write('literals.ts', 'typescript', "export const parts = 'a,b'.split(',').concat([1, 2].map(String));\n"),
    write('helpers.py', 'python', 'def slugify(text):\n    return text\n'),
    write('e_views.py', 'python', 'from helpers import slugify\n\n\ndef view(t):\n    return slugify(t)\n'),
    write('c_plain.py', 'python', 'from operator import add\n\n\ndef total(a, b):\n    return add(a, b)\n'),
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
  // The calls on a receiver of unknown type are marked: they may not be Queue's.
  const marked = (
    await store.findReferences({ symbol: 'Queue.add', limit: 50, language: 'python' })
  ).hits.map((h) => `${h.path.slice('/repo/'.length)}:${h.line} ${h.receiverUnknown === true}`);
  assert.deepEqual(marked, [
    // `q.add(1)`: q's type is unknown.
    'a_main.py:4 true',
    'a_main.py:6 false',
    'z_queue.py:6 false',
    'z_queue.py:11 false',
    'b_helper.py:2 true',
  ]);
  // A bare name is not narrowed, so nothing is marked.
  assert.ok(
    (await store.findReferences({ symbol: 'add', limit: 50 })).hits.every(
      (h) => h.receiverUnknown === undefined,
    ),
  );
  // `from operator import add` imports a module's function, never a class's method.
  assert.ok(!(await sites('Queue.add', 'python')).some((x) => x.includes(' import ')));
  // A bare name is not narrowed: every call of `add`, in every language (plain calls included).
  assert.equal((await sites('add')).length, 15);
  assert.ok((await sites('add', 'python')).includes('c_plain.py:5 call in total'));
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

test('Class.method leaves out plain function calls, except inside the container itself (a namespace)', async () => {
  // `add(a, b)` in Python and a local `add(...)` in TypeScript call no method.
  assert.ok(!(await sites('Queue.add', 'python')).includes('c_plain.py:5 call in total'));
  assert.ok(!(await sites('Worker.add', 'typescript')).some((s) => s.includes('fromEvent')));
  // A namespace's own functions call each other with no receiver: they stay uses of `Registry.add`.
  assert.deepEqual(await sites('Registry.add', 'typescript'), [
    'plain.ts:9 call in Registry.twice',
    'plain.ts:9 call in Registry.twice',
    'worker.ts:6 call in Worker.run',
  ]);
  // The stored sites say which calls had no receiver.
  const extraction = extractor.extractFile(PLAIN_TS, 'typescript');
  const calls = extraction.refs.filter((r) => r.name === 'add' && r.kind === 'call');
  assert.deepEqual(
    calls.map((r) => [r.line, r.receiver ?? null]),
    [
      [4, ''],
      [9, ''],
      [9, ''],
    ],
  );
  // A call on a variable keeps the variable's name as a hint (its type is unknown).
  assert.equal(extraction.refs.find((r) => r.name === 'on')?.receiver ?? null, '~target');
});

test('a call on a variable or field keeps its name as a hint; calls on anything else do not', () => {
  assert.equal(receiverHint('call', '.'), '~call');
  assert.equal(receiverHint('this.bridge', '.'), '~this.bridge');
  assert.equal(receiverHint('self.inner', '\n    .'), '~self.inner');
  assert.equal(receiverHint('opts', '?.'), '~opts');
  assert.equal(receiverHint('$request', '->'), '~request');
  assert.equal(receiverHint('$this->bridge', '->'), '~this.bridge');
  assert.equal(receiverHint('@app', '.'), '~app');
  // Classes, constants, self, paths, calls' results, indexes and long chains are no variables.
  assert.equal(receiverHint('Bridge', '.'), null);
  assert.equal(receiverHint('self.Meta', '.'), null);
  assert.equal(receiverHint('this', '.'), null);
  assert.equal(receiverHint('utils', '::'), null);
  assert.equal(receiverHint('[obj retain]', ' '), null);
  assert.equal(receiverHint('getBridge()', '.'), null);
  assert.equal(receiverHint('items[0]', '.'), null);
  assert.equal(receiverHint('a.b.c.d', '.'), null);
  // The words a variable's name suggests for its class, abbreviations written out.
  assert.deepEqual(typeWordsOf('this.savedCall'), ['call']);
  assert.deepEqual(typeWordsOf('ctx'), ['ctx', 'context']);
  assert.deepEqual(typeWordsOf('self.req'), ['req', 'request']);
  // Stored with the site, decoded as an unknown receiver with the hint beside it.
  const [packed] = packRefs([
    { name: 'getString', kind: 'call', line: 3, col: 9, enclosing: 'Camera.take', receiver: '~call' },
    { name: 'getString', kind: 'call', line: 4, col: 9, enclosing: 'Camera.take', receiver: 'JSObject' },
    { name: 'getString', kind: 'call', line: 9, col: 2, enclosing: 'Camera.run', receiver: null },
  ]);
  assert.deepEqual(unpackRefSites(packed!.sites), [
    [3, 9, 'call', 'Camera.take', null, 'call'],
    [4, 9, 'call', 'Camera.take', 'JSObject'],
    [9, 2, 'call', 'Camera.run', null],
  ]);
  // The second site's enclosing definition is written once, not again.
  assert.equal(packed!.sites.split('Camera.take').length, 2, packed!.sites);
});

test('a call is bare when its own line has no member access before the name', () => {
  const at = (text: string) => isBareCall(text, text.indexOf('add'));
  assert.equal(at('add(x)'), true);
  assert.equal(at('  return add(x)'), true);
  assert.equal(at('// ends with a dot.\n  add(x)'), true);
  assert.equal(at('@add'), true);
  assert.equal(at('obj.add(x)'), false);
  assert.equal(at('obj?.add(x)'), false);
  assert.equal(at('foo\n  .add(x)'), false);
  assert.equal(at('Self::add()'), false);
  assert.equal(at('$this->add()'), false);
  assert.equal(at('obj:add()'), false);
});

test('a literal receiver is a call on the built-in class, not on the class asked for', async () => {
  // `'{}'.format(...)` is `str.format`: pygments had 50 of them among 56 calls found for
  // `Formatter.format`. The call on a variable of unknown type stays.
  assert.deepEqual(await sites('Formatter.format', 'python'), ['d_literals.py:6 call in render']);
  assert.deepEqual(await sites('str.format', 'python'), [
    'd_literals.py:6 call in render',
    'd_literals.py:7 call in render',
    'd_literals.py:7 call in render',
  ]);
  const refs = extractor.extractFile("x = 'a,b'.split(',').concat([1, 2].map(String));\n", 'typescript').refs;
  assert.deepEqual(
    refs.filter((r) => r.kind === 'call').map((r) => [r.name, r.receiver ?? null]),
    [
      ['split', 'String'],
      ['concat', null],
      ['map', 'Array'],
    ],
  );
  const py = extractor.extractFile(
    "b'x'.decode()\nrb'x'.decode()\n[1].append(2)\n{}.get(1)\n",
    'python',
  ).refs;
  assert.deepEqual(
    py.filter((r) => r.kind === 'call').map((r) => r.receiver ?? null),
    ['bytes', 'bytes', 'list', 'dict'],
  );
});

test('module.function (a qualifier that contains no definition of the name) keeps plain calls', async () => {
  // `slugify` is defined at the top of helpers.py: `helpers.slugify` names a module, not a class.
  assert.deepEqual(await sites('helpers.slugify', 'python'), [
    'e_views.py:1 import in null',
    'e_views.py:5 call in view',
  ]);
});

test('Ruby and PHP calls carry their receiver: a class path names its last class, $this the enclosing one', () => {
  const calls = (text: string, language: LanguageId) =>
    extractor
      .extractFile(text, language)
      .refs.filter((r) => r.kind === 'call')
      .map((r) => `${r.name}:${r.receiver ?? null}`);
  const ruby = [
    'module Rack',
    '  module Utils',
    '    PARSER = URI::Parser.new',
    '    def escape_path(s)',
    '      PARSER.escape s',
    '    end',
    '    def q(k, req)',
    '      Utils.escape(k) + escape(k) + Rack::Utils.escape(k) + self.escape(k) + req.escape(k)',
    '    end',
    '  end',
    'end',
    '',
  ].join('\n');
  assert.deepEqual(calls(ruby, 'ruby'), [
    'new:Parser',
    'escape:PARSER',
    'escape:Utils',
    'escape:null',
    'escape:Utils',
    'escape:Utils',
    'escape:~req',
  ]);
  const php = [
    '<?php',
    'class Env {',
    '  function f($e) {',
    '    $this->add(1); $e->add(2); $e?->add(3);',
    '    self::make(); Env::make(); \\App\\Env::make(); parent::__construct();',
    '  }',
    '}',
    '',
  ].join('\n');
  assert.deepEqual(calls(php, 'php'), [
    'add:Env',
    'add:~e',
    'add:~e',
    'make:Env',
    'make:Env',
    'make:Env',
    '__construct:null',
  ]);
});

test('Class.method in Ruby leaves out calls on another constant', async () => {
  const utils = [
    'module Utils',
    '  PARSER = URI::Parser.new',
    '  def self.escape(s)',
    '    PARSER.escape s',
    '  end',
    'end',
    '',
  ].join('\n');
  const app = [
    'class App',
    '  def call(env)',
    '    Utils.escape(env) + Other.escape(env) + env.escape',
    '  end',
    'end',
    '',
  ].join('\n');
  const local = openIndexStore(join(tmp.dir, 'ruby.db'));
  try {
    await local.writeBatch('/rb', [write('utils.rb', 'ruby', utils), write('app.rb', 'ruby', app)]);
    const hits = (await local.findReferences({ symbol: 'Utils.escape', limit: 50 })).hits;
    assert.deepEqual(
      hits.map((h) => `${h.path.slice('/rb/'.length)}:${h.line}:${h.col}`),
      ['app.rb:3:10', 'app.rb:3:48'],
    );
  } finally {
    await local.close();
  }
});

test('Class.method puts calls on a variable named like the class with those on the class', async () => {
  const own = openIndexStore(join(tmp.dir, 'hints.db'));
  try {
    await own.writeBatch('/repo', [
      write('a_other.py', 'python', 'def other(x):\n    return x.add(1)\n'),
      write('b_consumer.py', 'python', 'def consume(queue):\n    return queue.add(2)\n'),
      write('z_queue.py', 'python', QUEUE),
    ]);
    const hits = (await own.findReferences({ symbol: 'Queue.add', limit: 50 })).hits.map(
      (h) => `${h.path.slice('/repo/'.length)}:${h.line}`,
    );
    // `queue.add` first (with the calls on self), `x.add` of unknown type after them.
    assert.deepEqual(hits, ['b_consumer.py:2', 'z_queue.py:6', 'z_queue.py:11', 'a_other.py:2']);
  } finally {
    await own.close();
  }
});

test('C#: Class.method puts calls on a property or field named like the class first', async () => {
  const own = openIndexStore(join(tmp.dir, 'csharp.db'));
  const caller = (name: string, call: string) =>
    `class ${name} {\n  ReactContext Context { get; }\n  void Send() {\n    ${call};\n  }\n}\n`;
  try {
    await own.writeBatch('/repo', [
      write('a_Other.cs', 'csharp', caller('Other', 'other.GetModule()')),
      write('b_Registered.cs', 'csharp', caller('Registered', '_registry.GetModule()')),
      write('c_Contextual.cs', 'csharp', caller('Contextual', 'Context.GetModule()')),
      write(
        'd_ReactContext.cs',
        'csharp',
        'class ReactContext {\n  public T GetModule() { return this.GetModule(); }\n}\n',
      ),
      write(
        'e_JsRegistry.cs',
        'csharp',
        'class JsRegistry {\n  public T GetModule() { return default; }\n}\n',
      ),
    ]);
    const hits = async (symbol: string) =>
      (await own.findReferences({ symbol, limit: 50 })).hits.map((h) => h.path.slice('/repo/'.length));
    // `Context` (a property named like the class) and `this` first, receivers of unknown type after.
    assert.deepEqual(await hits('ReactContext.GetModule'), [
      'c_Contextual.cs',
      'd_ReactContext.cs',
      'a_Other.cs',
      'b_Registered.cs',
    ]);
    assert.deepEqual(await hits('JsRegistry.GetModule'), [
      'b_Registered.cs',
      'a_Other.cs',
      'c_Contextual.cs',
    ]);
  } finally {
    await own.close();
  }
});

test('a use of an import alias is found as a use of the name imported', async () => {
  const own = openIndexStore(join(tmp.dir, 'aliases.db'));
  try {
    await own.writeBatch('/repo', [
      write('queue.ts', 'typescript', 'export class Queue {}\n'),
      write('main.ts', 'typescript', "import { Queue as Q } from './queue';\nexport const q = new Q();\n"),
      write('app.py', 'python', 'from .models import Model as M\n\n\nclass Job(M):\n    pass\n'),
      write('models.py', 'python', 'class Model:\n    pass\n'),
    ]);
    const hits = async (symbol: string) =>
      (await own.findReferences({ symbol, limit: 50 })).hits.map(
        (h) => `${h.path.slice('/repo/'.length)}:${h.line} ${h.kind}`,
      );
    assert.deepEqual(await hits('Queue'), ['main.ts:1 import', 'main.ts:2 new']);
    assert.deepEqual(await hits('Model'), ['app.py:1 import', 'app.py:4 inherit']);
    assert.deepEqual(await hits('Q'), []);
  } finally {
    await own.close();
  }
});

test('Go: Client.Do puts calls on a variable or package variable named like the class first', async () => {
  const own = openIndexStore(join(tmp.dir, 'go.db'));
  try {
    await own.writeBatch('/repo', [
      write('a_other.go', 'go', 'package p\n\nfunc other(t *Transport) {\n\tt.Do(1)\n}\n'),
      write('b_default.go', 'go', 'package p\n\nfunc get() {\n\tDefaultClient.Do(2)\n}\n'),
      write('c_client.go', 'go', 'package p\n\ntype Client struct{}\n\nfunc (c *Client) Do(n int) {}\n'),
      write('d_user.go', 'go', 'package p\n\nfunc use(client *Client) {\n\tclient.Do(3)\n}\n'),
      write(
        'e_transport.go',
        'go',
        'package p\n\ntype Transport struct{}\n\nfunc (t *Transport) Do(n int) {}\n',
      ),
    ]);
    const hits = (await own.findReferences({ symbol: 'Client.Do', limit: 50 })).hits.map((h) =>
      h.path.slice('/repo/'.length),
    );
    assert.deepEqual(hits, ['b_default.go', 'd_user.go', 'a_other.go']);
  } finally {
    await own.close();
  }
});

test('Class.method leaves out calls on a name the file binds to another module', async () => {
  const own = openIndexStore(join(tmp.dir, 'modules.db'));
  try {
    await own.writeBatch('/repo', [
      write('Schedule.ts', 'typescript', 'export const exponential = (base: number) => base;\n'),
      write('MetricBoundaries.ts', 'typescript', 'export const exponential = (n: number) => n;\n'),
      write(
        'use.ts',
        'typescript',
        [
          "import * as metricBoundaries from './internal/metric/boundaries.js';",
          "import * as schedule_ from './internal/schedule/index.js';",
          "import { defaultSchedule } from './defaults.js';",
          'export function f(other: any) {',
          '  metricBoundaries.exponential(1);',
          '  schedule_.exponential(2);',
          '  defaultSchedule.exponential(3);',
          '  other.exponential(4);',
          '}',
          '',
        ].join('\n'),
      ),
    ]);
    const lines = async (symbol: string) =>
      (await own.findReferences({ symbol, limit: 50 })).hits.map((h) => h.line).sort();
    // `metricBoundaries` is another module; `schedule_` is the schedule module, `defaultSchedule`
    // a value named like the container. `Schedule.ts` is a module and `exponential` its function,
    // which is no method of `other`, a value of unknown type.
    assert.deepEqual(await lines('Schedule.exponential'), [6, 7]);
    assert.deepEqual(await lines('MetricBoundaries.exponential'), [5]);
    // Unqualified, every call.
    assert.deepEqual(await lines('exponential'), [5, 6, 7, 8]);
  } finally {
    await own.close();
  }
});

test('Class.method: a call with no receiver inside the class, and a use that is no call, resolve to the class', async () => {
  const reporter = [
    'class Reporter',
    '  def start(seed)',
    '    notify :seed, seed',
    '  end',
    '',
    '  def notify(event, *args)',
    '    args',
    '  end',
    'end',
    '',
    'class Wrapped < Reporter',
    'end',
    '',
  ].join('\n');
  const runner = ['class Runner', '  def run(r)', '    r.notify(:start)', '  end', 'end', ''].join('\n');
  const local = openIndexStore(join(tmp.dir, 'ruby-implicit.db'));
  try {
    await local.writeBatch('/rb2', [
      write('reporter.rb', 'ruby', reporter),
      write('runner.rb', 'ruby', runner),
    ]);
    const show = async (symbol: string) =>
      (await local.findReferences({ symbol, limit: 50 })).hits.map(
        (h) => `${h.path.slice('/rb2/'.length)}:${h.line} ${h.kind} ${h.receiverUnknown === true}`,
      );
    // `notify` inside Reporter is Reporter's; `r.notify` on an unknown receiver comes after it.
    assert.deepEqual(await show('Reporter.notify'), ['reporter.rb:3 call false', 'runner.rb:3 call true']);
    // A subclass's `< Reporter` names the class itself.
    assert.deepEqual(await show('Rspec::Reporter'), ['reporter.rb:11 inherit false']);
  } finally {
    await local.close();
  }
});

test('module.function in Python: a call on a value counts only when the value is the module; a plain call only where the name is imported', async () => {
  const local = openIndexStore(join(tmp.dir, 'py-modules.db'));
  try {
    await local.writeBatch('/pkg', [
      write('markup.py', 'python', 'def render(text):\n    return text\n'),
      write(
        'jupyter.py',
        'python',
        'class JupyterMixin:\n    pass\n\n\ndef print(*args):\n    console.print(*args)\n',
      ),
      write(
        'console.py',
        'python',
        'from .markup import render\nfrom . import markup\n\n\ndef show(style, x):\n    render(x)\n    markup.render(x)\n    return style.render(x)\n',
      ),
      write('align.py', 'python', 'def align(style, x):\n    return style.render(x)\n'),
      write('padding.py', 'python', 'from .jupyter import JupyterMixin\n\n\ndef pad(x):\n    print(x)\n'),
    ]);
    const sites = async (symbol: string) =>
      (await local.findReferences({ symbol, limit: 50 })).hits.map(
        (h) => `${h.path.slice('/pkg/'.length)}:${h.line} ${h.kind}`,
      );
    assert.deepEqual(await sites('markup.render'), [
      'console.py:1 import',
      'console.py:6 call',
      'console.py:7 call',
    ]);
    // `console.print()` inside jupyter.py is Console's; padding.py imports another name of jupyter.
    assert.deepEqual(await sites('jupyter.print'), []);
    // Unqualified, every use.
    assert.equal((await sites('render')).length, 5);
  } finally {
    await local.close();
  }
});

test('module.function in Go: the package is its directory, so its other files’ plain calls count; a method of the name does not', async () => {
  const local = openIndexStore(join(tmp.dir, 'go-modules.db'));
  try {
    await local.writeBatch('/gomod', [
      write(
        'viper/viper.go',
        'go',
        'package viper\n\ntype Viper struct{}\n\nfunc (v *Viper) Get(key string) any { return nil }\n\nfunc Get(key string) any { return v.Get(key) }\n\nvar v = &Viper{}\n',
      ),
      write(
        'viper/flags_test.go',
        'go',
        'package viper\n\nfunc TestFlags() {\n\t_ = Get("age")\n\t_ = v.Get("name")\n}\n',
      ),
      write(
        'cmd/main.go',
        'go',
        'package main\n\nimport "github.com/spf13/viper"\n\nfunc main() {\n\t_ = viper.Get("port")\n}\n',
      ),
    ]);
    const sites = async (symbol: string) =>
      (await local.findReferences({ symbol, limit: 50 })).hits.map(
        (h) => `${h.path.slice('/gomod/'.length)}:${h.line} ${h.kind}`,
      );
    assert.deepEqual(await sites('viper.Get'), ['cmd/main.go:6 call', 'viper/flags_test.go:4 call']);
  } finally {
    await local.close();
  }
});
