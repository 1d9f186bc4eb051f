import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CHUNK_OVERLAP_LINES,
  createExtractor,
  MAX_CHUNK_CHARS,
  MAX_CHUNK_LINES,
} from '../../src/indexer/index.js';
import { chunkRows } from './helpers.js';

const extractor = createExtractor();

/** A TypeScript function spanning exactly `lines` lines (line 1 is its head). */
function bigFunction(lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i + 2} = ${i + 2};`);
  return ['export function big(): void {', ...body, '}'].join('\n');
}

describe('chunking', () => {
  it('uses 60-line windows overlapping by 10 lines', () => {
    assert.equal(MAX_CHUNK_LINES, 60);
    assert.equal(CHUNK_OVERLAP_LINES, 10);
  });

  it('splits a large function into overlapping windows that cover it exactly', () => {
    const source = `import { x } from './x.js';\n\n${bigFunction(150)}\n`;
    const result = extractor.extractFile(source, 'typescript');
    // The function spans lines 3..152.
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 1],
      ['symbol', 'big', 3, 62],
      ['symbol', 'big', 53, 112],
      ['symbol', 'big', 103, 152],
    ]);
    const lines = source.split('\n');
    const second = result.chunks[2];
    assert.equal(second?.content, lines.slice(52, 112).join('\n'));
    assert.ok(second?.content.startsWith('  const v51 = 51;'));
  });

  it('does not split a function of exactly 60 lines', () => {
    const result = extractor.extractFile(bigFunction(60), 'typescript');
    assert.deepEqual(chunkRows(result), [['symbol', 'big', 1, 60]]);
  });

  it('hashes each chunk content and context with sha256; content alone when there is no context', () => {
    const result = extractor.extractFile(`import { x } from './x.js';\n${bigFunction(100)}`, 'typescript');
    assert.equal(result.chunks.length, 3);
    for (const chunk of result.chunks) {
      const hash = createHash('sha256').update(chunk.content);
      if (chunk.context !== '') hash.update('\0').update(chunk.context);
      assert.equal(chunk.hash, hash.digest('hex'));
    }
    assert.equal(result.chunks[0]?.context, '');
    assert.notEqual(result.chunks[1]?.hash, result.chunks[2]?.hash);
  });

  it('gives every symbol chunk its qualified name, and later windows the signature and doc', () => {
    const body = Array.from({ length: 90 }, (_, i) => `        x${i} = self.step(${i})`);
    const source = [
      'class Scheduler(Base):',
      '    def run_due(self, now):',
      '        """Runs every periodic task whose time has come."""',
      ...body,
      '        return now',
      '',
    ].join('\n');
    const result = extractor.extractFile(source, 'python');
    const windows = result.chunks.filter((c) => c.symbol === 'Scheduler.run_due');
    assert.equal(windows.length, 2);
    assert.equal(windows[0]?.context, 'Scheduler.run_due');
    assert.equal(
      windows[1]?.context,
      'Scheduler.run_due\ndef run_due(self, now)\nRuns every periodic task whose time has come.',
    );
    assert.equal(result.chunks.find((c) => c.symbol === 'Scheduler')?.context, 'Scheduler');
  });

  it('ends a window where a statement at the body level starts, not inside a block', () => {
    // Line 1 is the head; the body is blocks of 12 lines, each an `if` with 10 nested lines.
    const block = (n: number) => [
      `  if (flag${n}) {`,
      ...Array.from({ length: 10 }, (_, i) => `    total += ${n * 100 + i};`),
      '  }',
    ];
    const body = Array.from({ length: 10 }, (_, n) => block(n)).flat();
    const source = [
      'export function sum(flag0: boolean): number {',
      '  let total = 0;',
      ...body,
      '  return total;',
      '}',
    ].join('\n');
    const result = extractor.extractFile(source, 'typescript');
    const lines = source.split('\n');
    // Blocks start at lines 3, 15, 27, 39, 51, 63: the first window stops before the block that
    // would cross line 60 (line 51 starts one), not at line 60 in its middle.
    assert.equal(result.chunks[0]?.endLine, 50);
    for (const c of result.chunks.slice(0, -1)) {
      assert.match(lines[c.endLine] ?? '', /^ {2}(if|return)/, `window ending at line ${c.endLine}`);
      assert.ok(c.endLine - c.startLine + 1 <= MAX_CHUNK_LINES);
    }
    assert.equal(result.chunks.at(-1)?.endLine, lines.length);
  });

  it('keeps a namespace or module declared as a statement in the header, not a chunk of its own', () => {
    const php = [
      '<?php',
      '',
      'namespace App\\Http;',
      '',
      'use App\\Models\\User;',
      '',
      'class Kernel',
      '{',
      '}',
      '',
    ];
    const result = extractor.extractFile(php.join('\n'), 'php');
    assert.ok(result.symbols.some((s) => s.kind === 'namespace' && s.name === 'App\\Http'));
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 5],
      ['symbol', 'Kernel', 7, 9],
    ]);
    const csharp = ['namespace App.Http;', '', 'public class Kernel', '{', '}', ''];
    assert.deepEqual(chunkRows(extractor.extractFile(csharp.join('\n'), 'csharp')), [
      ['header', null, 1, 1],
      ['symbol', 'Kernel', 3, 5],
    ]);
    const rust = ['mod util;', 'pub mod net;', '', 'pub fn run() {}', ''];
    assert.deepEqual(chunkRows(extractor.extractFile(rust.join('\n'), 'rust')), [
      ['header', null, 1, 2],
      ['symbol', 'run', 4, 4],
    ]);
    // A namespace or module with a body gets no chunk for its bare opening line (`module Rack`
    // opens every file of a Ruby library), nor do the `end`s that close blocks; a head with more
    // to say keeps its chunk.
    const block = ['<?php', 'namespace App\\Http {', '  class Legacy {}', '}', ''];
    // `<?php` alone is no header.
    assert.deepEqual(chunkRows(extractor.extractFile(block.join('\n'), 'php')), [
      ['symbol', 'App\\Http.Legacy', 3, 3],
    ]);
    const ruby = [
      'module Rack',
      '  class Runtime < Base',
      '    def call(env)',
      '      env',
      '    end',
      '  end',
      'end',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(ruby.join('\n'), 'ruby')), [
      ['symbol', 'Rack.Runtime', 2, 2],
      ['symbol', 'Rack.Runtime.call', 3, 5],
    ]);
    // A class opened only as a namespace for its members (`class Actions`, `class Foo:`) neither.
    const bare = [
      'module Thor',
      '  class Actions',
      '    def copy(x)',
      '      x',
      '    end',
      '  end',
      'end',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(bare.join('\n'), 'ruby')), [
      ['symbol', 'Thor.Actions.copy', 3, 5],
    ]);
    // Nor does an object literal of methods opened on a line of its own (`const arrayTraps = {`).
    const traps = [
      'const arrayTraps = {',
      '    get(target, name) {',
      '        return target[name]',
      '    },',
      '    set(target, name, value): boolean {',
      '        target[name] = value',
      '        return true',
      '    }',
      '}',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(traps.join('\n'), 'typescript')), [
      ['symbol', 'arrayTraps.get', 2, 4],
      ['symbol', 'arrayTraps.set', 5, 8],
    ]);
    const documented = [
      '# The Rack namespace.',
      'module Rack',
      '  VERSION = [1, 3]',
      '  class Runtime',
      '  end',
      'end',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(documented.join('\n'), 'ruby')), [
      ['symbol', 'Rack', 1, 3],
      ['symbol', 'Rack.Runtime', 4, 5],
    ]);
    // A visibility label alone between members (`private`, `public:`) is no chunk either.
    const visibility = [
      'class Lock',
      '  def call(env)',
      '    env',
      '  end',
      '',
      '  private',
      '',
      '  def unlock',
      '    nil',
      '  end',
      'end',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(visibility.join('\n'), 'ruby')), [
      ['symbol', 'Lock.call', 2, 4],
      ['symbol', 'Lock.unlock', 8, 10],
    ]);
    // A label between two members is no chunk; a stretch with more than a label stays whole.
    const cpp = [
      'class Pool {',
      '  void shrink() { n--; }',
      ' public:',
      '  void grow() { n++; }',
      '',
      ' private:',
      '  int n;',
      '};',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(cpp.join('\n'), 'cpp')), [
      // `class Pool {` says only the name: no chunk.
      ['symbol', 'Pool.shrink', 2, 2],
      ['symbol', 'Pool.grow', 4, 4],
      ['code', null, 6, 8],
    ]);
  });

  it('makes one chunk of overload signatures and their implementation, and of a getter and setter', () => {
    const ts = [
      "import { x } from './x';", // 1
      '', // 2
      '/** Merges. */', // 3
      'export function merge<T>(a: T): T;', // 4
      'export function merge<T>(a: T, b: T): T;', // 5
      'export function merge(...args: unknown[]): unknown {', // 6
      '  return args[0];', // 7
      '}', // 8
      '', // 9
      'export class Emitter {', // 10
      "  on(event: 'data', fn: () => void): this;", // 11
      "  on(event: 'end', fn: () => void): this;", // 12
      '  on(event: string, fn: () => void): this {', // 13
      '    return this;', // 14
      '  }', // 15
      '  off(): void {}', // 16
      '}', // 17
      '',
    ].join('\n');
    assert.deepEqual(chunkRows(extractor.extractFile(ts, 'typescript')), [
      ['header', null, 1, 1],
      ['symbol', 'merge', 3, 8],
      // The one-line `off` joins the chunk before it.
      ['symbol', 'Emitter.on', 11, 16],
    ]);
    const py = [
      'class Job:',
      '    @property',
      '    def merge(self):',
      '        return 1',
      '',
      '    @merge.setter',
      '    def merge(self, v):',
      '        pass',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(py.join('\n'), 'python')), [
      ['symbol', 'Job.merge', 2, 8],
    ]);
  });

  it('does not stretch the header over definitions to reach an import at the end of the file', () => {
    const source = [
      'from typing import Dict',
      '',
      'DEFAULT_STYLES: Dict[str, str] = {',
      '    "none": "none",',
      '    "reset": "reset",',
      '}',
      '',
      'def render(name):',
      '    return DEFAULT_STYLES[name]',
      '',
      'if __name__ == "__main__":',
      '    import sys',
      '    print(render(sys.argv[1]))',
      '',
    ].join('\n');
    const rows = chunkRows(extractor.extractFile(source, 'python'));
    assert.deepEqual(rows[0], ['header', null, 1, 1]);
    // Every line is in one chunk at most: none of them is shown twice by a search.
    const covered = new Map<number, number>();
    for (const [, , from, to] of rows)
      for (let l = from; l <= to; l++) covered.set(l, (covered.get(l) ?? 0) + 1);
    assert.deepEqual(
      [...covered].filter(([, n]) => n > 1),
      [],
    );
  });

  it('leaves a license notice at the top of a file out of every chunk', () => {
    const source = [
      '<?php declare(strict_types=1);',
      '',
      '/*',
      ' * This file is part of the Monolog package.',
      ' *',
      ' * For the full copyright and license information, please view the LICENSE',
      ' * file that was distributed with this source code.',
      ' */',
      '',
      'namespace Monolog\\Handler;',
      '',
      'use Monolog\\Logger;',
      '',
      'class RotatingFileHandler',
      '{',
      '    public function getTimedFilename(): string',
      '    {',
      "        return 'x';",
      '    }',
      '}',
      '',
    ].join('\n');
    const result = extractor.extractFile(source, 'php');
    assert.deepEqual(chunkRows(result)[0], ['header', null, 10, 12]);
    assert.ok(!result.chunks.some((c) => /copyright|Monolog package/.test(c.content)));
    // A leading comment that is no license stays in the header, and so does code before a comment
    // that speaks of licenses.
    const doc = extractor.extractFile('/* Rotates log files by date. */\nimport x from "y";\n', 'typescript');
    assert.deepEqual(chunkRows(doc)[0], ['header', null, 1, 2]);
    const code = extractor.extractFile(
      'import x from "y";\n// the license key check\nexport const k = x;\n',
      'typescript',
    );
    assert.deepEqual(chunkRows(code)[0], ['header', null, 1, 3]);
  });

  it('keeps nested functions inside their parent chunk', () => {
    const source = ['def outer():', '    def inner():', '        return 1', '    return inner()', ''].join(
      '\n',
    );
    const result = extractor.extractFile(source, 'python');
    assert.deepEqual(chunkRows(result), [['symbol', 'outer', 1, 4]]);
  });

  it('starts a symbol chunk at its doc comment and a class chunk stops before its first method', () => {
    const source = [
      '/** A thing. */', // 1
      'class Thing {', // 2
      '  size = 1;', // 3
      '', // 4
      '  /** Grows. */', // 5
      '  grow() {', // 6
      '    this.size++;', // 7
      '  }', // 8
      '}', // 9
    ].join('\n');
    const result = extractor.extractFile(source, 'typescript');
    assert.deepEqual(chunkRows(result), [
      ['symbol', 'Thing', 1, 4],
      ['symbol', 'Thing.grow', 5, 8],
    ]);
    assert.equal(result.chunks[0]?.content, '/** A thing. */\nclass Thing {\n  size = 1;\n');
  });

  it('omits the header chunk when there is nothing before the first symbol', () => {
    const result = extractor.extractFile('function a() {}\n', 'javascript');
    assert.deepEqual(chunkRows(result), [['symbol', 'a', 1, 1]]);
  });

  it('puts every line with a word in some chunk: a script without definitions is windowed whole', () => {
    const source = Array.from({ length: 200 }, (_, i) => `step${i + 1}();`).join('\n');
    const result = extractor.extractFile(source, 'javascript');
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 60],
      ['code', null, 61, 120],
      ['code', null, 111, 170],
      ['code', null, 161, 200],
    ]);
    const text = result.chunks.map((c) => c.content).join('\n');
    for (let i = 1; i <= 200; i++) assert.ok(text.includes(`step${i}();`), `step${i}`);
  });

  it('chunks top-level code between and after definitions, but not brackets or blanks; decorators open their definition', () => {
    const source = [
      'import os', // 1
      '', // 2
      'def first():', // 3
      '    return 1', // 4
      '', // 5
      'RETRIES = int(os.environ.get("RETRIES", "3"))', // 6
      '', // 7
      'class Box:', // 8
      '    size = 1', // 9
      '', // 10
      '    @staticmethod', // 11
      '    def make():', // 12
      '        return Box()', // 13
      '', // 14
      'if __name__ == "__main__":', // 15
      '    first()', // 16
      '',
    ].join('\n');
    const result = extractor.extractFile(source, 'python');
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 1],
      // The one-line statement joins the function before it.
      ['symbol', 'first', 3, 6],
      ['symbol', 'Box', 8, 10],
      ['symbol', 'Box.make', 11, 13],
      ['code', null, 15, 16],
    ]);
    assert.equal(result.chunks[4]?.content, 'if __name__ == "__main__":\n    first()');
    const go = extractor.extractFile('package p\n\nfunc f() {\n}\n\n)\n}\n', 'go');
    assert.deepEqual(chunkRows(go), [
      ['header', null, 1, 1],
      ['symbol', 'f', 3, 4],
    ]);
  });

  it('gives a module-level constant its own chunk when it spans lines; one-liners stay together', () => {
    const source = [
      "import { dual } from './dual';", // 1
      'export const A = 1;', // 2
      'export const B = 2;', // 3
      '', // 4
      'export const map: {', // 5
      '  <A, B>(f: (a: A) => B): (self: A[]) => B[]', // 6
      '} = dual(2, (self, f) => self.map(f));', // 7
      '', // 8
      'export class Service {}', // 9
      '', // 10
      '@Injectable()', // 11
      'export class Other {}', // 12
      '',
    ].join('\n');
    const result = extractor.extractFile(source, 'typescript');
    assert.deepEqual(chunkRows(result), [
      ['header', null, 1, 3],
      // The one-line class joins the constant before it; the decorated one is two lines.
      ['symbol', 'map', 5, 9],
      ['symbol', 'Other', 11, 12],
    ]);
  });

  it('caps chunk content for minified lines', () => {
    const source = `function f(){${'x=1;'.repeat(10_000)}}`;
    const result = extractor.extractFile(source, 'javascript');
    assert.equal(result.chunks.length, 1);
    assert.equal(result.chunks[0]?.content.length, MAX_CHUNK_CHARS);
  });

  it("makes no code chunk of a decorator between members (Python's bare @property opens its method's), but of Objective-C's @property lines", () => {
    const python =
      'class A:\n    def a(self):\n        return 1\n\n    @property\n    def name(self):\n        return 1\n';
    assert.deepEqual(chunkRows(extractor.extractFile(python, 'python')), [
      ['symbol', 'A.a', 2, 3],
      ['symbol', 'A.name', 5, 7],
    ]);
    const objc =
      '@interface A : NSObject\n- (void)a;\n@end\n\n@interface A ()\n@property (nonatomic) BOOL shown;\n@end\n';
    assert.deepEqual(chunkRows(extractor.extractFile(objc, 'objc')), [
      ['symbol', 'A', 1, 2],
      ['code', null, 3, 7],
    ]);
  });
});

describe('chunking: the lines right above a definition', () => {
  const extractor = createExtractor();
  it('opens its chunk with comments, decorators (one over several lines) and attributes no doc style claims', () => {
    const python = [
      'import flask', // 1
      '', // 2
      'def helper():', // 3
      '    return 1', // 4
      '    # a note at the end of the body', // 5
      '# the login page', // 6
      '@app.route(', // 7
      '    "/login",', // 8
      '    methods=["POST"],', // 9
      ')', // 10
      '@login_required', // 11
      'def login():', // 12
      '    pass', // 13
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(python.join('\n'), 'python')), [
      ['header', null, 1, 1],
      ['symbol', 'helper', 3, 5],
      ['symbol', 'login', 6, 13],
    ]);
    const rust = [
      'use std::fmt;', // 1
      '', // 2
      '// Safety: the pointer is valid.', // 3
      '#[cold]', // 4
      'fn construct() {}', // 5
      '', // 6
      '#[derive(Clone)]', // 7
      'pub struct Dedup;', // 8
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(rust.join('\n'), 'rust')), [
      ['header', null, 1, 1],
      ['symbol', 'construct', 3, 5],
      ['symbol', 'Dedup', 7, 8],
    ]);
    const js = [
      'const a = 1;',
      '',
      '// escape strings for JSON',
      'function asString(s) {',
      '  return s;',
      '}',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(js.join('\n'), 'javascript')), [
      ['header', null, 1, 1],
      ['symbol', 'asString', 3, 6],
    ]);
  });

  it('leaves a file’s first comment (a header or license) out of the first definition', () => {
    const js = ['// Copyright the authors. MIT license.', 'function a() {', '  return 1;', '}', ''];
    const chunks = extractor.extractFile(js.join('\n'), 'javascript').chunks;
    assert.ok(chunks.every((c) => !(c.symbol === 'a' && c.startLine === 1)));
  });
});

describe('chunking: one-line definitions', () => {
  const extractor = createExtractor();
  it('join the chunk before them: a run is named for its container, a longer definition keeps its name', () => {
    const kotlin = [
      'package x', // 1
      '', // 2
      'class GoneEvent(viewId: Int) : Event<GoneEvent>(viewId) {', // 3
      '  override fun getEventName(): String = EVENT_NAME', // 4
      '  override fun canCoalesce(): Boolean = false', // 5
      '  override fun getCoalescingKey(): Short = 0', // 6
      '', // 7
      '  override fun dispatch(emitter: RCTEventEmitter) {', // 8
      '    emitter.receiveEvent(viewTag, eventName, data)', // 9
      '  }', // 10
      '  fun tag(): Int = viewTag', // 11
      '}', // 12
      '',
    ];
    const chunks = extractor.extractFile(kotlin.join('\n'), 'kotlin').chunks;
    assert.deepEqual(
      chunks.map((c) => [c.kind, c.symbol, c.startLine, c.endLine]),
      [
        ['header', null, 1, 1],
        ['symbol', 'GoneEvent', 3, 6],
        ['symbol', 'GoneEvent.dispatch', 8, 11],
      ],
    );
    assert.ok(chunks[2]?.content.includes('fun tag()'));
    const js = [
      "'use strict'",
      '',
      "const nullTime = () => ''",
      'const epochTime = () => Date.now()',
      'module.exports = { nullTime, epochTime }',
      '',
    ];
    // `'use strict'` alone is no header.
    assert.deepEqual(chunkRows(extractor.extractFile(js.join('\n'), 'javascript')), [
      ['symbol', 'nullTime', 3, 5],
    ]);
  });

  it('keep a container’s one-line head, and a definition is not folded into unnamed code', () => {
    const ts = [
      'export class Queue extends Base {',
      '  size(): number { return 1; }',
      '}',
      'console.log(1);',
      'export function f() { return 2; }',
      '',
    ];
    assert.deepEqual(chunkRows(extractor.extractFile(ts.join('\n'), 'typescript')), [
      ['symbol', 'Queue', 1, 2],
      ['code', null, 3, 4],
      ['symbol', 'f', 5, 5],
    ]);
  });
});

describe('chunking: code between a class’s members', () => {
  it('carries the class’s qualified name as its context', () => {
    const ruby = [
      'module Faraday',
      '  class Connection',
      '    def get(url)',
      '      run(:get, url)',
      '    end',
      '',
      '    METHODS = Set.new %i[get post put]',
      '    extend Forwardable',
      '',
      '    def post(url)',
      '      run(:post, url)',
      '    end',
      '  end',
      'end',
      '',
    ];
    const code = createExtractor()
      .extractFile(ruby.join('\n'), 'ruby')
      .chunks.filter((c) => c.kind === 'code');
    assert.deepEqual(
      code.map((c) => [c.startLine, c.endLine, c.context]),
      [[7, 8, 'Faraday.Connection']],
    );
  });
});

describe('chunking: windows of a long definition', () => {
  const extractor = createExtractor();
  it('start where a member does within the overlap, not inside its doc comment', () => {
    const members = Array.from({ length: 40 }, (_, i) => [
      '  /**',
      `   * Option number ${i}, with a doc comment of its own.`,
      '   */',
      `  option${i}?: number;`,
    ]).flat();
    const source = ['export interface LoggerOptions {', ...members, '}', ''].join('\n');
    const lines = source.split('\n');
    const windows = extractor.extractFile(source, 'typescript').chunks;
    assert.ok(windows.length >= 3);
    for (const w of windows.slice(1)) {
      assert.match(
        lines[w.startLine - 1] ?? '',
        /^ {2}(\/\*\*|option)/,
        `window starting at line ${w.startLine}`,
      );
      assert.ok(w.startLine <= windows[windows.indexOf(w) - 1]!.endLine, 'windows still overlap');
    }
  });

  it('whose doc comment is long still show the definition’s own line in the first window', () => {
    const doc = Array.from({ length: 45 }, (_, i) => `  # Line ${i} of the options a request is made with.`);
    const methods = Array.from({ length: 8 }, (_, i) => [
      `    def opt${i}`,
      `      @opt${i} ||= ${i}`,
      '    end',
      '',
    ]).flat();
    const source = [
      'module Faraday',
      ...doc,
      '  class Env < Options',
      '    attr_accessor :method, :url',
      ...Array.from({ length: 20 }, (_, i) => `    MEMBER_${i} = ${i}`),
      ...methods,
      '  end',
      'end',
      '',
    ].join('\n');
    const env = extractor.extractFile(source, 'ruby').chunks.find((c) => c.symbol === 'Faraday.Env');
    assert.ok(env?.content.includes('class Env < Options'), env?.content.slice(-200));
  });
});

