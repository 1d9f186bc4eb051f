/**
 * The Python tree walk (native/extract.c) against the tags queries it stands in for: per file,
 * the same matches (pattern, capture ids, node ranges), in the same order, from both queries,
 * and the same extraction (symbols, refs, imports, chunks) with the walk on and off. Fixtures, hand-written edge cases, broken files (also
 * through the repaired-text path) and, when present, Django and the Debian Python packages of
 * the bench cache.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pyFiles } from '../../bench/lib/py-files.js';
import { treeWalkerFor } from '../../src/indexer/extractor.js';
import { loadGrammar, tagsQuerySources } from '../../src/indexer/index.js';
import { createNativeRuntime, treeWalkEnabled } from '../../src/indexer/native.js';
import { breakText, multisetDiff, NO_ADDON, type Tally, walkComparison } from './tree-walk-compare.js';

const FIXTURE_ROOT = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
/** The bench cache (`npm run bench` fills it): CODEINDEX_BENCH_CACHE, else `<repo>/.bench-cache`. */
const CACHE =
  process.env.CODEINDEX_BENCH_CACHE || fileURLToPath(new URL('../../../.bench-cache/', import.meta.url));
const DJANGO = join(CACHE, 'django');
/**
 * Real Python present wherever npm is: the gyp build tool bundled with npm's node-gyp (about 30
 * modules). Checked on every run, also where the bench cache is empty (CI).
 */
function bundledGyp(): string[] {
  const candidates = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'gyp'),
    fileURLToPath(new URL('../../../node_modules/node-gyp/gyp/', import.meta.url)),
  ];
  return candidates.filter((d) => existsSync(d)).slice(0, 1);
}
const DEB = join(CACHE, 'deb');

function debPackages(): string[] {
  if (!existsSync(DEB)) return [];
  return readdirSync(DEB)
    .sort()
    .map((d) => join(DEB, d, 'usr/lib/python3/dist-packages'))
    .filter((d) => existsSync(d));
}

const grammar = loadGrammar('python');
const { sources, queries, walk, assertSameMatches, checkFile } = walkComparison('python', 'python');

const EDGE_CASES: Record<string, string> = {
  docstringAfterComment: `class A:
    # a comment first
    """The doc."""
    x = 1

def f():  # trailing comment
    # another
    'doc'
    return 1

def g():
    x = 1
    """not a doc"""

def h(): "one", "two"

def i(): f"not a plain string"

def j(): "a" "b"
`,
  decorators: `import functools

@functools.wraps(f)
@decorator
@decorator_factory(1)
@a.b.c
def wrapped(): pass

class K:
    @property
    def p(self): return self._p

    @staticmethod
    @other.thing()
    def s(): ...
`,
  nestedClasses: `class Outer(Base, mod.Mixin, metaclass=Meta):
    """Outer doc."""
    A = 1
    B: int = 2
    C, D = 3, 4
    E = F = 5

    class Inner(Outer.Base):
        G = 6

        class Innermost:
            '''deep'''
            H = 7

            def m(self): return Inner.G
`,
  moduleLevelBlocks: `import sys
if sys.version_info >= (3, 8):
    A = 1
    B: int = 2
elif sys.platform == "win32":
    A = 3
else:
    A = 4
    if True:
        NESTED = 5
try:
    import colorama
    HAS_COLORAMA = True
except ImportError:
    HAS_COLORAMA = False
except (ValueError, TypeError) as e:
    ERR = e
else:
    OK = True
finally:
    DONE = True

def f():
    if x:
        LOCAL = 1
    try:
        LOCAL2 = 2
    except Exception:
        LOCAL3 = 3

X = Y = 1
X += 1
(P, Q) = 1, 2
Z: int = 3
`,
  imports: `import os
import os.path as osp, sys
import a.b.c, d
from . import x
from .. import y as yy
from .mod import (a, b as bb, c)
from pkg.sub import *
from __future__ import annotations
from x import (y)
`,
  typeAliasesAndGenerics: `type Vector = list[float]
type Pair[T] = tuple[T, T]
type Nested = dict[str, list[Vector]]

def f(a: int, b: list[str], c: "Forward", d: Optional[Dict[str, int]] = None) -> Iterator[int]:
    x: Mapping[str, Any] = {}
    return x

class G(Generic[T]):
    field: ClassVar[int] = 0
`,
  callsOnAttributes: `obj.method()
obj.attr.method(1)
a.b.c.d()
get().then()
(x or y).z()
self.x.append(1)
super().__init__()
print(len(items))
d["k"].update()
mod.Class.classmethod(mod.other.func(1))
lambda: f(g.h())
[f(i) for i in range(3)]
`,
  syntaxErrors: `def broken(:
    pass

class Half(
    x = 1

import
from . import
x = = 1
def ok():
    """Still found."""
    return call(1
`,
  unicode: `# -*- coding: utf-8 -*-
"""Ünïcödé module 🎉."""
NAME = "naïve 🐍"

class Ça:
    """Dœc 𝔘."""
    ÉTÉ = 1

    def mé(self): return ça.fn("𝔘")
`,
  empty: '',
  onlyComment: '# nothing here\n',
  deepNesting: `x = ${'['.repeat(200)}${']'.repeat(200)}\nf(${'g('.repeat(100)}1${')'.repeat(100)})\n`,
};

