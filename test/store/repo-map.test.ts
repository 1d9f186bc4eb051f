import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import { rulesFor } from '../../src/indexer/language-rules.js';
import { CODE_LANGUAGE_IDS, type LanguageId } from '../../src/indexer/types.js';
import {
  buildRepoMap,
  goBuildExpressionHolds,
  goBuildReader,
  goHeaderBuilds,
  identifierWeight,
  pageRank,
  readProjectConfig,
} from '../../src/mcp/repo-map.js';
import { graphRef, LITERAL_RECEIVERS } from '../../src/store/graph.js';
import { packRefs, USE_KINDS_MASK } from '../../src/store/ref-sites.js';
import type { GraphData } from '../../src/store/types.js';

/** Real extraction of small real-shaped snippets into the map's input. */
function graph(sources: Record<string, [LanguageId, string]>): GraphData {
  const extractor = createExtractor();
  const data: GraphData = { files: [], symbols: [], refs: [], imports: [] };
  for (const [rel, [language, text]] of Object.entries(sources)) {
    const id = data.files.length + 1;
    data.files.push({ id, path: rel, rel, root: '/repo/pkg', language });
    const x = extractor.extractFile(text, language);
    for (const s of x.symbols)
      data.symbols.push({
        fileId: id,
        name: s.name,
        kind: s.kind,
        line: s.startLine,
        endLine: s.endLine,
        container: s.container,
        signature: s.signature,
      });
    // As the stores read them: one row per name with a use, with the receivers' hints.
    for (const row of packRefs(x.refs))
      if ((row.kinds & USE_KINDS_MASK) !== 0) {
        const ref = graphRef(id, row.name, row.sites);
        if (ref !== null) data.refs.push(ref);
      }
    for (const i of x.imports) data.imports.push({ fileId: id, source: i.source, names: i.names });
  }
  return data;
}

const SOURCES: Record<string, [LanguageId, string]> = {
  'src/queue.ts': [
    'typescript',
    'export class QueueBase {\n  constructor(public name: string) {}\n  get client() { return 1; }\n}\nexport class Queue extends QueueBase {\n  addJob(name: string) { return new JobRecord(name); }\n}\n',
  ],
  'src/job.ts': [
    'typescript',
    'export class JobRecord {\n  constructor(public name: string) {}\n  moveToFailed(err: Error) { return err; }\n}\n',
  ],
  'src/worker.ts': [
    'typescript',
    'import { QueueBase } from "./queue";\nexport class Worker extends QueueBase {\n  run(j: JobRecord) { j.moveToFailed(new Error("x")); }\n}\n',
  ],
  'src/errors.rs': ['rust', 'pub enum Error {\n    Io,\n}\n'],
  'tests/worker.test.ts': [
    'typescript',
    'import { Worker } from "../src/worker";\ntest("w", () => { const w = new Worker("q"); w.run(new JobRecord("a")); });\n',
  ],
};

test('repo_map: same-language resolution, tests left out, core classes first', () => {
  const map = buildRepoMap({ ...graph(SOURCES), maxTokens: 1024 });
  const paths = map.files.map((f) => f.path);
  // The TypeScript `new Error(` is not a use of the Rust enum: errors.rs has no incoming edge.
  assert.deepEqual(paths.slice(0, 2).sort(), ['src/job.ts', 'src/queue.ts']);
  assert.ok(!paths.includes('tests/worker.test.ts'), paths.join(' '));
  assert.equal(map.files.find((f) => f.path === 'src/errors.rs')?.symbols.length, 0);
  assert.deepEqual(
    map.files.find((f) => f.path === 'src/job.ts')?.symbols.map((s) => s.name),
    ['JobRecord', 'moveToFailed'],
  );
  assert.match(
    map.text,
    /^src\/job\.ts:\n {2}1: export class JobRecord\n {2}⋮\n {4}3: moveToFailed\(err: Error\)/m,
  );
  const withTypes = graph({
    ...SOURCES,
    'src/job.d.ts': [
      'typescript',
      'export declare class JobRecord {\n  moveToFailed(err: Error): Error;\n}\n',
    ],
  });
  const typed = buildRepoMap({ ...withTypes, maxTokens: 1024 });
  assert.deepEqual(
    typed.files.map((f) => f.path),
    paths,
    'a .d.ts next to its code is left out',
  );
  const all = buildRepoMap({ ...graph(SOURCES), maxTokens: 1024, includeAll: true });
  assert.ok(all.files.some((f) => f.path === 'tests/worker.test.ts'));
});

test('repo_map: the binary search keeps the map within the budget and marks it truncated', () => {
  for (const budget of [16, 24, 32]) {
    const map = buildRepoMap({ ...graph(SOURCES), maxTokens: budget });
    assert.ok(map.tokens <= budget, `${map.tokens} > ${budget}`);
    assert.ok(Math.ceil(map.text.length / 4) <= budget + 1, `${map.text.length} chars for ${budget}`);
    assert.equal(map.truncated, true);
  }
});

test('repo_map: overloads take one line, with how many more there are', () => {
  const map = buildRepoMap({
    ...graph({
      'pkg/env.py': [
        'python',
        [
          'import typing as t',
          'class Environment:',
          '    @t.overload',
          '    def compile(self, source: str, raw: t.Literal[False] = False) -> "CodeType": ...',
          '    @t.overload',
          '    def compile(self, source: str, raw: t.Literal[True] = ...) -> str: ...',
          '    def compile(self, source, raw=False):',
          '        return source',
          '    @property',
          '    def cache_size(self) -> int:',
          '        return 1',
          '    @cache_size.setter',
          '    def cache_size(self, v: int) -> None:',
          '        pass',
          '    def render(self) -> str:',
          '        return self.compile(str(self.cache_size))',
          '',
        ].join('\n'),
      ],
      'src/parse.ts': [
        'typescript',
        'export function parseValue(text: string): string;\nexport function parseValue(n: number): number;\nexport function parseValue(v: any): any {\n  return v;\n}\n',
      ],
      'src/main.ts': [
        'typescript',
        'import { parseValue } from "./parse";\nexport const x = parseValue("1");\n',
      ],
      'pkg/use.py': [
        'python',
        'from .env import Environment\ndef go(e: Environment):\n    e.compile("a")\n    e.render()\n    return e.cache_size\n',
      ],
    }),
    maxTokens: 1024,
  });
  const env = map.files.find((f) => f.path === 'pkg/env.py');
  assert.ok(env, map.text);
  const names = env.symbols.map((s) => s.name);
  assert.equal(names.filter((n) => n === 'compile').length, 1, names.join(' '));
  assert.match(
    map.text,
    /4: +def compile\(self, source: str, raw: t\.Literal\[False\] = False\) -> "CodeType": \.\.\. \(\+2 more\)/,
  );
  const parse = map.files.find((f) => f.path === 'src/parse.ts');
  assert.deepEqual(
    parse?.symbols.map((s) => s.name),
    ['parseValue'],
  );
  assert.match(map.text, /1: export function parseValue\(text: string\): string \(\+2 more\)/);
  assert.doesNotMatch(map.text, /raw: t\.Literal\[True\]/);
});

test('repo_map: focus pins the named file first', () => {
  const map = buildRepoMap({ ...graph(SOURCES), maxTokens: 1024, focus: ['src/worker.ts'] });
  assert.equal(map.files[0]?.path, 'src/worker.ts');
});

test('repo_map: a definition focus names is shown even when nothing uses it', () => {
  const sources: Record<string, [LanguageId, string]> = {
    ...SOURCES,
    'src/factory.ts': [
      'typescript',
      'export function createQueueFactory(prefix: string) {\n  return prefix;\n}\n',
    ],
  };
  // A budget that holds about one file: without the focus, the factory is not in it.
  const plain = buildRepoMap({ ...graph(sources), maxTokens: 40 });
  assert.doesNotMatch(plain.text, /createQueueFactory/);
  for (const focus of ['createQueueFactory', 'factory.createQueueFactory']) {
    const map = buildRepoMap({ ...graph(sources), maxTokens: 40, focus: [focus] });
    assert.match(map.text, /export function createQueueFactory\(prefix: string\)/, focus);
  }
});

