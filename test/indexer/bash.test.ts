import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import {
  definitionRows,
  exportedNames,
  extractFixture,
  importRows,
  refRows,
  symbolNamed,
} from './helpers.js';

describe('bash: bash/build.sh', () => {
  const result = extractFixture('bash/build.sh');

  it('detects the language', () => {
    assert.equal(result.language, 'bash');
  });

  it('extracts functions and variables; commands are calls', () => {
    assert.deepEqual(definitionRows(result), [
      ['VERSION', 'variable', 6, 6, null],
      ['APP_HOME', 'variable', 7, 7, null],
      ['count', 'variable', 8, 8, null],
      ['log', 'function', 11, 13, null],
      ['build', 'function', 15, 18, null],
      ['main', 'function', 20, 20, null],
    ]);
  });

  it('marks what is visible outside the file', () => {
    const hidden = result.symbols
      .map((s) => (s.container === null ? s.name : `${s.container}.${s.name}`))
      .filter((name) => !exportedNames(result).includes(name));
    assert.deepEqual(hidden, []);
  });

  it('reads signatures and doc comments', () => {
    assert.equal(symbolNamed(result, 'log').signature, 'log()');
    assert.equal(symbolNamed(result, 'log').doc, 'Logs a message.');
    assert.equal(symbolNamed(result, 'build').signature, 'function build');
    assert.equal(symbolNamed(result, 'build').doc, null);
    assert.equal(symbolNamed(result, 'VERSION').signature, 'readonly VERSION=1.2');
    assert.equal(symbolNamed(result, 'VERSION').doc, null);
  });

  it('extracts references with their enclosing definition', () => {
    assert.deepEqual(refRows(result), [
      ['set', 'call', 2, null],
      ['printf', 'call', 12, 'log'],
      ['log', 'call', 16, 'build'],
      ['make', 'call', 17, 'build'],
      ['build', 'call', 20, 'main'],
      ['main', 'call', 21, null],
    ]);
  });

  it('extracts imports', () => {
    assert.deepEqual(importRows(result), [
      ['./lib.sh', [], 3],
      ['$HOME/.env', [], 4],
    ]);
  });
});

describe('bash: a test the grammar cannot parse does not hide the functions around it', () => {
  const source = [
    'findDirectory()',
    '{',
    '  local L OP=$1',
    '  for L in "$@"; do',
    '    [ "$OP" "$L" ] || continue',
    '    printf %s "$L"',
    '  done',
    '}',
    '',
    'running() { [ -f "$1" ] && echo yes; }',
    'case $a in [yY]) start ;; esac',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'bash');

  it('finds both functions and no locals', () => {
    assert.deepEqual(definitionRows(result), [
      ['findDirectory', 'function', 1, 8, null],
      ['running', 'function', 10, 10, null],
    ]);
  });

  it('keeps real calls and reads no repaired bracket as one', () => {
    assert.deepEqual(
      refRows(result).map(([name, kind, line]) => [name, kind, line]),
      [
        ['continue', 'call', 5],
        ['printf', 'call', 6],
        ['echo', 'call', 10],
        ['start', 'call', 11],
      ],
    );
  });
});

describe('bash: extended globs, =~ regexes and trim patterns the grammar cannot parse', () => {
  // From bash-completion: each of these put its function, and the locals in it, under an ERROR
  // node (the library's 2,300-line `bash_completion` was one ERROR from its first line).
  const source = [
    '_services()',
    '{',
    '  local -a svcs=($(printf "%s\\n" $dir/!($_backup_glob|functions|README)))',
    '  [[ $OSTYPE == *@(solaris|aix)* ]] && svcs+=(x)',
    '}',
    '_longopt()',
    '{',
    '  case $prev in',
    '    --!(no-*)@(file|path)*)',
    '      _filedir',
    '      ;;',
    '    --+([-a-z0-9_]))',
    '      _filedir -d',
    '      ;;',
    '  esac',
    '}',
    '_parse_help()',
    '{',
    '  local line',
    '  while [[ $line =~ \\',
    '    ((^|[^-])-[A-Za-z0-9?][[:space:]]+)\\[?[A-Z0-9]+ ]]; do',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell source
    '    line=${line%%[<{().[]*}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell source
    '    host="${host%]?(:+([0-9]))}"',
    '    (( n = a+(b) ))',
    '  done',
    '}',
    '',
  ].join('\n');
  const result = createExtractor().extractFile(source, 'bash');

  it('finds every function and no locals', () => {
    assert.deepEqual(definitionRows(result), [
      ['_services', 'function', 1, 5, null],
      ['_longopt', 'function', 6, 16, null],
      ['_parse_help', 'function', 17, 26, null],
    ]);
  });

  it('repairs in place, leaving arithmetic alone', async () => {
    const { repairBash } = await import('../../src/indexer/bash-repair.js');
    const repaired = repairBash(source) ?? '';
    assert.deepEqual(
      repaired.split('\n').map((l) => l.length),
      source.split('\n').map((l) => l.length),
    );
    assert.match(repaired, /\$dir\/!_+\)\)/);
    assert.match(repaired, /\(\( n = a\+\(b\) \)\)/);
    assert.match(repaired, /\$\{line%%_____\.__\*\}/);
  });
});

describe('bash: a script known by its editor modeline', () => {
  it('reads Emacs and Vim modelines over the name; a document stays a document', async () => {
    const { detectLanguage, languageFromModeline } = await import('../../src/indexer/languages.js');
    // bash-completion's scripts: no extension, no shebang.
    const completion =
      '# ssh(1) completion                -*- shell-script -*-\n\n_ssh()\n{\n  :\n}\n\n# ex: filetype=sh\n';
    assert.equal(detectLanguage('completions/ssh', completion), 'bash');
    assert.equal(detectLanguage('completions/btdownloadheadless.py', completion), 'bash');
    assert.equal(
      languageFromModeline('#!/usr/bin/env python\n# -*- mode: python; coding: utf-8 -*-\n'),
      'python',
    );
    assert.equal(languageFromModeline('/* -*- Mode: C++; tab-width: 8 -*- */\n'), 'cpp');
    assert.equal(languageFromModeline('x = 1\n# vim: set ts=4 ft=ruby:\n'), 'ruby');
    // A coding line is no mode; an unknown mode is left to the name.
    assert.equal(languageFromModeline('# -*- coding: utf-8 -*-\nimport os\n'), null);
    assert.equal(detectLanguage('a.py', '# -*- coding: utf-8 -*-\nimport os\n'), 'python');
    assert.equal(detectLanguage('Makefile.in', '# -*- makefile -*-\nall:\n'), null);
    assert.equal(
      detectLanguage('README.md', '# Setup\n\nAdd to your vimrc:\n\n    vim: set ft=sh:\n'),
      'markdown',
    );
    assert.equal(detectLanguage('notes', 'just some words\n'), null);
  });
});
