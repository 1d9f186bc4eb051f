import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isCodeindexError } from '../../src/errors.js';
import type { IndexStore } from '../../src/store/index.js';
import { openIndexStore } from '../../src/store/index.js';
import { editDistance, maxTypoEdits } from '../../src/store/symbol-search.js';
import { indexed, sym, tempDir } from './helpers/fixtures.js';

const tmp = tempDir();
let store: IndexStore;

before(async () => {
  store = openIndexStore(join(tmp.dir, 'symbols.db'));
  await store.writeBatch('/repo', [
    indexed('src/users.ts', {
      symbols: [
        sym('getUser', 'function', { startLine: 10, exported: true }),
        sym('getUserById', 'function', { startLine: 20 }),
        sym('getuser', 'variable', { startLine: 30 }),
        sym('GetUserName', 'method', { startLine: 40, container: 'UserService' }),
        sym('fetchUser', 'function', { startLine: 50 }),
        sym('userService', 'variable', { startLine: 60 }),
        sym('UserService', 'class', { startLine: 1, endLine: 70, exported: true }),
      ],
    }),
    indexed(
      'py/users.py',
      {
        language: 'python',
        symbols: [
          sym('get_user', 'function', { startLine: 3 }),
          sym('get_user_by_id', 'function', { startLine: 9 }),
        ],
      },
      { language: 'python' },
    ),
    indexed('src/deep/nested/path/users.ts', { symbols: [sym('getUser', 'function', { exported: true })] }),
    indexed('src/other.ts', { symbols: [sym('getUser', 'variable', { exported: false })] }),
  ]);
  await store.writeBatch('/other-repo', [indexed('x.ts', { symbols: [sym('getUser', 'function')] })]);
  // A test suite's helpers share names with the code they test; an example exports its own.
  await store.writeBatch('/svc', [
    indexed('lib/build.js', { symbols: [sym('build', 'function', { exported: false })] }),
    indexed('test/internals/decorator.test.js', {
      symbols: [sym('build', 'function', { exported: true })],
    }),
    indexed('examples/app.js', { symbols: [sym('build', 'function', { exported: true })] }),
    indexed('test/helpers.js', { symbols: [sym('buildServer', 'function', { exported: true })] }),
    indexed('lib/server.js', { symbols: [sym('buildServerOptions', 'function')] }),
  ]);
  // eslint's shape: a rule declares a helper inside `create(context)` with the name of a class's
  // method (a function ranks before a method by kind).
  await store.writeBatch('/lint', [
    indexed('lib/rules/arrow-spacing.js', {
      symbols: [
        sym('create', 'method', { startLine: 5, endLine: 40, container: null }),
        sym('getTokens', 'function', { startLine: 10, endLine: 12, container: 'create' }),
      ],
    }),
    indexed('lib/source-code/token-store.js', {
      symbols: [
        sym('TokenStore', 'class', { startLine: 1, endLine: 90 }),
        sym('getTokens', 'method', { startLine: 50, endLine: 60, container: 'TokenStore' }),
      ],
    }),
  ]);
  // Jinja2's shape: the method people complete to, beside longer functions and methods.
  await store.writeBatch('/jinja', [
    indexed(
      'jinja2/environment.py',
      {
        language: 'python',
        symbols: [
          sym('Environment', 'class', { startLine: 1, endLine: 90 }),
          sym('get_template', 'method', { startLine: 40, container: 'Environment' }),
        ],
      },
      { language: 'python' },
    ),
    indexed(
      'jinja2/debug.py',
      { language: 'python', symbols: [sym('get_template_locals', 'function', { startLine: 5 })] },
      { language: 'python' },
    ),
    indexed(
      'jinja2/loaders.py',
      {
        language: 'python',
        symbols: [sym('get_template_key', 'method', { startLine: 7, container: 'ModuleLoader' })],
      },
      { language: 'python' },
    ),
  ]);
});
after(async () => {
  await store.close();
  tmp.cleanup();
});