test('repo_map: a focus name defined in many files keeps them all in the map, its best first', () => {
  const sources: Record<string, [LanguageId, string]> = {};
  for (let i = 0; i < 12; i++) {
    sources[`src/m${i}.py`] = ['python', `def helper():\n    return ${i}\n`];
    sources[`src/u${i}.py`] = [
      'python',
      `from .m${i} import helper\n\n\ndef run${i}():\n    return helper()\n`,
    ];
  }
  const count = (m: ReturnType<typeof buildRepoMap>) =>
    m.files.filter((f) => f.symbols.some((x) => x.name === 'helper')).length;
  const plain = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  assert.equal(count(plain), 12, plain.text);
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096, focus: ['helper'] });
  assert.equal(count(map), 12, map.text);
});

test('repo_map: a name defined in several files resolves to the file it is imported from', () => {
  const sources: Record<string, [LanguageId, string]> = {
    'src/classes/job.ts': ['typescript', 'export class JobRecord {\n  save() { return 1; }\n}\n'],
    // The same name as a getter elsewhere (what compiled code does with `this.JobRecord`).
    'src/classes/queue.ts': ['typescript', 'export class Queue {\n  get JobRecord() { return 1; }\n}\n'],
    'src/classes/index.ts': ['typescript', "export * from './job';\nexport * from './queue';\n"],
    'src/worker.ts': [
      'typescript',
      "import { JobRecord } from './classes';\nexport class Worker {\n  run() { return new JobRecord(); }\n}\n",
    ],
    'src/flow.ts': [
      'typescript',
      "import { JobRecord } from './classes/job';\nexport function flow() { return new JobRecord(); }\n",
    ],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const job = map.files.find((f) => f.path === 'src/classes/job.ts');
  const queue = map.files.find((f) => f.path === 'src/classes/queue.ts');
  // Both uses (one through the index's `export *`) count for job.ts only.
  assert.equal(job?.symbols.find((s) => s.name === 'JobRecord')?.refs, 2);
  assert.equal(
    queue?.symbols.find((s) => s.name === 'JobRecord'),
    undefined,
  );
  // Without the imports the name is split between its two definers.
  const blind = buildRepoMap({ ...graph(sources), imports: [], maxTokens: 4096 });
  assert.equal(
    blind.files.find((f) => f.path === 'src/classes/queue.ts')?.symbols.find((s) => s.name === 'JobRecord')
      ?.refs,
    2,
  );
  // The import edges themselves rank the imported modules above what nothing imports.
  const rank = (m: typeof map, p: string) => m.files.find((f) => f.path === p)?.rank ?? 0;
  assert.ok(rank(map, 'src/classes/job.ts') > rank(map, 'src/worker.ts'));
});

test('repo_map: typings of a JavaScript package are left out; a TypeScript package keeps its .d.ts', () => {
  // fastify's layout: the code in lib/*.js, hand-written typings in types/*.d.ts that name one
  // another densely.
  const typings = 'export interface Instance { route(o: RouteOptions): Instance; reply: Reply }\n';
  const sources: Record<string, [LanguageId, string]> = {
    'lib/reply.js': [
      'javascript',
      'function Reply (res) {\n  this.res = res\n}\nReply.prototype.send = function (payload) {\n  return this.res.end(payload)\n}\nmodule.exports = Reply\n',
    ],
    'lib/route.js': [
      'javascript',
      "const Reply = require('./reply')\nfunction route (opts) {\n  return new Reply(opts.res).send('x')\n}\nmodule.exports = route\n",
    ],
    'types/instance.d.ts': ['typescript', `${typings}export interface RouteOptions { url: string }\n`],
    'types/reply.d.ts': [
      'typescript',
      'export interface Reply { send(p: unknown): Reply; instance: Instance }\n',
    ],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 1024 });
  assert.deepEqual(map.files.map((f) => f.path).sort(), ['lib/reply.js', 'lib/route.js']);
  // A constructor function heads its prototype methods (it used to read "?: Reply").
  assert.match(
    map.text,
    /1: function Reply \(res\)\n {2}⋮\n {4}4: Reply\.prototype\.send = function \(payload\)/,
  );
  // With TypeScript source the declarations are part of the code: kept.
  const ts = buildRepoMap({
    ...graph({
      ...sources,
      'src/app.ts': [
        'typescript',
        'import { Instance } from "../types/instance";\nexport function app(i: Instance) { return i; }\n',
      ],
    }),
    maxTokens: 1024,
  });
  assert.ok(
    ts.files.some((f) => f.path === 'types/instance.d.ts'),
    ts.text,
  );
  // includeAll keeps them too.
  const all = buildRepoMap({ ...graph(sources), maxTokens: 1024, includeAll: true });
  assert.ok(
    all.files.some((f) => f.path === 'types/reply.d.ts'),
    all.text,
  );
});

test('repo_map: a function nested in another is no target of uses in other files', () => {
  // eslint's layout: a token store with the method, and rules that each declare a helper of the
  // same name inside `create(context)`.
  const rule = (helper: string) =>
    `module.exports = {\n  create(context) {\n    function ${helper}(node) {\n      return node;\n    }\n    return { Program: (n) => ${helper}(n) };\n  },\n};\n`;
  const sources: Record<string, [LanguageId, string]> = {
    'lib/token-store.js': [
      'javascript',
      'class TokenStore {\n  getTokens(node) {\n    return [node];\n  }\n}\nmodule.exports = TokenStore;\n',
    ],
    'lib/rules/a.js': ['javascript', rule('getTokens')],
    'lib/rules/b.js': ['javascript', rule('getTokens')],
    // A factory's object-literal method is reached from outside (`store.getState()`): it stays a target.
    'lib/store.js': [
      'javascript',
      'function createStore() {\n  return {\n    getState() {\n      return 1;\n    },\n  };\n}\nmodule.exports = createStore;\n',
    ],
    'lib/linter.js': [
      'javascript',
      "const TokenStore = require('./token-store');\nconst createStore = require('./store');\nfunction lint(sourceCode) {\n  createStore().getState();\n  return sourceCode.getTokens(1).length + new TokenStore().getTokens(2).length;\n}\nmodule.exports = lint;\n",
    ],
  };
  const data = graph(sources);
  const map = buildRepoMap({ ...data, maxTokens: 4096 });
  const refsOf = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((s) => s.name === name)?.refs;
  assert.equal(refsOf('lib/token-store.js', 'getTokens'), 1, map.text);
  assert.equal(refsOf('lib/rules/a.js', 'getTokens'), undefined, map.text);
  assert.equal(refsOf('lib/rules/b.js', 'getTokens'), undefined, map.text);
  assert.equal(refsOf('lib/store.js', 'getState'), 1, map.text);
  // Without the rule, the two helpers took two thirds of the uses.
  const bare = data.symbols.map((s) => ({ ...s, endLine: s.line }));
  const before = buildRepoMap({ ...data, symbols: bare, maxTokens: 4096 });
  assert.equal(
    before.files.find((f) => f.path === 'lib/rules/a.js')?.symbols.find((s) => s.name === 'getTokens')?.refs,
    1,
    before.text,
  );
});

test('pageRank: a group whose nodes point nowhere keeps its share of the rank', () => {
  // Group 0: nodes 0 -> 1, node 1 dangling. Group 1: nodes 2, 3, 4, all dangling.
  const edges = new Map([[0, new Map([[1, 1]])]]);
  const groups = Int32Array.from([0, 0, 1, 1, 1]);
  const sum = (r: Float64Array, from: number, to: number) => r.slice(from, to).reduce((a, b) => a + b, 0);
  const grouped = pageRank(5, edges, null, 0.85, 60, groups);
  assert.ok(Math.abs(sum(grouped, 0, 2) - 0.4) < 1e-9, `group 0 holds ${sum(grouped, 0, 2)}`);
  assert.ok(Math.abs(sum(grouped, 2, 5) - 0.6) < 1e-9, `group 1 holds ${sum(grouped, 2, 5)}`);
  // Without groups the dangling nodes' rank spreads over everyone and total rank stays 1.
  const plain = pageRank(5, edges, null, 0.85, 60);
  assert.ok(Math.abs(sum(plain, 0, 5) - 1) < 1e-9);
  assert.ok(sum(plain, 0, 2) !== sum(grouped, 0, 2));
});

