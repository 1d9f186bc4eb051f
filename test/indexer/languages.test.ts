import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CODE_LANGUAGE_IDS,
  detectLanguage,
  isCandidateSource,
  isCppHeader,
  languageFromShebang,
  loadGrammar,
  mayBeScript,
  tagsQuerySources,
} from '../../src/indexer/index.js';

describe('detectLanguage', () => {
  it('maps every supported extension', () => {
    const cases: [string, string | null][] = [
      ['a.ts', 'typescript'],
      ['a.mts', 'typescript'],
      ['a.cts', 'typescript'],
      ['a.tsx', 'tsx'],
      ['a.js', 'javascript'],
      ['a.mjs', 'javascript'],
      ['a.cjs', 'javascript'],
      ['a.jsx', 'javascript'],
      ['a.py', 'python'],
      ['a.pyi', 'python'],
      ['a.go', 'go'],
      ['a.rs', 'rust'],
      ['src/com/x/A.java', 'java'],
      ['UPPER.TS', 'typescript'],
      ['a.d.ts', 'typescript'],
      ['src/list.c', 'c'],
      ['include/list.h', 'c'],
      ['a.cc', 'cpp'],
      ['a.cpp', 'cpp'],
      ['a.hpp', 'cpp'],
      ['A.cs', 'csharp'],
      ['a.rb', 'ruby'],
      ['tasks/db.rake', 'ruby'],
      ['x.gemspec', 'ruby'],
      ['Rakefile', 'ruby'],
      ['sub/Gemfile', 'ruby'],
      ['a.php', 'php'],
      ['A.kt', 'kotlin'],
      ['build.gradle.kts', 'kotlin'],
      ['A.swift', 'swift'],
      ['A.scala', 'scala'],
      ['a.sh', 'bash'],
      ['a.bash', 'bash'],
      ['a.lua', 'lua'],
      ['lib/queue.ex', 'elixir'],
      ['test/queue_test.exs', 'elixir'],
      ['lib/queue.dart', 'dart'],
    ];
    for (const [path, expected] of cases) assert.equal(detectLanguage(path), expected, path);
  });

  it('returns null for unsupported or missing extensions', () => {
    for (const path of ['Makefile', 'a.ts.bak', '.gitignore', 'dir.ts/file', '.env', 'notes.txt', '']) {
      assert.equal(detectLanguage(path), null, path);
    }
  });
});

describe('detectLanguage with the file content', () => {
  it('reads the interpreter from a shebang of an extensionless script', () => {
    const cases: [string, string | null][] = [
      ['#!/usr/bin/env python3\nimport os\n', 'python'],
      ['#!/usr/bin/python2.7 -u\n', 'python'],
      ['#!/usr/bin/env node\n', 'javascript'],
      ['#!/bin/bash\nset -e\n', 'bash'],
      ['#!/bin/sh\n', 'bash'],
      ['#!/usr/bin/env -S ruby -w\n', 'ruby'],
      ['#!/usr/bin/env php\n<?php\n', 'php'],
      ['#!/usr/bin/env lua5.4\n', 'lua'],
      ['#!/usr/bin/env perl\n', null],
      ['no shebang\n', null],
    ];
    for (const [text, expected] of cases) assert.equal(detectLanguage('bin/tool', text), expected, text);
    // A shebang does not override an extension, and files with other extensions stay unsupported.
    assert.equal(detectLanguage('tool.rb', '#!/bin/bash\n'), 'ruby');
    assert.equal(detectLanguage('notes.txt', '#!/bin/bash\n'), null);
  });

  it('tells C++ headers from C headers', () => {
    assert.equal(
      detectLanguage('a.h', '#ifndef A_H\n#define A_H\nstruct a { int x; };\nint f(void);\n#endif\n'),
      'c',
    );
    // The C++ guard of a C header is not C++.
    assert.equal(
      detectLanguage(
        'a.h',
        '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n',
      ),
      'c',
    );
    assert.equal(
      detectLanguage('a.h', '#pragma once\nnamespace geo {\nclass Shape {\npublic:\n  int n;\n};\n}\n'),
      'cpp',
    );
    assert.equal(detectLanguage('a.h', 'template <typename T>\nT max_of(T a, T b);\n'), 'cpp');
    assert.equal(isCppHeader('std::string name(void);'), true);
  });

  it('lets extensionless names through as candidates only', () => {
    assert.equal(mayBeScript('bin/deploy'), true);
    assert.equal(mayBeScript('README.md'), false);
    assert.equal(isCandidateSource('bin/deploy'), true);
    assert.equal(isCandidateSource('a.txt'), false);
    assert.equal(languageFromShebang('#!/usr/bin/env FOO=1 bash'), 'bash');
  });
});

describe('grammars and queries', () => {
  it('load and compile for every language', async () => {
    const { default: Parser } = await import('tree-sitter');
    for (const language of CODE_LANGUAGE_IDS) {
      const grammar = loadGrammar(language);
      const sources = tagsQuerySources(language);
      assert.doesNotThrow(() => new Parser.Query(grammar, sources.tree), language);
      if (sources.topLevel !== '')
        assert.doesNotThrow(() => new Parser.Query(grammar, sources.topLevel), language);
    }
  });
});