const names = async (q: Parameters<IndexStore['searchSymbols']>[0]) =>
  (await store.searchSymbols(q)).hits.map((h) => `${h.name}@${h.path}`);

test('ranking: exact > prefix > case-insensitive > snake/camel key > word part > subsequence', async () => {
  const hits = (await store.searchSymbols({ query: 'getUser', limit: 50, pathPrefix: '/repo' })).hits;
  const order = hits.map((h) => h.name);
  // exact matches: exported first, then the shorter path, then the non-exported variable
  assert.deepEqual(
    hits.slice(0, 3).map((h) => [h.name, h.path]),
    [
      ['getUser', '/repo/src/users.ts'],
      ['getUser', '/repo/src/deep/nested/path/users.ts'],
      ['getUser', '/repo/src/other.ts'],
    ],
  );
  assert.equal(order[3], 'getUserById'); // case-sensitive prefix
  assert.equal(order[4], 'getuser'); // case-insensitive exact
  assert.equal(order[5], 'GetUserName'); // case-insensitive prefix
  assert.equal(order[6], 'get_user'); // same key
  assert.equal(order[7], 'get_user_by_id'); // key prefix
  const scores = hits.map((h) => h.score);
  assert.deepEqual(
    [...scores].sort((a, b) => b - a),
    scores,
    'scores never increase',
  );
  assert.ok(scores[0]! > scores[3]! && scores[3]! > scores[4]! && scores[4]! > scores[5]!);
  assert.ok(scores[5]! > scores[6]! && scores[6]! > scores[7]!);
});

test('within a prefix tier the shorter completion comes first, whatever its kind', async () => {
  const hits = (await store.searchSymbols({ query: 'get_templ', limit: 10, pathPrefix: '/jinja' })).hits;
  assert.deepEqual(
    hits.map((h) => [h.name, h.score]),
    [
      ['get_template', 90], // 3 characters past the query
      ['get_template_key', 89], // 7
      ['get_template_locals', 88], // 10: a function, ranked after the shorter methods
    ],
  );
});

test("the code's own definitions come before tests' and examples' of the same name, exported or not", async () => {
  assert.deepEqual(await names({ query: 'build', limit: 3, pathPrefix: '/svc' }), [
    'build@/svc/lib/build.js',
    'build@/svc/examples/app.js',
    'build@/svc/test/internals/decorator.test.js',
  ]);
  // The score tiers still come first: a prefix match in source does not pass an exact one in a test.
  assert.deepEqual(await names({ query: 'buildServer', limit: 2, pathPrefix: '/svc' }), [
    'buildServer@/svc/test/helpers.js',
    'buildServerOptions@/svc/lib/server.js',
  ]);
});

test("a function nested in another function's body comes after members and top-level definitions", async () => {
  assert.deepEqual(await names({ query: 'getTokens', limit: 2, pathPrefix: '/lint' }), [
    'getTokens@/lint/lib/source-code/token-store.js',
    'getTokens@/lint/lib/rules/arrow-spacing.js',
  ]);
});

test('snake_case query finds camelCase names and vice versa', async () => {
  assert.ok((await names({ query: 'get_user', limit: 20 })).some((n) => n.startsWith('getUser@')));
  assert.ok((await names({ query: 'getUserById', limit: 20 })).some((n) => n.startsWith('get_user_by_id@')));
});

test('word parts and subsequences match after the key tiers', async () => {
  const hits = (await store.searchSymbols({ query: 'user', limit: 50, pathPrefix: '/repo' })).hits;
  const order = hits.map((h) => h.name);
  // prefix (case-insensitive) first: UserService class, userService variable
  assert.deepEqual(order.slice(0, 2), ['userService', 'UserService']);
  assert.ok(order.includes('fetchUser'), 'word part at the end');
  assert.ok(order.includes('getUserById'), 'word part in the middle');
  const fetch = hits.find((h) => h.name === 'fetchUser')!;
  const byId = hits.find((h) => h.name === 'getUserById')!;
  assert.ok(fetch.score > byId.score, 'a whole trailing word beats a word prefix');
  assert.ok(hits[1]!.score > fetch.score);

  const usr = (await store.searchSymbols({ query: 'usr', limit: 50, pathPrefix: '/repo' })).hits;
  assert.ok(usr.length > 0);
  assert.ok(usr.some((h) => h.name === 'userService'));
  assert.ok(
    usr.some((h) => h.name === 'fetchUser'),
    'subsequence anchored at a word start',
  );
  assert.ok(usr.every((h) => h.score < 45));
});

