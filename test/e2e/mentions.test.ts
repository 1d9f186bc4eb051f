import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withoutStrings } from '../../src/mcp/mentions.js';
import { callTool, makeTestEnv, startMcpClient, type TestEnv, waitForTask } from '../helpers/env.js';

type Ref = { kind: string; path: string; line: number; col: number; enclosing: string | null; text: string };
type Refs = { references: Ref[]; next_cursor?: string };

const COMPLETIONS_GO = [
  'package cobra',
  '',
  '// ShellCompDirective is a bit map.',
  'type ShellCompDirective int',
  '',
  'const (',
  '\t// ShellCompDirectiveNoFileComp: no file completion.',
  '\tShellCompDirectiveNoFileComp ShellCompDirective = 1 << iota',
  ')',
  '',
  'func NoFileCompletions(args []string) ([]string, ShellCompDirective) {',
  '\treturn nil, ShellCompDirectiveNoFileComp',
  '}',
  '',
  'func describe(d ShellCompDirective) string {',
  '\tif d&ShellCompDirectiveNoFileComp != 0 {',
  '\t\treturn "ShellCompDirectiveNoFileComp"',
  '\t}',
  '\treturn ""',
  '}',
  '',
].join('\n');

const COMMAND_GO = [
  'package cobra',
  '',
  'type Command struct {',
  '\tValidArgsFunction func([]string) ([]string, ShellCompDirective)',
  '}',
  '',
  'func defaults() *Command {',
  '\treturn &Command{ValidArgsFunction: NoFileCompletions}',
  '}',
  '',
  'func wrapped() ([]string, ShellCompDirective) {',
  '\treturn NoFileCompletions(nil)',
  '}',
  '',
].join('\n');

const PARSER_RS = [
  'pub struct Parser {}',
  '',
  'impl Parser {',
  '    fn react(&self) -> Result<(), ()> {',
  '        debug!("Parser::react: start");',
  '        Ok(())',
  '    }',
  '',
  '    fn run(&self) -> Result<(), ()> {',
  '        self.react()?;',
  '        ok!(self.react());',
  '        Ok(())',
  '    }',
  '}',
  '',
  'fn other(r: &Reactor) {',
  '    r.react();',
  '}',
  '',
].join('\n');