test('repo_map: uses of a name bound to a whole module count for the module and its class', () => {
  // TypeScript compiled to CommonJS (ioredis' built/): `Redis_1.default` is the module's class.
  const sources: Record<string, [LanguageId, string]> = {
    'built/Redis.js': [
      'javascript',
      'class Redis {\n  connect() {\n    return 1;\n  }\n}\nexports.default = Redis;\n',
    ],
    'built/cluster.js': [
      'javascript',
      'const Redis_1 = require("./Redis");\nclass Cluster {\n  node() {\n    return new Redis_1.default();\n  }\n  other() {\n    return new Redis_1.default();\n  }\n}\nexports.default = Cluster;\n',
    ],
  };
  const data = graph(sources);
  // The binding is an import, not a definition of `Redis_1` in cluster.js.
  assert.deepEqual(
    data.symbols.filter((x) => x.name === 'Redis_1'),
    [],
  );
  assert.deepEqual(data.imports, [{ fileId: 2, source: './Redis', names: ['Redis_1'] }]);
  const map = buildRepoMap({ ...data, maxTokens: 1024 });
  assert.equal(
    map.files.find((f) => f.path === 'built/Redis.js')?.symbols.find((x) => x.name === 'Redis')?.refs,
    1,
    map.text,
  );
});