test('typos: one edit up to 7 characters, two from 8, ranked with the subsequence tier', async () => {
  const typo = async (query: string) =>
    (await store.searchSymbols({ query, limit: 50, pathPrefix: '/repo' })).hits.map(
      (h) => `${h.name}:${h.score}`,
    );
  // A transposition in a 7-character key: one edit.
  assert.ok((await typo('getUsre')).includes('getUser:34'));
  // Two edits in a long key (a transposition and a dropped letter), British spelling style.
  const two = await typo('UserSrevce');
  assert.ok(two.includes('UserService:32') && two.includes('userService:32'), two.join(' '));
  // Two edits are too many for a short key; so is a typo in the first two characters.
  assert.deepEqual(await typo('gteUsre'), []);
  assert.deepEqual(await typo('xyz'), []);
  // A name that a fuzzier tier found already is not found again by the typo tier.
  const usr = (await store.searchSymbols({ query: 'getUsr', limit: 50, pathPrefix: '/repo' })).hits;
  assert.equal(new Set(usr.map((h) => `${h.path}:${h.line}`)).size, usr.length);
  assert.ok(usr.some((h) => h.name === 'getUser'));
  // A letter replaced (no subsequence tier can find it).
  assert.deepEqual((await typo('UserSorvice')).slice(0, 2).sort(), ['UserService:34', 'userService:34']);
});

test('edit distance counts a transposition as one edit and stops past the bound', () => {
  assert.equal(editDistance('switchmap', 'swtichmap', 2), 1);
  assert.equal(editDistance('behavioursubject', 'behaviorsubject', 2), 1);
  assert.equal(editDistance('abc', 'abc', 1), 0);
  assert.equal(editDistance('kitten', 'sitting', 5), 3);
  assert.equal(editDistance('kitten', 'sitting', 1), 2);
  assert.equal(maxTypoEdits(3), 0);
  assert.equal(maxTypoEdits(7), 1);
  assert.equal(maxTypoEdits(8), 2);
});

test('tie-break: exported, then definition kinds before variables', async () => {
  const hits = (await store.searchSymbols({ query: 'userservice', limit: 10 })).hits;
  assert.deepEqual(
    hits.map((h) => [h.name, h.kind]),
    [
      ['UserService', 'class'], // both are case-insensitive exact: the exported class wins
      ['userService', 'variable'],
    ],
  );
});

test('filters: kind, language, pathPrefix (root, directory, file) and paging', async () => {
  assert.deepEqual(
    (await store.searchSymbols({ query: 'getUser', kind: 'variable', limit: 10 })).hits.map((h) => h.name),
    ['getUser', 'getuser'],
  );
  const py = (await store.searchSymbols({ query: 'getUser', language: 'python', limit: 10 })).hits;
  assert.deepEqual(
    py.map((h) => h.name),
    ['get_user', 'get_user_by_id'],
  );
  assert.equal(py[0]?.language, 'python');
  assert.ok(
    (await names({ query: 'getUser', limit: 50, pathPrefix: '/other-repo' })).every((n) =>
      n.includes('/other-repo/'),
    ),
  );
  assert.ok((await names({ query: 'getUser', limit: 50, pathPrefix: '/repo/src/deep/' })).length === 1);
  assert.ok((await names({ query: 'getUser', limit: 50, pathPrefix: '/repo/py/users.py' })).length === 2);
  assert.ok(
    (await names({ query: 'getUser', limit: 50, pathPrefix: '/' })).some((n) => n.includes('/other-repo/')),
  );
  await assert.rejects(
    () => store.searchSymbols({ query: 'x', limit: 5, pathPrefix: '/not/indexed' }),
    (e) => isCodeindexError(e, 'NOT_INDEXED'),
  );

  const all = await store.searchSymbols({ query: 'getUser', limit: 100 });
  assert.equal(all.hasMore, false);
  assert.equal(all.total, all.hits.length);
  const page1 = await store.searchSymbols({ query: 'getUser', limit: 3 });
  const page2 = await store.searchSymbols({ query: 'getUser', limit: 3, offset: 3 });
  assert.equal(page1.hasMore, true);
  assert.deepEqual(
    [...page1.hits, ...page2.hits].map((h) => h.path + h.line),
    all.hits.slice(0, 6).map((h) => h.path + h.line),
  );
});