describe('chunking: overloads in one chunk', () => {
  it('describe its later windows by the longest of them', () => {
    const body = Array.from({ length: 70 }, (_, i) => `    int v${i} = ${i};`);
    const source = [
      'class Picker {',
      '  public void startPhotoPickerIntent(String acceptType, Callback callback) {',
      '    startPhotoPickerIntent(new String[] { acceptType }, false, callback);',
      '  }',
      '',
      '  public boolean startPhotoPickerIntent(String[] acceptTypes, boolean allowMultiple, Callback callback) {',
      ...body,
      '    return true;',
      '  }',
      '}',
      '',
    ].join('\n');
    const windows = createExtractor()
      .extractFile(source, 'java')
      .chunks.filter((c) => c.symbol === 'Picker.startPhotoPickerIntent');
    assert.ok(windows.length >= 2);
    assert.equal(windows[0]?.startLine, 2);
    for (const w of windows.slice(1))
      assert.match(w.context, /\npublic boolean startPhotoPickerIntent\(String\[\] acceptTypes/);
  });
});

describe('chunking: section banners', () => {
  it('make no chunk of their own; a comment with more words than a label does', () => {
    const source = [
      'package mux',
      '',
      'func NewRouter() *Router {',
      '\treturn &Router{}',
      '}',
      '',
      '// ----------------------------------------------------------------------------',
      '// Route factories',
      '// ----------------------------------------------------------------------------',
      '',
      'func (r *Router) NewRoute() *Route {',
      '\treturn &Route{}',
      '}',
      '',
      '// Subrouter -----',
      '',
      'func (r *Route) Subrouter() *Router {',
      '\treturn &Router{}',
      '}',
      '',
      '// The matchers below run in the order they were added, and the -- first one wins.',
      '',
      'func (r *Route) Match() bool {',
      '\treturn true',
      '}',
      '',
    ].join('\n');
    const chunks = extractor.extractFile(source, 'go').chunks;
    assert.deepEqual(
      chunks.map((c) => [c.kind, c.symbol, c.startLine, c.endLine]),
      [
        ['header', null, 1, 1],
        ['symbol', 'NewRouter', 3, 5],
        ['symbol', 'Router.NewRoute', 11, 13],
        ['symbol', 'Route.Subrouter', 17, 19],
        ['code', null, 21, 21],
        ['symbol', 'Route.Match', 23, 25],
      ],
    );
  });
});

describe('chunking: a header cut by the size cap', () => {
  it('ends at a blank line, so the code after it does not open inside a comment', () => {
    const source = [
      "'use strict';",
      ...Array.from({ length: 45 }, (_, i) => `var dep${i} = require('dep${i}');`),
      '',
      ...Array.from({ length: 20 }, (_, i) => `// note ${i} on what the module does`),
      '',
      'function handle(req) {',
      '  return dep0(req);',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(
      extractor
        .extractFile(source, 'javascript')
        .chunks.map((c) => [c.kind, c.symbol, c.startLine, c.endLine]),
      [
        ['header', null, 1, 46],
        ['code', null, 48, 67],
        ['symbol', 'handle', 69, 71],
      ],
    );
  });
});

describe('chunking: the last rows of a long definition', () => {
  it('join the window before them when a window of their own would add three rows or fewer', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `    total += ${i}`);
    const source = [
      'def near():',
      ...body(MAX_CHUNK_LINES),
      '    return total',
      '',
      'def far():',
      ...body(MAX_CHUNK_LINES + 5),
      '    return total',
      '',
    ].join('\n');
    const rows = extractor
      .extractFile(source, 'python')
      .chunks.filter((c) => c.kind === 'symbol')
      .map((c) => [c.symbol, c.startLine, c.endLine]);
    const farStart = MAX_CHUNK_LINES + 4;
    assert.deepEqual(rows[0], ['near', 1, MAX_CHUNK_LINES + 2]);
    // Six rows past the window are a window of their own, overlapping the one before.
    assert.equal(rows.filter(([s]) => s === 'far').length, 2);
    assert.equal(rows[1]?.[1], farStart);
  });
});