test('repo_map: a monorepo package imported by its name is the workspace package, not a dependency', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-repomap-ws-'));
  try {
    const write = (rel: string, text: string) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };
    // The entry points at the build output, which is not in the tree: its source is src/.
    write(
      'packages/queue/package.json',
      '{"name": "@acme/queue", "main": "dist/index.js", "types": "dist/index.d.ts"}',
    );
    // A fixture's package.json does not make `lodash` a workspace package.
    write('test/fixtures/lodash/package.json', '{"name": "lodash"}');
    write('packages/worker/package.json', 'not json');
    const { packages } = readProjectConfig(
      [
        'packages/queue/package.json',
        'test/fixtures/lodash/package.json',
        'packages/worker/package.json',
      ].map((rel) => ({
        rel,
        path: join(dir, rel),
      })),
    );
    assert.deepEqual(packages, [
      { dir: 'packages/queue', name: '@acme/queue', entries: ['dist/index.d.ts', 'dist/index.js'] },
    ]);
    const sources: Record<string, [LanguageId, string]> = {
      'packages/queue/src/index.ts': ['typescript', "export { Queue } from './queue';\n"],
      'packages/queue/src/queue.ts': ['typescript', 'export class Queue {\n  add() { return 1; }\n}\n'],
      // Another package's class of the same name.
      'packages/cache/src/queue.ts': ['typescript', 'export class Queue {\n  push() { return 1; }\n}\n'],
      'packages/worker/src/worker.ts': [
        'typescript',
        "import { Queue } from '@acme/queue';\nexport class Worker {\n  run() { return new Queue().add(); }\n}\n",
      ],
    };
    const data = graph(sources);
    const refsOf = (map: ReturnType<typeof buildRepoMap>, path: string) =>
      map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === 'Queue')?.refs;
    const map = buildRepoMap({ ...data, packages, maxTokens: 1024 });
    assert.equal(refsOf(map, 'packages/queue/src/queue.ts'), 1, map.text);
    assert.equal(refsOf(map, 'packages/cache/src/queue.ts') ?? 0, 0, map.text);
    // Read as a dependency, the import made the name an outside one: no edge at all.
    const blind = buildRepoMap({ ...data, maxTokens: 1024 });
    assert.equal(refsOf(blind, 'packages/queue/src/queue.ts') ?? 0, 0, blind.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("repo_map: Go build variants of a package's name take its uses as one file, the Linux/Unix one", () => {
  const lock = (goos: string) =>
    `//go:build ${goos}\n\npackage filelock\n\ntype lockType int16\n\nfunc lock(f File, lt lockType) error { return nil }\n`;
  const sources: Record<string, [LanguageId, string]> = {
    'filelock/filelock.go': [
      'go',
      'package filelock\n\ntype File interface{ Name() string }\n\nfunc Lock(f File) error { return lock(f, 1) }\n\nfunc RLock(f File) error { return lock(f, 2) }\n',
    ],
    'filelock/filelock_unix.go': ['go', lock('unix')],
    'filelock/filelock_windows.go': ['go', lock('windows')],
    'filelock/filelock_plan9.go': ['go', lock('plan9')],
    // Methods of one name on two types of a package are no variants.
    'http/request.go': [
      'go',
      'package http\n\ntype Request struct{}\n\nfunc (r *Request) Write() error { return nil }\n',
    ],
    'http/header.go': [
      'go',
      'package http\n\ntype Header struct{}\n\nfunc (h Header) Write() error { return nil }\n',
    ],
    'http/client.go': [
      'go',
      'package http\n\nfunc send(r *Request, h Header) error {\n\tr.Write()\n\treturn h.Write()\n}\n',
    ],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  assert.equal(refs('filelock/filelock_unix.go', 'lock'), 1, map.text);
  assert.equal(
    refs('filelock/filelock_windows.go', 'lock') + refs('filelock/filelock_plan9.go', 'lock'),
    0,
    map.text,
  );
  assert.equal(refs('http/request.go', 'Write'), 1, map.text);
  assert.equal(refs('http/header.go', 'Write'), 1, map.text);
});

test("repo_map: another module's top-level name is reached through an import, not by a bare use", () => {
  // carbon-components-svelte's shape: components each declare the same helpers at the top level.
  const component = (extra: string) =>
    `<script>\n  import { createEventDispatcher } from 'svelte';\n  export let translateWithId = (id) => id;\n  const dispatch = createEventDispatcher();\n  function focus(el) { el.focus(); }\n  ${extra}\n</script>\n<p>{translateWithId('x')}</p>\n`;
  const sources: Record<string, [LanguageId, string]> = {
    'src/ListBox.svelte': ['svelte', component("dispatch('open'); translateWithId('a');")],
    'src/Dropdown.svelte': ['svelte', component("dispatch('close'); translateWithId('b');")],
    'src/modalStore.ts': [
      'typescript',
      "import { trackModal } from './track';\nexport function openModal(el: HTMLElement) { el.focus(); return trackModal(); }\n",
    ],
    'src/track.ts': ['typescript', 'export const trackModal = () => 1;\n'],
    // CommonJS reaches another module's function as a member of its binding: kept.
    'lib/util.js': ['javascript', 'function debug(x) { return x; }\nmodule.exports = { debug };\n'],
    'lib/app.js': [
      'javascript',
      "const util_1 = require('./util');\nfunction run() { return util_1.debug(1); }\n",
    ],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  for (const path of ['src/ListBox.svelte', 'src/Dropdown.svelte'])
    for (const name of ['translateWithId', 'dispatch', 'focus'])
      assert.equal(refs(path, name), 0, `${path} ${name}\n${map.text}`);
  assert.equal(refs('src/track.ts', 'trackModal'), 1, map.text);
  assert.equal(refs('lib/util.js', 'debug'), 1, map.text);
});

test("repo_map: a Python module's use of a name it defines itself means its own definition", () => {
  // Flask's shape: app.py and blueprints.py each declare the same TypeVars and helpers.
  const module = (cls: string) =>
    `import typing as t\n\nT_route = t.TypeVar("T_route", bound=t.Callable)\n\n\ndef _endpoint_from_view_func(view_func):\n    return view_func.__name__\n\n\nclass ${cls}:\n    def route(self, rule) -> t.Callable[[T_route], T_route]:\n        def decorator(f: T_route) -> T_route:\n            _endpoint_from_view_func(f)\n            return f\n        return decorator\n`;
  const sources: Record<string, [LanguageId, string]> = {
    'flask/app.py': ['python', module('Flask')],
    'flask/blueprints.py': ['python', module('Blueprint')],
    // An import still reaches the other module's definition, and a plain use of a name the
    // module does not define still counts.
    'flask/views.py': [
      'python',
      'from .app import _endpoint_from_view_func\n\n\ndef as_view(f):\n    return _endpoint_from_view_func(f)\n',
    ],
    'flask/cli.py': ['python', 'def load(f: T_route):\n    return f\n'],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  assert.equal(refs('flask/app.py', '_endpoint_from_view_func'), 1, map.text);
  assert.equal(refs('flask/blueprints.py', '_endpoint_from_view_func'), 0, map.text);
  for (const path of ['flask/app.py', 'flask/blueprints.py'])
    assert.equal(refs(path, 'T_route'), 1, map.text);
});

test("repo_map: a plain use of a name the module defines is its own, not another module's member of the name", () => {
  // SQLAlchemy's shape: exc.py's exception classes, and a dialect's DBAPI adapter that nests
  // classes of the same names.
  const sources: Record<string, [LanguageId, string]> = {
    'pkg/exc.py': [
      'python',
      'class DatabaseError(Exception):\n    pass\n\n\nclass DataError(DatabaseError):\n    pass\n\n\nclass IntegrityError(DatabaseError):\n    pass\n',
    ],
    'pkg/dialects/asyncpg.py': [
      'python',
      'class AdaptDBAPI:\n    class DatabaseError(Exception):\n        pass\n\n    class DataError(DatabaseError):\n        pass\n',
    ],
    // A call on a variable still reaches a member of the name.
    'pkg/engine.py': ['python', 'def handle(dbapi):\n    return dbapi.DatabaseError()\n'],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  assert.equal(refs('pkg/dialects/asyncpg.py', 'DatabaseError'), 1, map.text);
});

test("repo_map: Ruby's attr_reader, include and raise in a class body are Ruby's, not a file's override of the name", () => {
  // Sequel's shape: SQL::Expression overrides attr_reader; every other class calls Ruby's.
  const sources: Record<string, [LanguageId, string]> = {
    'lib/sql.rb': [
      'ruby',
      'module SQL\n  class Expression\n    def self.attr_reader(*args)\n      super\n    end\n\n    def to_sql\n      ""\n    end\n  end\nend\n',
    ],
    'lib/dataset.rb': [
      'ruby',
      'class Dataset\n  include Enumerable\n  attr_reader :db, :opts\n\n  def sql\n    raise ArgumentError unless db\n    SQL::Expression.new.to_sql\n  end\nend\n',
    ],
    'lib/model.rb': ['ruby', 'class Model\n  attr_reader :values\nend\n'],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  assert.equal(refs('lib/sql.rb', 'attr_reader'), 0, map.text);
  // Other uses still count.
  assert.equal(refs('lib/sql.rb', 'to_sql'), 1, map.text);
});

test('pageRank: out-edges lighter than minOut pass on only their share of the rank', () => {
  // Nodes 0 and 1 each point at one node: 0 with a strong edge (to 2), 1 with a weak one (to 3).
  const edges = new Map([
    [0, new Map([[2, 8]])],
    [1, new Map([[3, 0.1]])],
  ]);
  const plain = pageRank(4, edges, null, 0.85, 60, null);
  // Without a floor, the weak edge carries as much as the strong one.
  assert.ok(Math.abs(plain[2]! - plain[3]!) < 1e-9, `${plain[2]} vs ${plain[3]}`);
  const floored = pageRank(4, edges, null, 0.85, 60, null, 4);
  assert.ok(floored[2]! > floored[3]! * 1.5, `${floored[2]} vs ${floored[3]}`);
  // Rank is neither made nor lost.
  assert.ok(Math.abs(floored.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test('identifier weights follow the usual repo-map heuristics', () => {
  assert.equal(identifierWeight('moveToFailed', 1, false), 10);
  assert.equal(identifierWeight('_private', 1, false), 0.1);
  assert.equal(identifierWeight('__init__', 1, false), 0.1);
  assert.equal(identifierWeight('get', 1, false), 0.1);
  assert.ok(Math.abs(identifierWeight('moveToFailed', 6, false) - 1) < 1e-9);
  assert.equal(identifierWeight('Queue', 1, true), 10);
  // Ruby's Object methods and PHP's magic methods say nothing about which class is meant.
  assert.equal(identifierWeight('respond_to?', 1, false), 0.1);
  assert.equal(identifierWeight('to_s', 1, false), 0.1);
  assert.equal(identifierWeight('__construct', 1, false), 0.1);
  assert.ok(Math.abs(identifierWeight('empty?', 1, false, true) - 0.01) < 1e-9);
  assert.ok(Math.abs(identifierWeight('match?', 1, false, true) - 0.1) < 1e-9);
  assert.equal(identifierWeight('parse_query', 1, false, true), 10);
  // The object protocol of C# and Java: long camelCase names, but every class may override them
  // and most calls are on the platform's types.
  assert.equal(identifierWeight('GetHashCode', 1, false, true), 0.1);
  assert.equal(identifierWeight('TryGetValue', 1, false, true), 0.1);
  assert.equal(identifierWeight('hashCode', 1, false, true), 0.1);
  assert.equal(identifierWeight('GetFrameTime', 1, false, true), 10);
  // Rust's standard traits and collections, Ruby's reflection, JavaScript's Object and Array.
  assert.equal(identifierWeight('is_empty', 1, false, true), 0.1);
  assert.equal(identifierWeight('next_back', 1, false, true), 0.1);
  assert.equal(identifierWeight('instance_exec', 1, false, true), 0.1);
  assert.equal(identifierWeight('hasOwnProperty', 1, false, true), 0.1);
  assert.equal(identifierWeight('get_matches', 1, false, true), 10);
});

test("repo_map: calls of Rust's standard method names on any value do not lead the map with a file that implements them", () => {
  const caller = (i: number): [LanguageId, string] => [
    'rust',
    `use crate::command::Command;\npub fn check${i}(v: &Vec<u8>, s: &str, c: Command) -> bool {\n    let _ = c.get_matches();\n    v.is_empty() && s.is_empty() && v.iter_mut().next_back().is_none()\n}\n`,
  ];
  const map = buildRepoMap({
    ...graph({
      'src/styled_str.rs': [
        'rust',
        'pub struct StyledStr(String);\nimpl StyledStr {\n    pub fn is_empty(&self) -> bool {\n        self.0.is_empty()\n    }\n    pub fn iter_mut(&mut self) -> std::slice::IterMut<u8> {\n        todo!()\n    }\n}\npub struct Values;\nimpl DoubleEndedIterator for Values {\n    fn next_back(&mut self) -> Option<u8> {\n        None\n    }\n}\n',
      ],
      'src/command.rs': [
        'rust',
        'pub struct Command;\nimpl Command {\n    pub fn get_matches(self) -> u8 {\n        0\n    }\n}\n',
      ],
      'src/a.rs': caller(1),
      'src/b.rs': caller(2),
      'src/c.rs': caller(3),
    }),
    maxTokens: 4096,
  });
  assert.equal(map.files[0]?.path, 'src/command.rs', map.files.map((f) => f.path).join(' '));
});

test('repo_map: a file over its share keeps its best-ranked definitions, not its first lines', () => {
  // pygments' lexer.py: many small helpers first, then the class every lexer extends.
  const helpers = Array.from(
    { length: 30 },
    (_, k) => `def helper_${String(k).padStart(2, '0')}(value, option=None):\n    return value\n`,
  );
  const sources: Record<string, [LanguageId, string]> = {
    'lexer.py': [
      'python',
      `${helpers.join('\n')}\nclass RegexLexer:\n    def get_tokens(self, text):\n        return text\n`,
    ],
  };
  for (let f = 0; f < 10; f++) {
    const used = [0, 1, 2].map((k) => `helper_${String(f * 3 + k).padStart(2, '0')}`);
    sources[`lexers/l${f}.py`] = [
      'python',
      `from ..lexer import RegexLexer, ${used.join(', ')}\n\n\nclass L${f}(RegexLexer):\n    def go(self):\n        return ${used.join('(')}(self.get_tokens("a")${')'.repeat(used.length)}\n`,
    ];
  }
  const map = buildRepoMap({ ...graph(sources), maxTokens: 512 });
  const block = map.text.slice(map.text.indexOf('lexer.py:'), map.text.indexOf('\nlexers/'));
  assert.ok(block.startsWith('lexer.py:'), map.text);
  assert.match(block, /class RegexLexer/);
  assert.match(block, /def get_tokens/);
  // Over its share: some helpers are left out, and what is shown stays in file order.
  const shown = [...block.matchAll(/def helper_(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(shown.length < 30, block);
  assert.deepEqual(
    shown,
    [...shown].sort((a, b) => a - b),
  );
  assert.ok(block.indexOf('class RegexLexer') > block.lastIndexOf('def helper_'));
  assert.equal(map.truncated, true);
  assert.ok(map.tokens <= 512);
});

test('repo_map: uses of a crate macro, of a prelude name and of a name imported from outside make no edges', () => {
  const sources: Record<string, [LanguageId, string]> = {
    'src/macros.rs': ['rust', 'macro_rules! cfg_rt {\n    ($($item:item)*) => { $($item)* }\n}\n'],
    'src/task/mod.rs': [
      'rust',
      'pub struct JoinError;\npub(crate) type Result<T> = std::result::Result<T, JoinError>;\n',
    ],
    'src/context.rs': ['rust', 'pub(crate) struct Context {\n    budget: u32,\n}\n'],
    'src/runtime.rs': ['rust', 'pub struct Runtime {\n    workers: usize,\n}\n'],
    'src/web/context.ts': ['typescript', 'export class Context {\n  status = 200;\n}\n'],
    'src/web/app.ts': ['typescript', 'export class App {\n  listen() { return 1; }\n}\n'],
  };
  for (let f = 0; f < 6; f++) {
    sources[`src/user${f}.rs`] = [
      'rust',
      `use std::task::Context;\nuse crate::runtime::Runtime;\n\ncfg_rt! {\n    pub fn run${f}(c: &mut Context, r: Runtime) -> Result<()> {\n        Ok(())\n    }\n}\n`,
    ];
    sources[`src/web/handler${f}.ts`] = [
      'typescript',
      `import { Context } from 'koa';\nimport { App } from './app';\nexport function handle${f}(ctx: Context, app: App) { return app.listen(); }\n`,
    ];
  }
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refsTo = (path: string) =>
    (map.files.find((f) => f.path === path)?.symbols ?? []).reduce((n, s) => n + s.refs, 0);
  for (const path of ['src/macros.rs', 'src/task/mod.rs', 'src/context.rs', 'src/web/context.ts'])
    assert.equal(refsTo(path), 0, `${path}\n${map.text}`);
  assert.ok(refsTo('src/runtime.rs') >= 6, map.text);
  assert.ok(refsTo('src/web/app.ts') >= 6, map.text);
  assert.deepEqual(
    map.files
      .slice(0, 2)
      .map((f) => f.path)
      .sort(),
    ['src/runtime.rs', 'src/web/app.ts'],
  );
});

test("repo_map: a used file's public types get a share of its own rank", () => {
  // The class users meet is used once inside the library; helpers are used everywhere.
  const sources: Record<string, [LanguageId, string]> = {
    'src/engine.ts': [
      'typescript',
      "import { formatValue } from './util';\nexport class Engine {\n  run() { return formatValue(1); }\n}\n",
    ],
    'src/util.ts': [
      'typescript',
      'export function formatValue(v: number) { return String(v); }\nexport function parseValue(s: string) { return Number(s); }\nexport function clampValue(v: number) { return v; }\n',
    ],
    'src/index.ts': [
      'typescript',
      "import { Engine } from './engine';\nexport const engine = new Engine();\n",
    ],
  };
  for (let f = 0; f < 8; f++)
    sources[`src/part${f}.ts`] = [
      'typescript',
      `import { formatValue, parseValue, clampValue } from './util';\nexport function part${f}() { return clampValue(formatValue(parseValue('${f}'))); }\n`,
    ];
  // Room for two lines: the most used helper, then the class (not a second helper).
  const map = buildRepoMap({ ...graph(sources), maxTokens: 40 });
  assert.match(map.text, /^src\/engine\.ts:\n {2}2: export class Engine$/m, map.text);
  assert.equal(map.files[0]?.path, 'src/util.ts');
});

test('repo_map: a class declared in a namespace is at its module top level, not a member', () => {
  // spdlog: `namespace spdlog { class logger … }` is used as much as a class outside any
  // namespace, and must weigh as much (as a member, its one-word name counted a tenth).
  const users = Object.fromEntries(
    ['a', 'b', 'c'].map((f): [string, [LanguageId, string]] => [
      `${f}.cpp`,
      ['cpp', `void use_${f}(spdlog::logger &l, tracer &t) { l.flush(); t.mark(); }\n`],
    ]),
  );
  const map = buildRepoMap({
    ...graph({
      'logger.h': ['cpp', 'namespace spdlog {\nclass logger {\npublic:\n  void flush();\n};\n}\n'],
      'tracer.h': ['cpp', 'class tracer {\npublic:\n  void mark();\n};\n'],
      ...users,
    }),
    maxTokens: 1024,
  });
  const rank = (path: string) => map.files.find((f) => f.path === path)?.rank ?? 0;
  assert.ok(rank('logger.h') > 0);
  assert.ok(
    Math.abs(rank('logger.h') - rank('tracer.h')) / rank('tracer.h') < 0.05,
    JSON.stringify(map.files),
  );
  assert.deepEqual(
    map.files.find((f) => f.path === 'logger.h')?.symbols.map((s) => `${s.kind} ${s.name}`),
    ['class logger', 'method flush'],
  );
});

test('repo_map: members of a scoped enum take no uses of their bare names', () => {
  // expo-modules-core: `enum class Type { Boolean, Number, String, Map, Array }` inside one Kotlin
  // class took every use of the types `Boolean`, `String` and `Map` in the package, and its entries
  // led the map.
  const users = Object.fromEntries(
    ['A', 'B', 'C'].map((f): [string, [LanguageId, string]] => [
      `${f}.kt`,
      [
        'kotlin',
        `class User${f} {\n  fun run(flag: Boolean, name: String): Map<String, Any> = convert(flag)\n}\n`,
      ],
    ]),
  );
  const kotlin = buildRepoMap({
    ...graph({
      'ExpoDynamic.kt': [
        'kotlin',
        'class ExpoDynamic {\n  enum class Type {\n    Boolean,\n    String,\n    Map\n  }\n}\n',
      ],
      'Convert.kt': ['kotlin', 'fun convert(flag: Boolean): Map<String, Any> = mapOf()\n'],
      ...users,
    }),
    maxTokens: 1024,
  });
  const rankOf = (map: typeof kotlin, path: string) => map.files.find((f) => f.path === path)?.rank ?? 0;
  // No use reaches the enum: its file ranks as the users do, which nothing uses.
  assert.ok(
    rankOf(kotlin, 'Convert.kt') > 1.5 * rankOf(kotlin, 'ExpoDynamic.kt'),
    JSON.stringify(kotlin.files),
  );
  assert.equal(rankOf(kotlin, 'ExpoDynamic.kt'), rankOf(kotlin, 'A.kt'), JSON.stringify(kotlin.files));
  assert.doesNotMatch(kotlin.text, /^\s+\d+: Boolean$/m);
});

test('repo_map: C# namespaces take no line, and a scoped enum member does not follow its namesake', () => {
  // react-native-windows: every file spent a line on `namespace ReactNative.Bridge`, and the class
  // `Native` was followed by its nested enum's member `Native`.
  const users = Object.fromEntries(
    ['A', 'B', 'C'].map((f): [string, [LanguageId, string]] => [
      `User${f}.cs`,
      [
        'csharp',
        `namespace App.Users\n{\n  class User${f}\n  {\n    int Run(Key k, Dimensions d) { Native.JsRelease(); k.GetHashCode(); d.GetHashCode(); return k.Equals(d) ? 1 : 0; }\n  }\n}\n`,
      ],
    ]),
  );
  const map = buildRepoMap({
    ...graph({
      'Native.cs': [
        'csharp',
        'namespace App.Chakra\n{\n  static class Native\n  {\n    public enum ProfilerScriptType\n    {\n      User,\n      Native,\n    }\n    public static void JsRelease() { }\n  }\n}\n',
      ],
      'Dimensions.cs': [
        'csharp',
        'namespace App.UI\n{\n  struct Dimensions\n  {\n    public override int GetHashCode() { return 1; }\n    public override bool Equals(object o) { return false; }\n  }\n}\n',
      ],
      'Key.cs': [
        'csharp',
        'namespace App.UI\n{\n  class Key\n  {\n    public override int GetHashCode() { return 2; }\n  }\n}\n',
      ],
      ...users,
    }),
    maxTokens: 1024,
  });
  assert.doesNotMatch(map.text, /namespace/, map.text);
  assert.match(map.text, /^Native\.cs:\n {2}3: static class Native$/m, map.text);
  assert.doesNotMatch(map.text, /^\s+\d+: Native,?$/m, map.text);
  const shown = (path: string) => map.files.find((f) => f.path === path)?.symbols.map((s) => s.name) ?? [];
  assert.deepEqual(shown('Native.cs'), ['Native', 'JsRelease'], map.text);
  assert.match(map.text, /^Key\.cs:\n {2}3: class Key$/m, map.text);
});

test('repo_map: a call on a literal means no definition, a plain call no method or field', () => {
  // Django: every `', '.join(parts)` counted for the template filter `join` (and `Query.join`),
  // every `super()` for `BlockNode.super`, every `type(x)` for a model's field named `type`.
  const users = Object.fromEntries(
    ['a', 'b', 'c'].map((f): [string, [LanguageId, string]] => [
      `user_${f}.py`,
      [
        'python',
        `from helpers import slugify\n\nclass User${f.toUpperCase()}(object):\n    def run(self, parts):\n        super().run()\n        kind = type(parts)\n        return slugify(", ".join(parts), kind)\n`,
      ],
    ]),
  );
  const map = buildRepoMap({
    ...graph({
      'filters.py': ['python', 'def join(value, arg):\n    return value\n'],
      'nodes.py': ['python', 'class BlockNode(object):\n    def super(self):\n        return 1\n'],
      'models.py': ['python', 'class Column(object):\n    type = 1\n'],
      'helpers.py': ['python', 'def slugify(value, kind):\n    return value\n'],
      ...users,
    }),
    maxTokens: 1024,
  });
  const rank = (path: string) => map.files.find((f) => f.path === path)?.rank ?? 0;
  const refsOf = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((s) => s.name === name)?.refs ?? 0;
  assert.ok(refsOf('helpers.py', 'slugify') > 0, map.text);
  assert.equal(refsOf('filters.py', 'join'), 0, map.text);
  assert.equal(refsOf('nodes.py', 'super'), 0, map.text);
  assert.equal(refsOf('models.py', 'type'), 0, map.text);
  // Nothing points into them: they rank as the users do, below the helper every user calls.
  for (const p of ['filters.py', 'nodes.py', 'models.py']) {
    assert.ok(rank('helpers.py') > 1.5 * rank(p), `${p}: ${JSON.stringify(map.files)}`);
  }
});

test('the graph knows every literal receiver class the extractor names', () => {
  const named = new Set<string>();
  for (const language of CODE_LANGUAGE_IDS)
    for (const c of Object.values(rulesFor(language).literalClasses ?? {})) named.add(c);
  assert.deepEqual([...named].sort(), [...LITERAL_RECEIVERS].sort());
});

test('repo_map: a shown class takes no extra lines for its constructors', () => {
  const users = Object.fromEntries(
    ['A', 'B'].map((f): [string, [LanguageId, string]] => [
      `User${f}.java`,
      [
        'java',
        `class User${f} {\n  long run() { AtomicLong n = new AtomicLong(1); return n.incrementAndGet(); }\n}\n`,
      ],
    ]),
  );
  const map = buildRepoMap({
    ...graph({
      'AtomicLong.java': [
        'java',
        'public class AtomicLong {\n  public AtomicLong(long initialValue) {}\n  public AtomicLong() {}\n  public long incrementAndGet() { return 1; }\n}\n',
      ],
      ...users,
    }),
    maxTokens: 1024,
  });
  const block = map.text.slice(map.text.indexOf('AtomicLong.java:'));
  assert.match(block, /1: public class AtomicLong\n/);
  assert.doesNotMatch(block, /public AtomicLong\(/);
  assert.match(block, /4: public long incrementAndGet\(\)/);
});

test('repo_map: a bare name defined in several files means the nearest one in Ruby, Go or Java, not in JavaScript', () => {
  // Rack defines `Request` in `request.rb` and in `auth/digest/request.rb`: `builder.rb` means the
  // first, `auth/digest/md5.rb` the second.
  const ruby = buildRepoMap({
    ...graph({
      'rack/request.rb': ['ruby', 'module Rack\n  class Request\n    def initialize(env); end\n  end\nend\n'],
      'rack/auth/digest/request.rb': [
        'ruby',
        'module Rack\n  module Auth\n    module Digest\n      class Request\n        def initialize(env); end\n      end\n    end\n  end\nend\n',
      ],
      'rack/builder.rb': [
        'ruby',
        'module Rack\n  class Builder\n    def call(env) = Request.new(env)\n  end\nend\n',
      ],
      'rack/lint.rb': [
        'ruby',
        'module Rack\n  class Lint\n    def call(env) = Request.new(env)\n  end\nend\n',
      ],
      'rack/auth/digest/md5.rb': [
        'ruby',
        'module Rack\n  module Auth\n    module Digest\n      class MD5\n        def call(env) = Request.new(env)\n      end\n    end\n  end\nend\n',
      ],
    }),
    maxTokens: 1024,
  });
  const rankOf = (map: typeof ruby, path: string) => map.files.find((f) => f.path === path)?.rank ?? 0;
  const refsOf = (path: string) => ruby.files.find((f) => f.path === path)?.symbols[0]?.refs;
  assert.equal(refsOf('rack/request.rb'), 2, JSON.stringify(ruby.files));
  assert.equal(refsOf('rack/auth/digest/request.rb'), 1, JSON.stringify(ruby.files));
  assert.ok(rankOf(ruby, 'rack/request.rb') > rankOf(ruby, 'rack/auth/digest/request.rb'));
  // JavaScript: a name no import names is a member or a global, and no directory tells which.
  const js = buildRepoMap({
    ...graph({
      'lib/job.js': ['javascript', 'class Job {\n  run() {}\n}\nmodule.exports = Job\n'],
      'lib/flows/job.js': ['javascript', 'class Job {\n  run() {}\n}\nmodule.exports = Job\n'],
      'lib/a.js': ['javascript', 'function a(q) { return new q.Job() }\nmodule.exports = a\n'],
      'lib/b.js': ['javascript', 'function b(q) { return new q.Job() }\nmodule.exports = b\n'],
    }),
    maxTokens: 1024,
  });
  assert.ok(
    Math.abs(rankOf(js, 'lib/job.js') - rankOf(js, 'lib/flows/job.js')) < 1e-9,
    JSON.stringify(js.files),
  );
});

test('repo_map: definitions made by one line show the line once', () => {
  const users = Object.fromEntries(
    ['a', 'b'].map((f): [string, [LanguageId, string]] => [
      `${f}.rb`,
      [
        'ruby',
        `class User${f.toUpperCase()}\n  def run(p) = [p.key_space_limit, p.param_depth_limit]\nend\n`,
      ],
    ]),
  );
  const map = buildRepoMap({
    ...graph({
      'query_parser.rb': [
        'ruby',
        'class QueryParser\n  attr_reader :key_space_limit, :param_depth_limit\nend\n',
      ],
      ...users,
    }),
    maxTokens: 1024,
  });
  assert.equal(map.text.match(/2: attr_reader :key_space_limit, :param_depth_limit/g)?.length, 1, map.text);
});

test('repo_map: a method called on a variable means the classes named like it, never a module function', () => {
  const sources: Record<string, [LanguageId, string]> = {
    // Capacitor's shape: four classes define getString, and plugins call it on `call`.
    'src/PluginCall.java': [
      'java',
      'public class PluginCall {\n  public String getString(String name) { return name; }\n}\n',
    ],
    'src/CapConfig.java': [
      'java',
      'public class CapConfig {\n  public String getString(String key) { return key; }\n}\n',
    ],
    'src/JSObject.java': [
      'java',
      'public class JSObject {\n  public String getString(String key) { return key; }\n}\n',
    ],
    'src/Camera.java': [
      'java',
      'public class Camera {\n  void take(PluginCall call, JSObject data) {\n    call.getString("a");\n    this.savedCall.getString("b");\n  }\n}\n',
    ],
    // Click's shape: `ctx.invoke(…)` is a Context's, not a Command's (`ctx` abbreviates it).
    'pkg/context.py': ['python', 'class Context:\n    def invoke(self, f):\n        return f()\n'],
    'pkg/command.py': ['python', 'class Command:\n    def invoke(self, ctx):\n        return ctx\n'],
    'pkg/decorators.py': ['python', 'def run(ctx, f):\n    return ctx.invoke(f)\n'],
    // Django's shape: a template filter `lower`, and `value.lower()` on strings elsewhere.
    'pkg/defaultfilters.py': [
      'python',
      'def lower(value):\n    return value.lower()\n\n\ndef slugify(value):\n    return value\n',
    ],
    'pkg/views.py': [
      'python',
      'import pkg.text\n\n\ndef view(name):\n    a = name.lower()\n    return pkg.text.wrap(a)\n',
    ],
    'pkg/urls.py': [
      'python',
      'from . import defaultfilters\n\n\ndef url(x):\n    return defaultfilters.slugify(x)\n',
    ],
    // A module imported under an alias, which the index does not record.
    'pkg/forms.py': ['python', 'from . import fields as f\n\n\ndef form(x):\n    return f.clean(x)\n'],
    'pkg/fields.py': ['python', 'def clean(x):\n    return x\n'],
    // A module imported by its dotted path, its function called through that path.
    'pkg/text.py': ['python', 'def wrap(s):\n    return s\n'],
  };
  const map = buildRepoMap({ ...graph(sources), maxTokens: 4096 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  assert.equal(refs('src/PluginCall.java', 'getString'), 1, map.text);
  assert.equal(refs('src/CapConfig.java', 'getString'), 0, map.text);
  assert.equal(refs('src/JSObject.java', 'getString'), 0, map.text);
  assert.equal(refs('pkg/context.py', 'invoke'), 1, map.text);
  assert.equal(refs('pkg/command.py', 'invoke'), 0, map.text);
  // `name.lower()` is a string's method; `defaultfilters.slugify()` goes through the module.
  assert.equal(refs('pkg/defaultfilters.py', 'lower'), 0, map.text);
  assert.equal(refs('pkg/defaultfilters.py', 'slugify'), 1, map.text);
  assert.equal(refs('pkg/text.py', 'wrap'), 1, map.text);
  assert.equal(refs('pkg/fields.py', 'clean'), 1, map.text);
});

test('Go build constraints: what a default Linux/amd64 build includes', () => {
  for (const [expr, holds] of [
    ['linux', true],
    ['!boringcrypto', true],
    ['boringcrypto', false],
    ['linux && !boringcrypto', true],
    ['(darwin || linux) && cgo', true],
    ['windows || plan9', false],
    ['!(linux && amd64)', false],
    ['go1.18 && !purego', true],
    ['unix && !ignore', true],
    ['linux &&', true], // cannot be parsed: counted as built
  ] as const)
    assert.equal(goBuildExpressionHolds(expr), holds, expr);
  assert.equal(goHeaderBuilds('// Copyright\n\n//go:build boringcrypto\n\npackage tls\n'), false);
  assert.equal(
    goHeaderBuilds('package tls\n\n//go:build boringcrypto\n'),
    true,
    'after package: no constraint',
  );
  assert.equal(goHeaderBuilds('// +build linux darwin\n// +build !cgo\n\npackage x\n'), false);
  assert.equal(goHeaderBuilds('// +build linux,amd64 windows\n\npackage x\n'), true);
  assert.equal(goHeaderBuilds('package x\n'), true);
});

test("repo_map: of a Go package's build variants without a platform suffix, the one a default build includes takes the uses", () => {
  const dir = mkdtempSync(join(tmpdir(), 'codeindex-gobuild-'));
  try {
    const variant = (tag: string) =>
      `//go:build ${tag}\n\npackage tls\n\nfunc needFIPS() bool { return false }\n`;
    const sources: Record<string, [LanguageId, string]> = {
      'tls/boring.go': ['go', variant('boringcrypto')],
      'tls/notboring.go': ['go', variant('!boringcrypto')],
      'tls/common.go': ['go', 'package tls\n\nfunc supported() bool {\n\treturn !needFIPS()\n}\n'],
    };
    for (const [rel, [, text]] of Object.entries(sources)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    const data = graph(sources);
    const goBuilt = goBuildReader(data.files.map((f) => ({ ...f, path: join(dir, f.path) })));
    const refs = (map: ReturnType<typeof buildRepoMap>, path: string) =>
      map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === 'needFIPS')?.refs ?? 0;
    const map = buildRepoMap({ ...structuredClone(data), goBuilt, maxTokens: 1024 });
    assert.equal(refs(map, 'tls/notboring.go'), 1, map.text);
    assert.equal(refs(map, 'tls/boring.go'), 0, map.text);
    // By file name alone, the shorter name won.
    const byName = buildRepoMap({ ...structuredClone(data), maxTokens: 1024 });
    assert.equal(refs(byName, 'tls/boring.go'), 1, byName.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('repo_map: a file that became a FIFO since it was indexed is not opened (the map would hang)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codeindex-fifo-'));
  try {
    const go = join(dir, 'x_windows.go');
    const config = join(dir, 'tsconfig.json');
    execFileSync('mkfifo', [go, config]);
    const built = goBuildReader([{ id: 1, path: go, language: 'go' }]);
    assert.equal(built(1), true);
    const project = readProjectConfig([{ path: config, rel: 'tsconfig.json' }]);
    assert.deepEqual(project, { packages: [], aliases: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('repo_map: an import through a tsconfig path alias (@/lib/utils) reaches the file, not a package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codeindex-alias-'));
  try {
    // JSON with comments and trailing commas, as tsconfig files are written.
    writeFileSync(
      join(dir, 'tsconfig.json'),
      '{\n  // paths\n  "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./src/*"], "~lib/*": ["src/lib/*"], }, },\n}\n',
    );
    const sources: Record<string, [LanguageId, string]> = {
      'src/lib/utils.ts': [
        'typescript',
        'export function classNames(...a: string[]) { return a.join(" "); }\nexport function formatDate(d: Date) { return String(d); }\n',
      ],
      'src/components/Button.tsx': [
        'tsx',
        'import { classNames } from "@/lib/utils";\nexport function Button() { return classNames("a"); }\n',
      ],
      'src/page.tsx': [
        'tsx',
        'import { formatDate } from "~lib/utils";\nimport { Button } from "@/components/Button";\nexport function Page() { return [Button(), formatDate(new Date())]; }\n',
      ],
    };
    const data = graph(sources);
    const { aliases } = readProjectConfig([
      { path: join(dir, 'tsconfig.json'), rel: 'tsconfig.json', root: '/repo/pkg' },
    ]);
    assert.deepEqual(
      aliases.map((a) => [a.pattern, a.targets]),
      [
        ['@/*', ['src/*']],
        ['~lib/*', ['src/lib/*']],
        ['*', ['*']],
      ],
    );
    const refs = (map: ReturnType<typeof buildRepoMap>, path: string, name: string) =>
      map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
    const map = buildRepoMap({ ...structuredClone(data), aliases, maxTokens: 1024 });
    assert.equal(refs(map, 'src/lib/utils.ts', 'classNames'), 1, map.text);
    assert.equal(refs(map, 'src/lib/utils.ts', 'formatDate'), 1, map.text);
    assert.equal(refs(map, 'src/components/Button.tsx', 'Button'), 1, map.text);
    // Without the aliases, `@/lib/utils` reads as a package: its names are no use of the file's.
    const blind = buildRepoMap({ ...structuredClone(data), maxTokens: 1024 });
    assert.equal(refs(blind, 'src/lib/utils.ts', 'classNames'), 0, blind.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("repo_map: a package's subpath imports (#lib/utils) reach the files they name", () => {
  const dir = mkdtempSync(join(tmpdir(), 'codeindex-imports-'));
  try {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'app',
        imports: {
          '#lib/*': './src/lib/*.js',
          '#config': { node: './src/config.js', default: './src/config-browser.js' },
          '#dep': 'some-package',
        },
      }),
    );
    const sources: Record<string, [LanguageId, string]> = {
      'src/lib/utils.ts': [
        'typescript',
        'export function classNames(...a: string[]) { return a.join(" "); }\n',
      ],
      'src/config.ts': ['typescript', 'export function loadSettings() { return {}; }\n'],
      'src/main.ts': [
        'typescript',
        'import { classNames } from "#lib/utils";\nimport { loadSettings } from "#config";\nexport function main() { return [classNames("a"), loadSettings()]; }\n',
      ],
    };
    const data = graph(sources);
    const { aliases } = readProjectConfig([
      { path: join(dir, 'package.json'), rel: 'package.json', root: '/repo/pkg' },
    ]);
    assert.deepEqual(
      aliases.map((a) => [a.pattern, a.targets]),
      [
        ['#lib/*', ['src/lib/*.js']],
        ['#config', ['src/config.js', 'src/config-browser.js']],
      ],
    );
    const map = buildRepoMap({ ...structuredClone(data), aliases, maxTokens: 1024 });
    const refs = (path: string, name: string) =>
      map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
    assert.equal(refs('src/lib/utils.ts', 'classNames'), 1, map.text);
    assert.equal(refs('src/config.ts', 'loadSettings'), 1, map.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("repo_map: a Go call on an imported package's name means that package's function, and none of the scope's for a package outside it", () => {
  const data = graph({
    'internal/robustio/robustio.go': [
      'go',
      'package robustio\n\nfunc ReadFile(name string) ([]byte, error) { return nil, nil }\n\nfunc RemoveAll(path string) error { return nil }\n',
    ],
    'internal/par/work.go': [
      'go',
      'package par\n\ntype Work struct{}\n\nfunc (w *Work) Do(n int) {}\n\nfunc Run() {}\n',
    ],
    'tools/par/par.go': ['go', 'package par\n\nfunc Run() {}\n'],
    'internal/work/exec.go': ['go', 'package work\n\nfunc Do(n int) {}\n'],
    // A copy of go/build's `Context`: `build.Context` elsewhere is the standard library's.
    'internal/modindex/build.go': ['go', 'package modindex\n\ntype Context struct{}\n'],
    'internal/load/pkg.go': [
      'go',
      'package load\n\nimport "go/build"\n\nvar ctx build.Context\n\nfunc use(c build.Context) {}\n',
    ],
    // `example.com/pkg/...` resolves (the scope is `pkg`); `cmd/go/internal/robustio` does not.
    'internal/modfetch/fetch.go': [
      'go',
      'package modfetch\n\nimport (\n\t"os"\n\n\t"example.com/pkg/internal/par"\n)\n\nfunc download(w *par.Work) {\n\tos.ReadFile("go.sum")\n\tos.RemoveAll("tmp")\n\tw.Do(1)\n\tpar.Run()\n}\n',
    ],
    'internal/modfetch/cache.go': [
      'go',
      'package modfetch\n\nimport rio "cmd/go/internal/robustio"\n\nfunc clean() {\n\trio.RemoveAll("cache")\n}\n',
    ],
  });
  const map = buildRepoMap({ ...data, maxTokens: 2048 });
  const refs = (path: string, name: string) =>
    map.files.find((f) => f.path === path)?.symbols.find((x) => x.name === name)?.refs ?? 0;
  // `os.ReadFile`, `os.RemoveAll`: the standard library's, not robustio's.
  assert.equal(refs('internal/robustio/robustio.go', 'ReadFile'), 0, map.text);
  // Through the alias `rio`, of an import the scope's paths do not end with: the directory's name.
  assert.equal(refs('internal/robustio/robustio.go', 'RemoveAll'), 1, map.text);
  assert.equal(refs('internal/modindex/build.go', 'Context'), 0, map.text);
  // The package the import resolved to, not another directory of the same name.
  assert.equal(refs('internal/par/work.go', 'Run'), 1, map.text);
  assert.equal(refs('tools/par/par.go', 'Run'), 0, map.text);
  // `w.Do(1)` on a variable: the method, not another package's function.
  assert.equal(refs('internal/par/work.go', 'Do'), 1, map.text);
  assert.equal(refs('internal/work/exec.go', 'Do'), 0, map.text);
});

test('repo_map: a type parameter (A, T) reaches no definition, and a property named like a shown type is not shown with it', () => {
  const data = graph({
    'src/Effect.ts': [
      'typescript',
      'export interface Effect<out A, out E = never> {\n  readonly value: A\n}\n\nexport interface EffectUnifyIgnore {\n  Effect?: true\n}\n',
    ],
    'src/Data.ts': [
      'typescript',
      'export interface Record3 {\n  readonly A: unknown\n  readonly T: unknown\n}\n',
    ],
    'src/use.ts': [
      'typescript',
      'import type { Effect } from "./Effect"\n\nexport function map<A, B, T>(self: Effect<A>, f: (a: A) => B, t: T): Effect<B> {\n  return self as unknown as Effect<B>\n}\n\nexport function flat<A>(self: Effect<Effect<A>>): Effect<A> {\n  return self as unknown as Effect<A>\n}\n',
    ],
  });
  const map = buildRepoMap({ ...data, maxTokens: 2048 });
  const shown = (path: string) =>
    map.files.find((f) => f.path === path)?.symbols.map((s) => `${s.kind} ${s.name}`);
  const effect = shown('src/Effect.ts') ?? [];
  assert.ok(effect.includes('interface Effect'), map.text);
  assert.ok(!effect.some((s) => s.endsWith(' Effect') && s !== 'interface Effect'), map.text);
  assert.ok(!map.text.includes('Effect?: true'), map.text);
  // `A` and `T` are the functions' type parameters, not Record3's fields.
  assert.deepEqual(shown('src/Data.ts') ?? [], [], map.text);
});

test('repo_map: a Java annotation type used on every method weighs a tenth of a use, far below a class the files call', () => {
  const user = (i: number): [LanguageId, string] => [
    'java',
    `package app;\n\nimport app.annotations.DoNotStrip;\n\npublic class Module${i} {\n  public void a(ReactContext c) { c.getJSModule(); }\n${['b', 'c', 'd', 'e', 'f', 'g', 'h', 'k'].map((m) => `  @DoNotStrip\n  public native void ${m}();\n`).join('')}}\n`,
  ];
  const map = buildRepoMap({
    ...graph({
      'app/annotations/DoNotStrip.java': [
        'java',
        'package app.annotations;\n\npublic @interface DoNotStrip {}\n',
      ],
      'app/ReactContext.java': [
        'java',
        'package app;\n\npublic class ReactContext {\n  public Object getJSModule() { return null; }\n}\n',
      ],
      'app/Module1.java': user(1),
      'app/Module2.java': user(2),
      'app/Module3.java': user(3),
    }),
    maxTokens: 4096,
  });
  const rank = (path: string) => map.files.find((f) => f.path === path)?.rank ?? 0;
  assert.equal(map.files[0]?.path, 'app/ReactContext.java', map.files.map((f) => f.path).join(' '));
  // Eight uses of the annotation per file against one of the class and one of its method.
  assert.ok(
    rank('app/annotations/DoNotStrip.java') < rank('app/ReactContext.java') / 2,
    map.files.map((f) => `${f.path} ${f.rank.toFixed(3)}`).join(', '),
  );
});
