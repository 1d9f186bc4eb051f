/**
 * The Go tree walk (native/extract.c) against the tags queries it stands in for: per file, the
 * same matches (pattern, capture ids, node ranges), in the same order, from both queries, and the
 * same extraction (symbols, refs, imports, chunks) with the walk on and off. The Go fixtures,
 * hand-written edge cases, broken files (also through the repaired-text path) and, when installed
 * (Debian's golang-1.19-src; .ci/run installs it), Go's standard library.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { filesWithExtension } from '../../bench/lib/py-files.js';
import { treeWalkerFor } from '../../src/indexer/extractor.js';
import { loadGrammar } from '../../src/indexer/index.js';
import { createNativeRuntime, nativeExtract } from '../../src/indexer/native.js';
import { breakText, matchRows, NO_ADDON, type Tally, walkComparison } from './tree-walk-compare.js';

const FIXTURE_ROOT = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
/** Go's standard library as Debian's golang-1.19-src installs it (5,500 files, testdata included). */
const GO_SRC = '/usr/share/go-1.19/src';

const grammar = loadGrammar('go');
const { sources, queries, walk, assertSameMatches, checkFile } = walkComparison('go', 'go');

const EDGE_CASES: Record<string, string> = {
  receivers: `package p

func (T) A()                      {}
func (t T) B()                    {}
func (t *T) C()                   {}
func (t T[K, V]) D()              {}
func (t *T[K]) E()                {}
func (a A, b *B) F()              {}
func (t **T) G()                  {}
func (t (T)) H()                  {}
func (t pkg.T) I()                {}
func (t *pkg.T[int]) J()          {}
func (t []T) K()                  {}
func (t T) Größe() (r int, err error) { return }
func () L()                       {}
func (t T,) M()                   {}
`,
  generics: `package p

type List[T any] struct {
	next *List[T]
	val  T
}

type Number interface {
	~int | ~int64 | float64
}

type Pair[K comparable, V any] struct{ Key K; Val V }

type Alias = map[string][]int

func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func (l *List[T]) Push(v T) *List[T] { return &List[T]{next: l, val: v} }

var _ = Map[int, string](nil, strconv.Itoa)
var p = Pair[string, int]{Key: "a"}
var q = pkg.Pair[int, int]{}
`,
  grouped: `package p

const (
	A = iota
	B
	C, D = 1, 2
	E Kind = "e"
	_ = 3
)

const F, G = 1, 2

var (
	x    int
	y, z = 1, 2
	w    = struct{ a int }{1}
)

var a, b = f()
var c int

type (
	T1 int
	T2 = T1
	T3 struct{ f int }
	T4 interface{ M() }
	T5[X any] []X
)

func f() (int, int) {
	const local = 1
	var v = 2
	type inner struct{ g int }
	return local, v
}
`,
  interfaces: `package p

import "io"

type I interface {
	io.Reader
	Writer
	M(x int) error
	N() (a, b int)
	~int | ~string
	comparable
	fmt.Stringer | error
	interface{ O() }
	*T
}

type E interface{}
type F = interface{ G() }
var v interface{ H() } = nil
`,
  structs: `package p

type S struct {
	a, b int
	*C
	D
	pkg.E
	*pkg.F
	G[int]
	H \`json:"h"\`
	_ int
	f func(x int) error
	nested struct {
		inner string
		Embedded
	}
	// comment
	I /* comment */
}

var anon = struct {
	X int
	Y
}{}
`,
  labelsAndFuncLiterals: `package p

func f() {
outer:
	for i := 0; i < 10; i++ {
		switch {
		case i > 5:
			break outer
		default:
			continue outer
		}
	}
	goto end
end:
	g := func(x T) T { return h(x) }
	g(1)
	go func() { run() }()
	defer func() { recover() }()
	func() {}()
	_ = func() *T { return &T{} }
}
`,
  imports: `package p

import "os"
import (
	"fmt"
	f "fmt"
	. "math"
	_ "embed"
	"C"
	m "math/rand" // comment
)
import \`raw/path\`
import r \`raw/aliased\`
`,
  cgo: `package p

/*
#include <stdio.h>
#include <stdlib.h>

static void hello(const char *s) { printf("%s\\n", s); }
*/
import "C"

import "unsafe"

func Hello(s string) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	C.hello(cs)
}
`,
  callsAndLiterals: `package p

func g() {
	f()
	a.b()
	a.b.c()
	f()()
	(f)()
	x.(T).m()
	T(x)
	[]byte(s)
	f[int](x)
	a.b[int](x)
	_ = T{}
	_ = pkg.T{}
	_ = T[int]{}
	_ = &T{A: 1}
	_ = []T{{}, {}}
	_ = map[K]V{k: {}}
	_ = struct{}{}
	_ = pkg.T[int]{}
	_ = [...]int{1, 2}
	var t T = T(nil)
	x := y.(interface{ M() })
	switch v := x.(type) {
	case T, *U:
		_ = v
	}
}
`,
  unicode: `// Package ünïcödé 🎉.
package p

const Naïve = "naïve 🐍"

type Ça struct{ Été int }

func (ç *Ça) Mé() string { return fmt.Sprint("𝔘", ç.Été) }
`,
  syntaxErrors: `package p

func (
type T struct {
	a int
func f() { if x {
import (
	"fmt"
var = 1
const (
	A =
func (t *T) Ok() {}
type Good struct{ B int }
`,
  incomplete: 'package p\n\nfunc f(x int',
  noPackage: 'func f() {}\ntype T int\n',
  empty: '',
  onlyComment: '// nothing here\n',
  deepNesting: `package p\n\nvar x = ${'('.repeat(200)}1${')'.repeat(200)}\nvar y = f(${'g('.repeat(100)}1${')'.repeat(100)})\nvar z = ${'[]T{'.repeat(50)}${'}'.repeat(50)}\n`,
};