test('odd queries do not throw', async () => {
  for (const q of ['', '   ', '%', '_', '*', '"', "'", '\\', 'a.b.c', '::', 'Foo.', '(', '[a-z]*', '😀']) {
    await assert.doesNotReject(() => store.searchSymbols({ query: q, limit: 5 }), q);
  }
  // qualified query: prefers the member of that container
  const q = (await store.searchSymbols({ query: 'UserService.GetUserName', limit: 5 })).hits;
  assert.equal(q[0]?.name, 'GetUserName');
  // Objective-C's names for a method: `-[Class selector:]` prefers the class's method, a bare
  // selector is its first keyword.
  for (const objc of ['-[UserService GetUserName:withOptions:]', '+[UserService GetUserName]']) {
    const hits = (await store.searchSymbols({ query: objc, limit: 5 })).hits;
    assert.equal(hits[0]?.name, 'GetUserName', objc);
    assert.equal(hits[0]?.container, 'UserService', objc);
  }
  const selector = (await store.searchSymbols({ query: 'GetUserName:withOptions:', limit: 5 })).hits;
  assert.equal(selector[0]?.name, 'GetUserName');
  // A qualified query that reaches the word-part tier (its score term has parameters too).
  const parts = (await store.searchSymbols({ query: 'UserService.user', limit: 20 })).hits;
  assert.ok(
    parts.some((h) => h.name === 'fetchUser'),
    JSON.stringify(parts.map((h) => h.name)),
  );
});

test('fileOutline: source order with containers; null when not indexed', async () => {
  const outline = await store.fileOutline('/repo/src/users.ts');
  assert.ok(outline);
  assert.deepEqual(
    outline.map((h) => [h.name, h.line]),
    [
      ['UserService', 1],
      ['getUser', 10],
      ['getUserById', 20],
      ['getuser', 30],
      ['GetUserName', 40],
      ['fetchUser', 50],
      ['userService', 60],
    ],
  );
  assert.equal(outline[4]?.container, 'UserService');
  assert.equal(outline[0]?.path, '/repo/src/users.ts');
  assert.equal(await store.fileOutline('/repo/src/missing.ts'), null);
  assert.equal(await store.fileOutline('/nowhere/a.ts'), null);
});

test('several path prefixes search their union; prefixes with nothing indexed are left out', async () => {
  await store.writeBatch('/third', [indexed('t.ts', { symbols: [sym('getUser', 'function')] })]);
  const paths = async (pathPrefix: readonly string[]) =>
    (await store.searchSymbols({ query: 'getUser', limit: 50, pathPrefix })).hits
      .filter((h) => h.name === 'getUser')
      .map((h) => h.path)
      .sort();
  assert.deepEqual(await paths(['/repo/src/deep', '/other-repo', '/not-indexed']), [
    '/other-repo/x.ts',
    '/repo/src/deep/nested/path/users.ts',
  ]);
  assert.ok(!(await paths(['/repo', '/other-repo'])).includes('/third/t.ts'));
  await assert.rejects(
    () => store.searchSymbols({ query: 'getUser', limit: 5, pathPrefix: ['/nowhere', '/else'] }),
    (e) => isCodeindexError(e, 'NOT_INDEXED'),
  );
  await assert.rejects(
    () => store.searchSymbols({ query: 'getUser', limit: 5, pathPrefix: [] }),
    (e) => isCodeindexError(e, 'NOT_INDEXED'),
  );
});