describe('find_references lists mentions after the references: lines that name the symbol with no reference recorded', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'off' });
    repo = join(env.tmp, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    writeFileSync(join(repo, 'completions.go'), COMPLETIONS_GO);
    writeFileSync(join(repo, 'command.go'), COMMAND_GO);
    writeFileSync(join(repo, 'src/parser.rs'), PARSER_RS);
    writeFileSync(
      join(repo, 'pages.py'),
      [
        'def render_page(name):',
        '    return name',
        '',
        '',
        'def handlers():',
        '    """The callbacks, with',
        '    render_page first.',
        '    """',
        '    # render_page is the default',
        '    return [render_page]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(repo, 'command.js'),
      [
        "const { CommanderError } = require('./error.js');",
        'class Command {',
        '  error(message) {',
        '    throw new CommanderError(message);',
        '  }',
        '  parse(proc) {',
        "    proc.on('error', (e) => this.error(e));",
        '    this.help({ error: true });',
        '    const error = !!proc.error;',
        '    const report = this.error;',
        '    return [error, report];',
        '  }',
        '}',
        'module.exports = { Command };',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(repo, 'utils.rb'),
      [
        'module Utils',
        '  def self.deep_merge!(target, hash)',
        '    target.merge!(hash)',
        '  end',
        '',
        '  def self.deep_merge(source, hash)',
        '    deep_merge!(source.dup, hash)',
        '  end',
        '',
        '  MERGE = method(:deep_merge)',
        'end',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(repo, 'pointer.hpp'),
      [
        'class out_of_range {};',
        '',
        '/*!',
        '@throw out_of_range.404 if the key is missing',
        '*/',
        'int at(int i) {',
        '    if (i < 0) throw out_of_range(); // out_of_range on a negative index',
        '    return i; // not an out_of_range',
        '}',
        '',
      ].join('\n'),
    );
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
  });
  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  const show = (r: Refs) => r.references.map((x) => `${x.path.slice(repo.length + 1)}:${x.line} ${x.kind}`);

  test('a constant used as a value: its uses, not its definition, a comment or a string', async () => {
    const r = await mcp.client.callTool({
      name: 'find_references',
      arguments: { symbol: 'ShellCompDirectiveNoFileComp' },
    });
    const sc = r.structuredContent as Refs;
    assert.deepEqual(show(sc), ['completions.go:12 mention', 'completions.go:16 mention']);
    assert.deepEqual(
      sc.references.map((x) => [x.col, x.enclosing, x.text]),
      [
        [13, 'NoFileCompletions', 'return nil, ShellCompDirectiveNoFileComp'],
        [6, 'describe', 'if d&ShellCompDirectiveNoFileComp != 0 {'],
      ],
    );
    const text = (r.content as { text: string }[])[0]!.text;
    assert.match(
      text,
      /completions\.go:12 mention in NoFileCompletions: return nil, ShellCompDirectiveNoFileComp/,
    );
    assert.match(
      text,
      /\(all are mentions: lines that name ShellCompDirectiveNoFileComp where the index recorded no call/,
    );
  });

  test('a function passed as a value is a mention; its docstring and comment lines are not', async () => {
    const r = await callTool<Refs>(mcp.client, 'find_references', { symbol: 'render_page' });
    assert.deepEqual(show(r), ['pages.py:10 mention']);
  });

  test('references first, then mentions; the cursor pages on through both without repeating a line', async () => {
    const all = await callTool<Refs>(mcp.client, 'find_references', { symbol: 'NoFileCompletions' });
    assert.deepEqual(show(all), ['command.go:12 call', 'command.go:8 mention']);
    const first = await callTool<Refs>(mcp.client, 'find_references', {
      symbol: 'NoFileCompletions',
      limit: 1,
    });
    assert.deepEqual(show(first), ['command.go:12 call']);
    assert.ok(first.next_cursor);
    const second = await callTool<Refs>(mcp.client, 'find_references', {
      symbol: 'NoFileCompletions',
      limit: 1,
      cursor: first.next_cursor,
    });
    assert.deepEqual(show(second), ['command.go:8 mention']);
    assert.equal(second.next_cursor, undefined);
  });

  test('Class.method: a call inside a macro’s arguments is a mention; another class’s method and a log message are not', async () => {
    const r = await callTool<Refs>(mcp.client, 'find_references', { symbol: 'Parser::react' });
    assert.deepEqual(show(r), ['src/parser.rs:10 call', 'src/parser.rs:17 call', 'src/parser.rs:11 mention']);
  });

  test('Class.method in JavaScript: a key, a string, a local and another value’s property are no mentions', async () => {
    const r = await callTool<Refs>(mcp.client, 'find_references', { symbol: 'Command.error' });
    assert.deepEqual(show(r), ['command.js:7 call', 'command.js:10 mention']);
  });

  test('Ruby: a name ending in ! is another name; a symbol naming the method is a mention', async () => {
    const r = await callTool<Refs>(mcp.client, 'find_references', { symbol: 'deep_merge' });
    assert.deepEqual(show(r), ['utils.rb:10 mention']);
  });

  test('a block comment and a comment at the end of a line are no mentions', async () => {
    const r = await callTool<Refs>(mcp.client, 'find_references', {
      symbol: 'out_of_range',
      path: join(repo, 'pointer.hpp'),
    });
    assert.deepEqual(
      r.references.filter((x) => x.kind === 'mention').map((x) => x.line),
      [],
      JSON.stringify(r.references),
    );
    assert.ok(
      r.references.some((x) => x.line === 7),
      JSON.stringify(r.references),
    );
  });

  test('strings are blanked, same length, before a line is matched', () => {
    assert.equal(
      withoutStrings('debug!("Parser::react"); self.react()'),
      `debug!(${' '.repeat(15)}); self.react()`,
    );
    assert.equal(
      withoutStrings('a = "x\\"react" + `react` + react'),
      `a = ${' '.repeat(10)} + ${' '.repeat(7)} + react`,
    );
    assert.equal(withoutStrings("proc.on('error', cb)"), `proc.on(${' '.repeat(7)}, cb)`);
    // Rust's lifetimes are no strings.
    assert.equal(withoutStrings("fn f<'a>(x: &'a str) -> react", false), "fn f<'a>(x: &'a str) -> react");
  });
});