/** The rows of one edge case's tree matches with the walk, for asserting on real values. */
function walkRows(text: string): string[] {
  return matchRows(nativeExtract(walk!, text, null).tree);
}

describe('go tree walk', () => {
  it('is the walk the extractor uses for exactly the Go queries it mirrors', () => {
    assert.equal(treeWalkerFor('go', sources), 'go');
    assert.equal(
      treeWalkerFor('go', { ...sources, tree: sources.tree.replace('@receiver', '@receiver ') }),
      null,
    );
    assert.equal(treeWalkerFor('go', { ...sources, topLevel: `${sources.topLevel}\n` }), null);
    // Python's fingerprint is not Go's.
    assert.equal(treeWalkerFor('python', sources), null);
  });

  it('is used when its names resolve, else the queries run', { skip: NO_ADDON }, () => {
    assert.equal(walk?.walker, 'go');
    assert.equal(createNativeRuntime(grammar, '(identifier) @name', sources.topLevel, 'go')?.walker, null);
    assert.equal(createNativeRuntime(grammar, sources.tree, '', 'go')?.walker, null);
    // The Python walk does not resolve on the Go grammar.
    assert.equal(createNativeRuntime(grammar, sources.tree, sources.topLevel, 'python')?.walker, null);
  });

  it('finds a method with a generic pointer receiver as the queries do', { skip: NO_ADDON }, () => {
    const text = 'package p\n\nfunc (l *List[T]) Push(v T) {}\n';
    const span = (s: string, from = 0) => `${text.indexOf(s, from)}-${text.indexOf(s, from) + s.length}`;
    // Each match comes when the walk enters the node of its last step: the receiver's types
    // (reference.type) before the method, which completes on its name.
    assert.deepEqual(walkRows(text), [
      `17 reference.type#12:${span('List')}`,
      `17 reference.type#12:${span('T', text.indexOf('['))}`,
      `1 definition.method#3:${span('func (l *List[T]) Push(v T) {}')} receiver#2:${span('List')} name#0:${span('Push')}`,
      `17 reference.type#12:${span('T', text.indexOf('v T'))}`,
    ]);
    assert.deepEqual(walkRows(text), matchRows(nativeExtract(queries!, text, null).tree));
  });

  it('matches the queries on the fixtures and the edge cases', { skip: NO_ADDON }, (t) => {
    const tally: Tally = { files: 0, matches: 0 };
    const files = filesWithExtension(FIXTURE_ROOT, '.go');
    assert.ok(files.length >= 4, `go fixtures found: ${files.length}`);
    for (const f of files) checkFile(readFileSync(f, 'utf8'), f, tally);
    for (const [name, text] of Object.entries(EDGE_CASES)) {
      checkFile(text, name, tally);
      const broken = breakText(text, 3);
      checkFile(broken, `${name} (broken)`, tally);
      // The repaired-text path: a text with errors checked against its original.
      assertSameMatches(broken, text, `${name} (repaired path)`, tally);
      assertSameMatches(text, broken, `${name} (repaired path, reversed)`, tally);
    }
    // Every pattern of both queries is exercised by these texts.
    const seen = new Set<string>();
    for (const text of [...files.map((f) => readFileSync(f, 'utf8')), ...Object.values(EDGE_CASES)]) {
      const r = nativeExtract(walk!, text, null);
      for (const p of Array.from(r.tree.patterns)) seen.add(`tree ${p}`);
      for (const p of Array.from(r.top?.patterns ?? [])) seen.add(`top ${p}`);
    }
    assert.equal(seen.size, 20 + 3, `patterns seen: ${[...seen].sort().join(', ')}`);
    assert.ok(tally.matches > 1000, `matches compared: ${tally.matches}`);
    t.diagnostic(`texts ${tally.files}, matches ${tally.matches}: the same, in the same order`);
  });

  const skip =
    NO_ADDON || (existsSync(GO_SRC) ? false : `${GO_SRC} not installed (apt-get install golang-1.19-src)`);
  it("matches the queries on Go's standard library, whole and broken", { skip, timeout: 900_000 }, (t) => {
    const tally: Tally = { files: 0, matches: 0 };
    let i = 0;
    for (const f of filesWithExtension(GO_SRC, '.go')) {
      const text = readFileSync(f, 'utf8');
      checkFile(text, f, tally);
      // Every fifth file also broken, alone and through the repaired-text path.
      if (i++ % 5 === 0) {
        const broken = breakText(text, i);
        checkFile(broken, `${f} (broken)`, tally);
        assertSameMatches(broken, text, `${f} (repaired path)`, tally);
      }
    }
    assert.ok(tally.files > 5000, `files compared: ${tally.files}`);
    t.diagnostic(`texts ${tally.files}, matches ${tally.matches}: the same, in the same order`);
  });
});
