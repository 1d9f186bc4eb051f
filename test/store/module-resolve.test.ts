import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createExtractor } from '../../src/indexer/index.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { createModuleResolver, type WorkspacePackage } from '../../src/mcp/module-resolve.js';

const FAMILY: Partial<Record<LanguageId, string>> = {
  typescript: 'js',
  tsx: 'js',
  javascript: 'js',
  cpp: 'c',
};

/**
 * Extracts real files with the real grammars, then resolves every import of `from` and returns
 * `source -> resolved paths` (the resolver sees the imports exactly as the index stores them).
 */
function resolveAll(
  rootName: string,
  sources: Record<string, [LanguageId, string]>,
  from: string,
  packages: readonly WorkspacePackage[] = [],
): Record<string, string[]> {
  const extractor = createExtractor();
  const rels = Object.keys(sources);
  const files = rels.map((rel) => {
    const language = sources[rel]![0];
    return { rel, rootName, family: FAMILY[language] ?? language };
  });
  const resolve = createModuleResolver(files, packages);
  const i = rels.indexOf(from);
  const [language, text] = sources[from]!;
  const out: Record<string, string[]> = {};
  for (const imp of extractor.extractFile(text, language).imports)
    out[imp.source] = resolve(i, imp.source, imp.names).map((t) => rels[t]!);
  return out;
}