test("a qualifier that names a module ranks its top-level definitions first (Effect.retry is Effect.ts's retry)", async () => {
  const paths = async (query: string) =>
    (await store.searchSymbols({ query, limit: 10 })).hits.map(
      (h) => `${h.path.slice('/repo/'.length)}:${h.line}`,
    );
  // Unqualified, src/other.ts's unexported variable comes after the exported functions.
  assert.notEqual((await paths('getUser'))[0], 'src/other.ts:1');
  assert.equal((await paths('other.getUser'))[0], 'src/other.ts:1');
  assert.deepEqual((await paths('users.get_user')).slice(0, 1), ['py/users.py:3']);
  // A class qualifier still means the class's member.
  assert.equal((await paths('UserService.GetUserName'))[0], 'src/users.ts:40');
});

test("a Kotlin companion object's member ranks as its class's (TouchEvent.obtain is TouchEvent.Companion.obtain)", async () => {
  await store.writeBatch('/kt', [
    indexed('a/ScrollEvent.kt', {
      language: 'kotlin',
      symbols: [
        sym('obtain', 'method', { startLine: 3, container: 'ScrollEvent.Companion', exported: true }),
      ],
    }),
    indexed('uimanager/events/TouchEvent.kt', {
      language: 'kotlin',
      symbols: [sym('obtain', 'method', { startLine: 9, container: 'TouchEvent.Companion' })],
    }),
  ]);
  const first = async (query: string) =>
    (await store.searchSymbols({ query, limit: 5, pathPrefix: ['/kt'] })).hits[0]?.container;
  assert.equal(await first('obtain'), 'ScrollEvent.Companion');
  assert.equal(await first('TouchEvent.obtain'), 'TouchEvent.Companion');
  assert.equal(await first('TouchEvent.Companion.obtain'), 'TouchEvent.Companion');
});

test('a qualified name: the class’s own member first, then a class of its last name in any namespace, then a module file’s function', async () => {
  await store.writeBatch('/qual', [
    // Go's prometheus: registry.go holds both the package function and the method.
    indexed('prometheus/registry.go', {
      language: 'go',
      symbols: [
        sym('Register', 'function', { startLine: 164, exported: true }),
        sym('Register', 'method', { startLine: 271, container: 'Registry', exported: true }),
      ],
    }),
    // Ruby's `class Thor::Group` is indexed as `Group`; `Thor` has a `dispatch` of its own.
    indexed('lib/thor.rb', {
      language: 'ruby',
      symbols: [sym('dispatch', 'method', { startLine: 358, container: 'Thor', exported: true })],
    }),
    indexed('lib/thor/group.rb', {
      language: 'ruby',
      symbols: [sym('dispatch', 'method', { startLine: 217, container: 'Group' })],
    }),
    // PHP: a class in a namespace, asked for by its namespaced name.
    indexed('Monolog/Handler/StreamHandler.php', {
      language: 'php',
      symbols: [sym('StreamHandler', 'class', { startLine: 26, exported: true })],
    }),
  ]);
  const first = async (query: string) => {
    const h = (await store.searchSymbols({ query, limit: 5, pathPrefix: ['/qual'] })).hits[0];
    return h === undefined ? null : `${h.path.slice('/qual/'.length)}:${h.line}`;
  };
  assert.equal(await first('Register'), 'prometheus/registry.go:164');
  assert.equal(await first('Registry.Register'), 'prometheus/registry.go:271');
  assert.equal(await first('(*Registry).Register'), 'prometheus/registry.go:271');
  assert.equal(await first('Thor::Group#dispatch'), 'lib/thor/group.rb:217');
  assert.equal(await first('Thor.dispatch'), 'lib/thor.rb:358');
  assert.equal(await first('Monolog\\Handler\\StreamHandler'), 'Monolog/Handler/StreamHandler.php:26');
  assert.equal(await first('\\Monolog\\Handler\\StreamHandler'), 'Monolog/Handler/StreamHandler.php:26');
});
