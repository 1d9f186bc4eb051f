import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyPath,
  isDeclarationFile,
  isSecondaryPath,
  type PathClass,
} from '../../src/indexer/path-class.js';

const CASES: ReadonlyArray<readonly [string, PathClass]> = [
  // source
  ['django/db/models/query.py', 'source'],
  ['src/net/http/server.go', 'source'],
  ['src/classes/worker.ts', 'source'],
  ['src/main/java/com/acme/Latest.java', 'source'],
  ['src/Contest.cs', 'source'],
  ['lib/latest.php', 'source'],
  ['crates/core/src/lib.rs', 'source'],
  ['testament.py', 'source'],
  ['sentry_sdk/integrations/django/__init__.py', 'source'],
  // tests
  ['tests/test_views.py', 'test'],
  ['celery/app/test_utils_extra.py', 'test'],
  ['pkg/conftest.py', 'test'],
  ['net/http/server_test.go', 'test'],
  ['src/worker.spec.ts', 'test'],
  ['src/queue.test.mjs', 'test'],
  ['src/components/__tests__/Button.tsx', 'test'],
  ['src/main/java/com/acme/ParserTest.java', 'test'],
  ['src/test/java/com/acme/Parser.java', 'test'],
  ['Acme.Tests/ParserTests.cs', 'test'],
  ['spec/models/user_spec.rb', 'test'],
  ['crates/core/tests/round_trip.rs', 'test'],
  ['integration/server.js', 'test'],
  ['src\\windows\\tests\\a.ts', 'test'],
  // fixtures
  ['net/http/testdata/file', 'fixture'],
  ['tests/fixtures/app/models.py', 'fixture'],
  ['go/testdata/server_test.go', 'fixture'],
  ['src/__mocks__/fs.ts', 'fixture'],
  // examples
  ['examples/basic/main.go', 'example'],
  ['docs/examples/quickstart.py', 'docs'],
  ['example_client.py', 'example'],
  ['examples/basic/main_test.go', 'test'],
  // bench
  ['benchmarks/bench_query.py', 'bench'],
  ['src/sort_bench.go', 'bench'],
  ['benches/parse.rs', 'bench'],
  ['src/queue.bench.ts', 'bench'],
  // generated
  ['api/v1/service.pb.go', 'generated'],
  ['proto/service_pb2.py', 'generated'],
  ['dist/app.min.js', 'generated'],
  ['src/__generated__/schema.ts', 'generated'],
  ['pkg/apis/zz_generated.deepcopy.go', 'generated'],
  // vendored
  ['vendor/github.com/pkg/errors/errors.go', 'vendored'],
  ['third_party/zlib/inflate.c', 'vendored'],
  ['requests/packages/_vendor/urllib3/poolmanager.py', 'vendored'],
  ['vendor/x/tests/test_a.py', 'vendored'],
  // docs
  ['docs/conf.py', 'docs'],
  ['README.md', 'docs'],
  ['src/encoding/json/doc.go', 'docs'],
  ['src/encoding/json/docs.go', 'source'],
  ['doc/guide/intro.rst', 'docs'],
];

describe('classifyPath', () => {
  for (const [path, expected] of CASES) {
    it(`${path} is ${expected}`, () => {
      assert.equal(classifyPath(path), expected);
    });
  }

  it('marks everything but source as secondary', () => {
    assert.equal(isSecondaryPath('src/server.go'), false);
    assert.equal(isSecondaryPath('src/server_test.go'), true);
    assert.equal(isSecondaryPath('docs/index.md'), true);
  });
});

describe('isDeclarationFile', () => {
  it('is true for TypeScript declarations and Python stubs, not for their code', () => {
    assert.deepEqual(
      [
        'lib/index.d.ts',
        'lib/index.d.mts',
        'src/attr/__init__.pyi',
        'src/attr/__init__.py',
        'src/index.ts',
      ].map(isDeclarationFile),
      [true, true, true, false, false],
    );
  });
});