describe('python tree walk', () => {
  it('is on for Python unless CODEINDEX_TREE_WALK turns it off', { skip: NO_ADDON }, () => {
    assert.equal(walk?.walker, 'python');
    assert.equal(queries?.walker, null);
    const saved = process.env.CODEINDEX_TREE_WALK;
    try {
      for (const value of ['0', 'off', 'FALSE', ' false ']) {
        process.env.CODEINDEX_TREE_WALK = value;
        assert.equal(treeWalkEnabled(), false, value);
      }
      for (const value of ['', '1', 'on']) {
        process.env.CODEINDEX_TREE_WALK = value;
        assert.equal(treeWalkEnabled(), true, value);
      }
    } finally {
      if (saved === undefined) delete process.env.CODEINDEX_TREE_WALK;
      else process.env.CODEINDEX_TREE_WALK = saved;
    }
  });

  it('the extractor uses the walk only for the exact queries it mirrors', () => {
    assert.equal(treeWalkerFor('python', sources), 'python');
    // One character changed in a pattern: the queries run until the walk and its fingerprint are updated.
    assert.equal(
      treeWalkerFor('python', { ...sources, tree: sources.tree.replace('@name', '@name ') }),
      null,
    );
    assert.equal(treeWalkerFor('python', { ...sources, topLevel: `${sources.topLevel}\n` }), null);
    assert.equal(treeWalkerFor('rust', tagsQuerySources('rust')), null);
  });

  it('has no walker when the queries are not the ones it mirrors', { skip: NO_ADDON }, () => {
    const other = createNativeRuntime(grammar, '(identifier) @name', sources.topLevel, 'python');
    assert.equal(other?.walker, null);
    // An unknown walker is refused (the runtime is not created; the JS path runs).
    assert.equal(createNativeRuntime(grammar, sources.tree, sources.topLevel, 'cobol' as 'python'), null);
  });

  it('the comparison notices one match more or less', () => {
    const rows = ['1 a:0-1', '1 a:0-1', '2 b:3-4'];
    assert.deepEqual(multisetDiff(rows, rows.slice(1)).onlyA, ['1 a:0-1']);
    assert.deepEqual(multisetDiff(rows.slice(0, 2), rows).onlyB, ['2 b:3-4']);
    assert.deepEqual(multisetDiff(rows, [...rows].reverse()), { onlyA: [], onlyB: [] });
  });

  it('matches the queries on the fixtures and the edge cases', { skip: NO_ADDON }, (t) => {
    const tally: Tally = { files: 0, matches: 0 };
    const files = pyFiles(FIXTURE_ROOT);
    assert.ok(files.length >= 5, `python fixtures found: ${files.length}`);
    for (const f of files) checkFile(readFileSync(f, 'utf8'), f, tally);
    for (const [name, text] of Object.entries(EDGE_CASES)) {
      checkFile(text, name, tally);
      const broken = breakText(text, 3);
      checkFile(broken, `${name} (broken)`, tally);
      // The repaired-text path: a text with errors checked against its original.
      assertSameMatches(broken, text, `${name} (repaired path)`, tally);
      assertSameMatches(text, broken, `${name} (repaired path, reversed)`, tally);
    }
    assert.ok(tally.matches > 500, `matches compared: ${tally.matches}`);
    t.diagnostic(`texts ${tally.files}, matches ${tally.matches}: the same, in the same order`);
  });

  for (const [name, dirs] of [
    ["npm's bundled gyp", bundledGyp()],
    ['Django 3.2', existsSync(DJANGO) ? [DJANGO] : []],
    ['Debian Python packages', debPackages()],
  ] as const) {
    const skip =
      NO_ADDON ||
      (dirs.length === 0 ? `${name} not in the bench cache ${CACHE} (npm run bench fetches it)` : false);
    it(`matches the queries on ${name}, whole and broken`, { skip, timeout: 600_000 }, (t) => {
      const tally: Tally = { files: 0, matches: 0 };
      let i = 0;
      for (const dir of dirs) {
        for (const f of pyFiles(dir)) {
          const text = readFileSync(f, 'utf8');
          checkFile(text, f, tally);
          // Every fifth file also broken, alone and through the repaired-text path.
          if (i++ % 5 === 0) {
            const broken = breakText(text, i);
            checkFile(broken, `${f} (broken)`, tally);
            assertSameMatches(broken, text, `${f} (repaired path)`, tally);
          }
        }
      }
      assert.ok(tally.files > 10, `files compared: ${tally.files}`);
      t.diagnostic(`texts ${tally.files}, matches ${tally.matches}: the same, in the same order`);
    });
  }
});
