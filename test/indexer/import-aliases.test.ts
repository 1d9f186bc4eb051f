/**
 * A name an import binds under another name (`from m import Model as M`) is used through the alias:
 * each such use is a use of the name imported, in every language with that syntax and with both
 * extractors (native with its tree walks, and node-tree-sitter's queries).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CodeLanguageId, createExtractor } from '../../src/indexer/index.js';

const extractors = { native: createExtractor(), queries: createExtractor({ native: false }) };

type Row = [name: string, kind: string, line: number, receiver: string | null];

const CASES: { language: CodeLanguageId; source: string; imports: [string, string[]][]; refs: Row[] }[] = [
  {
    language: 'python',
    source: [
      'from .models import Model as M, Field',
      'from .queue import (',
      '    Queue as Q,',
      ')',
      'import os.path as osp',
      'M.objects.get()',
      'q = Q("x")',
      'class Job(M):',
      '    pass',
      'obj.Q()',
    ].join('\n'),
    imports: [
      ['.models', ['Model', 'Field']],
      ['.queue', ['Queue']],
      ['os.path', []],
    ],
    refs: [
      ['Model', 'import', 1, null],
      ['Field', 'import', 1, null],
      ['Queue', 'import', 3, null],
      ['Model', 'type', 6, null],
      ['get', 'call', 6, '~M.objects'],
      ['Queue', 'call', 7, ''],
      ['Model', 'inherit', 8, null],
      // A member that happens to share the alias's name is no use of the import.
      ['Q', 'call', 10, '~obj'],
    ],
  },
  {
    language: 'typescript',
    source: [
      "import { Queue as Q, Worker } from './queue';",
      "import * as util from './util';",
      'const q = new Q("x");',
      'Q.create();',
      'class Mine extends Q {}',
      'util.helper();',
      "import { default as make } from './make';",
      'make();',
    ].join('\n'),
    imports: [
      ['./queue', ['Queue', 'Worker']],
      ['./util', ['util']],
      ['./make', ['default']],
    ],
    refs: [
      ['Queue', 'import', 1, null],
      ['Worker', 'import', 1, null],
      ['util', 'import', 2, null],
      ['Queue', 'new', 3, null],
      ['Queue', 'type', 4, null],
      ['create', 'call', 4, 'Queue'],
      ['Queue', 'inherit', 5, null],
      ['helper', 'call', 6, '~util'],
      ['default', 'import', 7, null],
      // The default export keeps its local name: `default` names nothing.
      ['make', 'call', 8, ''],
    ],
  },
  {
    language: 'javascript',
    source: ["const { Queue: Q, Worker } = require('./queue');", 'new Q();', 'new Worker();'].join('\n'),
    imports: [['./queue', ['Queue', 'Worker']]],
    refs: [
      ['Queue', 'import', 1, null],
      ['Worker', 'import', 1, null],
      ['Queue', 'new', 2, null],
      ['Worker', 'new', 3, null],
    ],
  },
  {
    language: 'php',
    source: [
      '<?php',
      'use App\\Models\\User as U;',
      'use App\\{Queue as Q, Job};',
      '$u = new U();',
      'U::find(1);',
      'new Q(); new Job();',
    ].join('\n'),
    // The alias is no import of its own (it was read as `use U;`).
    imports: [
      ['App\\Models\\User', ['User']],
      ['App', ['Queue', 'Job']],
    ],
    refs: [
      ['User', 'import', 2, null],
      ['Queue', 'import', 3, null],
      ['Job', 'import', 3, null],
      ['User', 'new', 4, null],
      ['User', 'type', 5, null],
      ['find', 'call', 5, 'User'],
      ['Queue', 'new', 6, null],
      ['Job', 'new', 6, null],
    ],
  },
  {
    language: 'csharp',
    source: [
      'using System.Text;',
      'using Json = Newtonsoft.Json.JsonConvert;',
      'class A { void F() { Json.SerializeObject(x); } }',
    ].join('\n'),
    // The alias is no namespace of its own (it was read as `using Json;`).
    imports: [
      ['System.Text', []],
      ['Newtonsoft.Json.JsonConvert', ['JsonConvert']],
    ],
    refs: [
      ['JsonConvert', 'import', 2, null],
      ['SerializeObject', 'call', 3, 'JsonConvert'],
    ],
  },
  {
    language: 'rust',
    source: ['use crate::queue::Queue as Q;', 'fn f() { let q = Q::new(); }'].join('\n'),
    imports: [['crate::queue', ['Queue']]],
    refs: [
      ['Queue', 'import', 1, null],
      ['Queue', 'type', 2, null],
      ['new', 'call', 2, 'Queue'],
    ],
  },
  {
    language: 'kotlin',
    source: ['import app.queue.Queue as Q', 'fun f() { val q = Q() }'].join('\n'),
    imports: [['app.queue.Queue', ['Queue']]],
    refs: [
      ['Queue', 'import', 1, null],
      ['Queue', 'call', 2, null],
    ],
  },
];

describe('import aliases', () => {
  for (const c of CASES) {
    for (const [which, extractor] of Object.entries(extractors)) {
      it(`${c.language} (${which}): uses of an alias are uses of the imported name`, () => {
        const x = extractor.extractFile(c.source, c.language);
        assert.deepEqual(
          x.imports.map((i) => [i.source, i.names]),
          c.imports,
        );
        assert.deepEqual(
          x.refs.map((r) => [r.name, r.kind, r.line, r.receiver ?? null]),
          c.refs,
        );
      });
    }
  }
});
