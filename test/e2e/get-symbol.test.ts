import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  LEADING_LINES,
  leadingStart,
  MAX_SOURCE_CHARS,
  parentNames,
  relocate,
  splitQualified,
} from '../../src/mcp/symbol-source.js';
import {
  callTool,
  callToolError,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

type Sym = {
  name: string;
  kind: string;
  path: string;
  line: number;
  end_line: number;
  container: string | null;
};
type Got = {
  symbol: Sym;
  start_line: number;
  end_line: number;
  source: string;
  truncated: boolean;
  stale: boolean;
  other_definitions: Sym[];
};

/** Lines `from`..`to` (1-based, inclusive) of a file, as get_symbol should show them. */
function linesOf(path: string, from: number, to: number): string {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(from - 1, to)
    .join('\n');
}

/** The 1-based line of a file that starts with `prefix` (after indentation). */
function lineStarting(path: string, prefix: string): number {
  const i = readFileSync(path, 'utf8')
    .split('\n')
    .findIndex((l) => l.trimStart().startsWith(prefix));
  assert.ok(i >= 0, `${prefix} not in ${path}`);
  return i + 1;
}

describe('get_symbol: one definition’s source by name, over MCP', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'off' });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
  });
  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  /** Writes `lines` to `rel` under the repository and indexes that file. */
  async function writeIndexed(rel: string, lines: readonly string[]): Promise<string> {
    const file = join(repo, rel);
    writeFileSync(file, lines.join('\n'));
    const t = await callTool(mcp.client, 'index_file', { path: file });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    return file;
  }

  test('a function with its doc comment, exactly as the file has it', async () => {
    const file = join(repo, 'ts/models.ts');
    const doc = lineStarting(file, '/** Normalises a display name');
    const end = lineStarting(file, 'return name.trim()') + 1;
    const got = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'normalizeName' });
    assert.equal(got.symbol.path, file);
    assert.equal(got.symbol.kind, 'function');
    assert.equal(got.symbol.line, doc + 1);
    assert.equal(got.start_line, doc);
    assert.equal(got.end_line, end);
    assert.equal(got.source, linesOf(file, doc, end));
    assert.equal(got.truncated, false);
    assert.equal(got.stale, false);
    assert.deepEqual(got.other_definitions, []);
  });

  test('a qualified name reads that class’s method; decorators and comments above it come along', async () => {
    const go = join(repo, 'go/store.go');
    const got = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'Store.Get' });
    assert.equal(got.symbol.path, go);
    assert.equal(got.start_line, lineStarting(go, '// Get returns the value for key.'));
    assert.match(got.source, /^\/\/ Get returns the value for key\.\nfunc \(s \*Store\) Get\(key string\)/);
    assert.match(got.source, /return v, ok\n}$/);

    const java = join(repo, 'java/com/example/store/Store.java');
    const get = await callTool<Got>(mcp.client, 'get_symbol', {
      symbol: 'get',
      path: join(repo, 'java'),
      max_lines: 10,
    });
    assert.equal(get.symbol.path, java);
    // The class's method and the interface's declaration are both definitions of `get`.
    const all = [get.symbol, ...get.other_definitions].map((s) => `${s.container}.${s.name}:${s.line}`);
    assert.ok(
      all.some((s) => s.startsWith('Store.get:')),
      all.join(' '),
    );
    assert.ok(
      all.some((s) => s.startsWith('Readable.get:')),
      all.join(' '),
    );
    const method = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'Store.get', path: java });
    assert.equal(method.symbol.container, 'Store');
    assert.match(
      method.source,
      /^ {4}@Override\n {4}public V get\(String key\) \{\n {8}return items\.get\(key\);\n {4}\}$/,
    );
  });

  test('a qualifier no class or module matches is said, and the best other definition shown', async () => {
    const r = await mcp.client.callTool({
      name: 'get_symbol',
      arguments: { symbol: 'NoSuchClass.normalizeName', max_lines: 1 },
    });
    const got = r.structuredContent as Got & { qualifier_matched?: boolean };
    assert.equal(got.symbol.name, 'normalizeName');
    assert.equal(got.qualifier_matched, false);
    const text = (r.content as { text: string }[])[0]?.text ?? '';
    assert.match(
      text,
      /\(no normalizeName is defined in a class or module named NoSuchClass, nor in a class it extends as far as the index knows: this is the best other definition/,
    );
    const matched = await callTool<Got & { qualifier_matched?: boolean }>(mcp.client, 'get_symbol', {
      symbol: 'Store.Get',
      max_lines: 1,
    });
    assert.equal(matched.qualifier_matched, undefined);
  });

  test("a Kotlin companion object's member is its class's: TouchEvent.obtain is TouchEvent.Companion.obtain", async () => {
    // In a file named for neither class, so only the container can match the qualifier.
    await writeIndexed('kotlin/Events.kt', [
      'class ScrollEvent {',
      '    companion object {',
      '        fun obtain(x: Int): ScrollEvent = ScrollEvent()',
      '    }',
      '}',
      '',
      'class TouchEvent {',
      '    companion object {',
      '        fun obtain(y: Int): TouchEvent = TouchEvent()',
      '    }',
      '}',
      '',
    ]);
    const got = await callTool<Got & { qualifier_matched?: boolean }>(mcp.client, 'get_symbol', {
      symbol: 'TouchEvent.obtain',
    });
    assert.deepEqual(
      [got.symbol.container, got.start_line, got.qualifier_matched],
      ['TouchEvent.Companion', 9, undefined],
    );
    assert.match(got.source, /fun obtain\(y: Int\)/);
  });

  test('a long class is cut at max_lines, with the way to read its members', async () => {
    const py = join(repo, 'python/models.py');
    const r = await mcp.client.callTool({
      name: 'get_symbol',
      arguments: { symbol: 'Account', max_lines: 2 },
    });
    assert.equal(r.isError, undefined);
    const got = r.structuredContent as Got;
    assert.equal(got.symbol.path, py);
    assert.equal(got.truncated, true);
    // The decorator above comes on top of max_lines.
    assert.equal(got.start_line, lineStarting(py, '@dataclass'));
    assert.equal(got.end_line, got.start_line + 2);
    assert.equal(got.source, '@dataclass\nclass Account:\n    """A user account."""');
    const text = (r.content as { text: string }[])[0]?.text ?? '';
    assert.match(
      text,
      /cut at max_lines 2: the definition ends at line \d+; read a member as get_symbol Account\.<member>/,
    );
  });

  test('a huge definition is cut at the answer’s character budget, whatever max_lines says', async () => {
    const file = join(repo, 'python/huge.py');
    const body = Array.from({ length: 1500 }, (_, i) => `    x${i} = "${'y'.repeat(90)}"`).join('\n');
    writeFileSync(file, `def huge_table():\n${body}\n    return x0\n`);
    const t = await callTool(mcp.client, 'index_file', { path: file });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const r = await mcp.client.callTool({
      name: 'get_symbol',
      arguments: { symbol: 'huge_table', max_lines: 2000 },
    });
    const got = r.structuredContent as Got;
    assert.equal(got.truncated, true);
    assert.ok(got.source.length <= MAX_SOURCE_CHARS, String(got.source.length));
    assert.ok(got.source.length > MAX_SOURCE_CHARS - 200, String(got.source.length));
    assert.equal(got.source.split('\n').length, got.end_line - got.start_line + 1);
    const text = (r.content as { text: string }[])[0]?.text ?? '';
    assert.match(
      text,
      new RegExp(
        `cut at ${MAX_SOURCE_CHARS} characters: the definition ends at line 1502; read lines ${got.end_line + 1}-1502 from the file`,
      ),
    );
  });

  test('a name no definition has is a one-line error with the closest names', async () => {
    const err = await callToolError(mcp.client, 'get_symbol', { symbol: 'make_acount' });
    assert.match(err, /^SYMBOL_NOT_FOUND: no definition is named "make_acount"; closest: .*make_account/);
    const outside = await callToolError(mcp.client, 'get_symbol', { symbol: 'x', path: '/etc' });
    assert.match(outside, /^PATH_OUTSIDE_ROOT/);
  });

  test('an indexed file replaced by a link out of the root is not read', async () => {
    const file = join(repo, 'ts/models.ts');
    const outside = join(env.tmp, 'outside-models.ts');
    copyFileSync(file, outside);
    rmSync(file);
    symlinkSync(outside, file);
    const err = await callToolError(mcp.client, 'get_symbol', { symbol: 'normalizeName' });
    assert.match(err, /^PATH_OUTSIDE_ROOT: /);
  });

  test('a file edited since it was indexed: the definition is found where it is now', async () => {
    const py = join(repo, 'python/models.py');
    const before = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'make_account' });
    writeFileSync(py, `# one\n# two\n\nimport os\n\n${readFileSync(py, 'utf8')}`);
    const got = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'make_account' });
    assert.equal(got.stale, true);
    assert.equal(got.start_line, before.start_line + 5);
    assert.equal(got.source, before.source);
    assert.match(got.source, /^def make_account\(name: str, admin: bool = False\) -> Account:/);
    // Gone from the file altogether: says so, and what to do.
    writeFileSync(py, '"""Emptied."""\n');
    const err = await callToolError(mcp.client, 'get_symbol', { symbol: 'make_account' });
    assert.match(
      err,
      /changed since it was indexed and make_account is no longer where it was: call index_file/,
    );
    // Deleted: says so, not "check the spelling".
    rmSync(py);
    const gone = await callToolError(mcp.client, 'get_symbol', { symbol: 'make_account' });
    assert.match(
      gone,
      /^PATH_NOT_FOUND: .*models\.py, where make_account was indexed, is gone: call index_repository/,
    );
  });

  test('a name the file defines again in the same class (a getter and its setter) says where the other one is', async () => {
    await writeIndexed('python/table.py', [
      'class Table:',
      '    @property',
      '    def expand(self) -> bool:',
      '        return self._expand',
      '',
      '    @expand.setter',
      '    def expand(self, value: bool) -> None:',
      '        self._expand = value',
      '',
    ]);
    const r = await mcp.client.callTool({ name: 'get_symbol', arguments: { symbol: 'Table.expand' } });
    const got = r.structuredContent as Got & { symbol: Sym & { more_lines?: number[] } };
    assert.deepEqual([got.symbol.line, got.symbol.more_lines], [3, [7]]);
    assert.match(
      (r.content as { text: string }[])[0]?.text ?? '',
      /\(Table\.expand is defined again in this file at line 7: an overload, a setter or another branch's definition, not shown\)/,
    );
  });
  test('Ruby: a class method and the instance method of the same name are two definitions; Class#name is the instance one', async () => {
    const file = await writeIndexed('ruby/option_parser.rb', [
      'class OptionParser',
      '  def self.parse(args)',
      '    new.parse(args)',
      '  end',
      '',
      '  def parse(args)',
      '    args',
      '  end',
      'end',
      '',
    ]);
    const outline = await callTool<{ symbols: (Sym & { more_lines?: number[] })[] }>(
      mcp.client,
      'get_file_outline',
      {
        path: file,
      },
    );
    assert.deepEqual(
      outline.symbols.map((x) => [x.name, x.line, x.more_lines]),
      [
        ['OptionParser', 1, undefined],
        ['parse', 2, undefined],
        ['parse', 6, undefined],
      ],
    );
    const instance = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'OptionParser#parse' });
    assert.equal(instance.symbol.line, 6);
    const either = await callTool<Got>(mcp.client, 'get_symbol', { symbol: 'OptionParser.parse' });
    assert.equal(either.symbol.line, 2);
  });
  test('an overloaded function shows its implementation, not its first signature', async () => {
    const file = await writeIndexed('ts/pick.ts', [
      '/** Picks a value. */',
      'export function pick(x: string): string;',
      'export function pick(x: number): number;',
      'export function pick(x: string | number): string | number {',
      '  return x;',
      '}',
      '',
    ]);
    const got = await callTool<Got & { symbol: Sym & { more_lines?: number[] } }>(mcp.client, 'get_symbol', {
      symbol: 'pick',
      path: file,
    });
    assert.deepEqual([got.symbol.line, got.symbol.more_lines], [4, [2, 3]]);
    assert.match(got.source, /return x;/);
  });
  test('Class.method the class inherits: the nearest parent’s definition, said so; a long doc comment is said, not shown', async () => {
    const doc = [
      '/**',
      ...Array.from({ length: 38 }, (_, i) => ` * Line ${i + 1} of a long explanation.`),
      ' */',
    ];
    await writeIndexed('ts/shapes.ts', [
      'export class Base {',
      ...doc.map((l) => `  ${l}`),
      '  run(): number {',
      '    return 1;',
      '  }',
      '}',
      'export class Mid extends Base {}',
      'export class Leaf extends Mid implements Runnable {}',
      '',
    ]);
    const r = await mcp.client.callTool({
      name: 'get_symbol',
      arguments: { symbol: 'Leaf.run', max_lines: 5 },
    });
    const got = r.structuredContent as Got & {
      inherited_from?: string;
      doc_lines?: number[];
      qualifier_matched?: boolean;
    };
    assert.deepEqual(
      [got.symbol.container, got.inherited_from, got.qualifier_matched, got.start_line, got.doc_lines],
      ['Base', 'Base', undefined, 42, [2, 41]],
    );
    const text = (r.content as { text: string }[])[0]?.text ?? '';
    assert.match(text, /\(Base\.run: Leaf inherits it from Base\)/);
    assert.match(text, /\(its 40-line doc comment, lines 2-41, is not shown\)/);
  });
});

