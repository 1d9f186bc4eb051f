import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createExtractor } from '../../../src/indexer/index.js';
import { detectLanguage } from '../../../src/indexer/languages.js';
import type { FileWrite } from '../../../src/store/types.js';
import { chunk, failed, indexed, ref, skipped, sym } from './fixtures.js';

/** The repository's small fixture trees, as absolute paths (compiled tests run from dist/test). */
export const FIXTURES_DIR = resolve(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * Every file under `root` as a worker writes it: real tree-sitter extraction for supported files,
 * `skipped` (unsupported_language) for the rest.
 */
export function extractTree(root: string): FileWrite[] {
  const extractor = createExtractor();
  return walk(root).map((abs): FileWrite => {
    const rel = relative(root, abs).split('\\').join('/');
    const text = readFileSync(abs, 'utf8');
    const language = detectLanguage(rel, text);
    const size = Buffer.byteLength(text);
    if (language === null) {
      return {
        path: rel,
        language: null,
        size,
        mtimeMs: 1,
        sha256: null,
        status: 'skipped',
        reason: 'unsupported_language',
      };
    }
    return {
      path: rel,
      language,
      size,
      mtimeMs: 1_700_000_000_000.25,
      sha256: null,
      status: 'indexed',
      extraction: extractor.extractFile(text, language),
    };
  });
}

/** A hand-built batch: qualified names, camelCase/snake_case keys, tests, skipped and failed files. */
export function syntheticBatch(): FileWrite[] {
  return [
    indexed('src/user/service.ts', {
      symbols: [
        sym('UserService', 'class', { exported: true, startLine: 1, endLine: 30 }),
        sym('getUserById', 'method', { container: 'UserService', startLine: 3 }),
        sym('get_user', 'function', { startLine: 10 }),
        sym('fetchUser', 'function', { exported: true, startLine: 14 }),
        sym('userServiceFactory', 'variable', { startLine: 20 }),
        sym('USER_LIMIT', 'constant', { exported: true, startLine: 25 }),
      ],
      refs: [
        ref('getUserById', 12, { enclosing: 'get_user' }),
        ref('fetchUser', 13, { enclosing: 'get_user' }),
        ref('getUserById', 21, { enclosing: 'userServiceFactory', receiver: 'UserService' }),
        ref('BaseService', 1, { kind: 'inherit', enclosing: 'UserService' }),
      ],
      imports: [{ source: './base', names: ['BaseService'], line: 1 }],
      chunks: [
        chunk(
          'export class UserService extends BaseService {\n  getUserById(id) { return this.db.find(id); }\n}',
          1,
          'UserService',
        ),
        chunk(
          'function get_user(id) {\n  return service.getUserById(id) ?? fetchUser(id);\n}',
          10,
          'get_user',
        ),
        chunk('// retry the upload with exponential backoff\nconst retryBackoffMax = 30;', 20, null, 'code'),
      ],
    }),
    indexed('src/user/service.test.ts', {
      symbols: [sym('testGetUser', 'function', { startLine: 1 })],
      refs: [ref('getUserById', 2, { enclosing: 'testGetUser' }), ref('UserService', 2, { kind: 'new' })],
      chunks: [
        chunk('test("getUserById", () => {\n  new UserService().getUserById(1);\n});', 1, 'testGetUser'),
      ],
    }),
    indexed(
      'lib/base.py',
      {
        language: 'python',
        symbols: [
          sym('BaseService', 'class', { startLine: 1 }),
          sym('find', 'method', { container: 'BaseService' }),
        ],
        refs: [ref('getUserById', 5, { enclosing: 'BaseService.find' })],
        chunks: [
          chunk(
            'class BaseService:\n    def find(self, id):\n        return self.getUserById(id)',
            1,
            'BaseService',
          ),
        ],
      },
      { language: 'python' },
    ),
    skipped('assets/logo.png', 'binary'),
    skipped('vendor/big.js', 'too_large'),
    failed('broken.py', 'parse timeout after 5000 ms'),
  ];
}