describe('module resolution for the repository map', () => {
  test('JavaScript/TypeScript workspaces: a package by name, its entry from package.json or src/, and subpaths', () => {
    const packages: WorkspacePackage[] = [
      { dir: 'packages/queue', name: '@acme/queue', entries: ['./dist/esm/index.js'] },
      { dir: 'packages/queue-extra', name: '@acme/queue-extra', entries: [] },
      { dir: 'libs/plain', name: 'plain', entries: ['lib/main.js'] },
    ];
    const got = resolveAll(
      'mono',
      {
        'apps/web/main.ts': [
          'typescript',
          "import { Queue } from '@acme/queue';\nimport { retry } from '@acme/queue/retry';\nimport { extra } from '@acme/queue-extra';\nimport { p } from 'plain';\nimport { r } from 'react';\n",
        ],
        'packages/queue/src/index.ts': ['typescript', "export * from './queue';\n"],
        'packages/queue/src/retry.ts': ['typescript', 'export function retry() {}\n'],
        'packages/queue-extra/index.ts': ['typescript', 'export const extra = 1;\n'],
        'libs/plain/lib/main.js': ['javascript', 'exports.p = 1;\n'],
      },
      'apps/web/main.ts',
      packages,
    );
    assert.deepEqual(got, {
      // dist/esm/index.js is built from src/index.ts.
      '@acme/queue': ['packages/queue/src/index.ts'],
      '@acme/queue/retry': ['packages/queue/src/retry.ts'],
      // The longest name wins; no entry given: index at the package's top.
      '@acme/queue-extra': ['packages/queue-extra/index.ts'],
      plain: ['libs/plain/lib/main.js'],
      react: [],
    });
  });

  test('JavaScript/TypeScript: relative paths, extensions, index files; packages resolve to nothing', () => {
    const got = resolveAll(
      'bullmq',
      {
        'src/classes/worker.ts': [
          'typescript',
          "import { Job } from './job';\nimport { QueueBase } from './queue-base.js';\nimport { delay } from '../utils';\nimport { Redis } from 'ioredis';\nimport { x } from './missing';\n",
        ],
        'src/classes/job.ts': ['typescript', 'export class Job {}\n'],
        'src/classes/queue-base.ts': ['typescript', 'export class QueueBase {}\n'],
        'src/utils/index.ts': ['typescript', 'export function delay() {}\n'],
        'src/utils.py': ['python', 'def delay(): pass\n'],
      },
      'src/classes/worker.ts',
    );
    assert.deepEqual(got, {
      './job': ['src/classes/job.ts'],
      './queue-base.js': ['src/classes/queue-base.ts'],
      '../utils': ['src/utils/index.ts'],
      ioredis: [],
      './missing': [],
    });
  });

  test('Python: relative dots, packages, submodules named in from-imports, absolute names with the root', () => {
    const sources: Record<string, [LanguageId, string]> = {
      'sessions.py': [
        'python',
        'from .models import Request\nfrom . import hooks\nfrom .packages.urllib import util\nimport requests.adapters\nimport json\nfrom requests.compat import x\nimport os.path\nimport collections.abc\n',
      ],
      'models.py': ['python', 'class Request: pass\n'],
      'hooks.py': ['python', 'HOOKS = []\n'],
      'adapters.py': ['python', 'class HTTPAdapter: pass\n'],
      'compat.py': ['python', 'x = 1\n'],
      'packages/urllib/__init__.py': ['python', ''],
      'packages/urllib/util.py': ['python', 'def f(): pass\n'],
      'packages/json.py': ['python', 'def loads(): pass\n'],
      'orm/collections.py': ['python', 'def append(): pass\n'],
    };
    assert.deepEqual(resolveAll('requests', sources, 'sessions.py'), {
      '.models': ['models.py'],
      '.': ['hooks.py'],
      '.packages.urllib': ['packages/urllib/__init__.py', 'packages/urllib/util.py'],
      'requests.adapters': ['adapters.py'],
      // One word is a top-level module or the standard library, never packages/json.py.
      json: [],
      'requests.compat': ['compat.py'],
      'os.path': [],
      // The standard library's `collections.abc`, not orm/collections.py: the head of a dotted
      // name is a top-level module too.
      'collections.abc': [],
    });
    assert.deepEqual(
      resolveAll(
        'requests',
        {
          ...sources,
          'packages/urllib/util.py': ['python', 'from ..json import loads\nfrom ... import models\n'],
        },
        'packages/urllib/util.py',
      ),
      { '..json': ['packages/json.py'], '...': ['models.py'] },
    );
  });

  test('Go: an import path names every file of the package directory whose path ends it', () => {
    const got = resolveAll(
      'http',
      {
        'client.go': [
          'go',
          'package http\n\nimport (\n\t"fmt"\n\t"net/http/internal"\n\tascii "net/http/internal/ascii"\n\t"example.com/other/http"\n)\n',
        ],
        'internal/chunked.go': ['go', 'package internal\n'],
        'internal/util.go': ['go', 'package internal\n'],
        'internal/ascii/print.go': ['go', 'package ascii\n'],
        'server.go': ['go', 'package http\n'],
      },
      'client.go',
    );
    assert.deepEqual(got, {
      fmt: [],
      'net/http/internal': ['internal/chunked.go', 'internal/util.go'],
      'net/http/internal/ascii': ['internal/ascii/print.go'],
      // "…/http" ends with the root's name: the root package, other than the importer itself.
      'example.com/other/http': ['server.go'],
    });
  });

  test('Rust: crate::, self:: and super:: paths and paths into child modules to module files; external crates resolve to nothing', () => {
    const sources: Record<string, [LanguageId, string]> = {
      'src/lib.rs': ['rust', 'mod de;\nmod lexical;\n'],
      'src/de.rs': [
        'rust',
        'use crate::read::IoRead;\nuse crate::lexical::parse::parse_float;\nuse serde::de::Visitor;\n',
      ],
      'src/read.rs': ['rust', 'pub struct IoRead;\n'],
      'src/lexical/mod.rs': ['rust', 'pub mod parse;\npub use parse::parse_float;\nuse std::fmt;\n'],
      'src/lexical/parse.rs': [
        'rust',
        'use super::algorithm::*;\nuse self::inner::X;\npub fn parse_float() {}\n',
      ],
      'src/lexical/algorithm.rs': ['rust', 'pub fn f() {}\n'],
    };
    assert.deepEqual(resolveAll('serde_json', sources, 'src/de.rs'), {
      'crate::read': ['src/read.rs'],
      'crate::lexical::parse': ['src/lexical/parse.rs'],
      'serde::de': [],
    });
    assert.deepEqual(resolveAll('serde_json', sources, 'src/lexical/parse.rs'), {
      'super::algorithm': ['src/lexical/algorithm.rs'],
      // self::inner is not a file: the module itself holds it.
      'self::inner': [],
    });
    // A path into a child module, as Rust 2018 allows without `self::`; `std` is the library.
    assert.deepEqual(resolveAll('serde_json', sources, 'src/lexical/mod.rs'), {
      parse: ['src/lexical/parse.rs'],
      std: [],
    });
  });

  test('C: includes next to the includer, else a unique file ending with the path; system headers resolve to nothing', () => {
    const got = resolveAll(
      'proj',
      {
        'src/main.c': ['c', '#include <stdio.h>\n#include "util.h"\n#include "sys/io.h"\n#include "dup.h"\n'],
        'src/util.h': ['c', 'int util(void);\n'],
        'include/sys/io.h': ['c', 'int io(void);\n'],
        'a/dup.h': ['c', 'int a(void);\n'],
        'b/dup.h': ['c', 'int b(void);\n'],
      },
      'src/main.c',
    );
    assert.deepEqual(got, {
      'stdio.h': [],
      'util.h': ['src/util.h'],
      'sys/io.h': ['include/sys/io.h'],
      'dup.h': [],
    });
  });
});