test('get_symbol helpers: a class’s parents from its signature, in each language’s syntax', () => {
  assert.deepEqual(parentNames('export class BehaviorSubject<T> extends Subject<T>'), ['Subject']);
  assert.deepEqual(parentNames('public class Foo extends Bar implements Baz, Qux<T>'), ['Bar', 'Baz', 'Qux']);
  assert.deepEqual(parentNames('class Flask(Scaffold, metaclass=ABCMeta):'), ['Scaffold']);
  assert.deepEqual(parentNames('class HiddenCommand < Command'), ['Command']);
  assert.deepEqual(parentNames('class Group < Thor::Base'), ['Base']);
  assert.deepEqual(parentNames('class TouchEvent private constructor() : Event<TouchEvent>()'), ['Event']);
  assert.deepEqual(parentNames('class logger : public details::base_logger, private Noncopyable'), [
    'base_logger',
    'Noncopyable',
  ]);
  assert.deepEqual(parentNames('public sealed class JsonReader : IDisposable'), ['IDisposable']);
  assert.deepEqual(parentNames('struct Plain'), []);
});

test('get_symbol helpers: qualified names, leading comments, relocation', () => {
  assert.deepEqual(splitQualified('Flask.make_response'), { name: 'make_response', qualifier: 'Flask' });
  assert.deepEqual(splitQualified('Rack::Runtime#call'), { name: 'call', qualifier: 'Rack.Runtime' });
  assert.deepEqual(splitQualified('App\\Http\\Kernel'), { name: 'Kernel', qualifier: 'App.Http' });
  assert.deepEqual(splitQualified('url_for'), { name: 'url_for', qualifier: null });
  assert.deepEqual(splitQualified('Reply.prototype.send'), { name: 'send', qualifier: 'Reply' });
  assert.deepEqual(splitQualified('(*Server).Shutdown'), { name: 'Shutdown', qualifier: 'Server' });
  const lines = [
    '#include <x.h>',
    '/**',
    ' * Doc.',
    ' */',
    '[[nodiscard]]',
    'int f();',
    '',
    '# comment',
    '@decorator',
    'def g(): pass',
  ];
  // A preprocessor line is not the definition's; a blank line ends the comments above it.
  assert.equal(leadingStart(lines, 5), 1);
  assert.equal(leadingStart(lines, 9), 7);
  assert.equal(leadingStart(lines, 0), 0);
  // An attribute's heredoc above a definition comes along (Elixir's `@doc """`).
  const ex = [
    '  @typep ref :: reference()',
    '',
    '  @doc """',
    '  Starts the queue.',
    '',
    '  """',
    '  @spec start_link(keyword()) :: term()',
    '  def start_link(opts), do: opts',
  ];
  assert.equal(leadingStart(ex, 7), 2);
  // A long doc comment comes whole (Sequel's 50 lines of options), up to LEADING_LINES.
  const doc = (n: number) => [
    ...Array.from({ length: n }, (_, i) => `    # option ${i}`),
    '    def transaction(opts)',
  ];
  assert.equal(leadingStart(doc(50), 50), 0);
  assert.equal(leadingStart(doc(LEADING_LINES + 5), LEADING_LINES + 5), 5);
  // A lone closing quote with no attribute opening it is not.
  assert.equal(leadingStart(['x = 1', '"""', 'def f(): pass'], 2), 2);
  // The nearest line that starts with the signature's first line, as an offset.
  const moved = ['x = 1', 'def g(): pass', 'y = 2', '', 'def g(): pass'];
  assert.equal(relocate(moved, { line: 4, signature: 'def g(): pass' }), 1);
  assert.equal(relocate(moved, { line: 2, signature: 'def g(): pass' }), 0);
  assert.equal(relocate(moved, { line: 2, signature: 'def h(): pass' }), null);
});
