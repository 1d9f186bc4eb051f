/**
 * `npm run bench -- repomap [--tokens 1024,4096]`: what `repo_map` shows on real libraries. For
 * each question-set corpus (bench/relevance/*.json: Python, Go, TypeScript/JavaScript, Rust), the
 * map at each budget: how many files it shows, which of the library's core modules it shows and
 * where the first one comes. The core modules of each library are listed below, chosen from the
 * libraries' own documentation and entry points (the classes and modules a user of the library
 * meets first), not from any map's output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExtractor } from '../src/indexer/index.js';
import { buildRepoMap, goBuildReader, readProjectConfig } from '../src/mcp/repo-map.js';
import { openIndexStore } from '../src/store/index.js';
import { indexInProcess, loadSets } from './relevance.js';

/** The modules a user of each library meets first, relative to the set's root. */
export const CORE_FILES: Record<string, readonly string[]> = {
  'go-crypto-tls': ['conn.go', 'common.go', 'handshake_client.go', 'handshake_server.go', 'tls.go'],
  'go-encoding': [
    'json/encode.go',
    'json/decode.go',
    'xml/marshal.go',
    'xml/read.go',
    'gob/encoder.go',
    'gob/decoder.go',
  ],
  'go-html-template': ['template.go', 'escape.go', 'content.go', 'context.go'],
  'go-net-http': ['server.go', 'client.go', 'transport.go', 'request.go', 'response.go'],
  'js-bullmq': [
    'classes/queue.js',
    'classes/worker.js',
    'classes/job.js',
    'classes/flow-producer.js',
    'classes/queue-events.js',
  ],
  // The package's main (fastify.js) and the request lifecycle it builds on.
  'js-fastify': ['fastify.js', 'lib/route.js', 'lib/reply.js', 'lib/request.js', 'lib/hooks.js'],
  'js-ioredis': ['Redis.js', 'cluster/index.js', 'Pipeline.js', 'Command.js'],
  'python-click': ['core.py', 'decorators.py', 'types.py', 'parser.py'],
  'python-jinja2': ['environment.py', 'nodes.py', 'compiler.py', 'runtime.py', 'parser.py', 'lexer.py'],
  'python-markdown': [
    'core.py',
    'blockprocessors.py',
    'inlinepatterns.py',
    'treeprocessors.py',
    'extensions/__init__.py',
  ],
  'python-requests': ['api.py', 'sessions.py', 'models.py', 'adapters.py'],
  'python-yaml': ['__init__.py', 'loader.py', 'dumper.py', 'constructor.py', 'representer.py'],
  'rust-serde-json': ['src/de.rs', 'src/ser.rs', 'src/value/mod.rs', 'src/read.rs', 'src/error.rs'],
  'ts-ajv': [
    'core.ts',
    'ajv.ts',
    'compile/index.ts',
    'compile/validate/index.ts',
    'compile/codegen/index.ts',
  ],
  // Added later, for the languages the first fourteen did not cover; chosen the same way, from
  // each library's entry point and documentation, before any map of them was read.
  'cpp-spdlog': ['spdlog.h', 'logger.h', 'common.h', 'details/registry.h', 'sinks/base_sink.h'],
  'csharp-reactnative-shared': [
    'ReactInstanceManager.cs',
    'Bridge/ReactInstance.cs',
    'Bridge/ReactContext.cs',
    'Bridge/NativeModuleBase.cs',
    'UIManager/UIManagerModule.cs',
  ],
  'java-capacitor-android': [
    'com/getcapacitor/Bridge.java',
    'com/getcapacitor/Plugin.java',
    'com/getcapacitor/PluginCall.java',
    'com/getcapacitor/BridgeActivity.java',
    'com/getcapacitor/JSObject.java',
  ],
  'java-cordova-android': [
    'org/apache/cordova/CordovaWebView.java',
    'org/apache/cordova/CordovaPlugin.java',
    'org/apache/cordova/PluginManager.java',
    'org/apache/cordova/CordovaActivity.java',
    'org/apache/cordova/CallbackContext.java',
  ],
  'lua-penlight': ['init.lua', 'class.lua', 'utils.lua', 'tablex.lua', 'stringx.lua', 'List.lua'],
  'php-symfony-console': [
    'Application.php',
    'Command/Command.php',
    'Input/InputDefinition.php',
    'Input/ArgvInput.php',
    'Output/Output.php',
  ],
  'python-django': [
    'db/models/base.py',
    'db/models/query.py',
    'http/request.py',
    'http/response.py',
    'urls/resolvers.py',
    'forms/forms.py',
  ],
  'ruby-rack': [
    'lib/rack.rb',
    'lib/rack/request.rb',
    'lib/rack/response.rb',
    'lib/rack/builder.rb',
    'lib/rack/utils.rb',
  ],
};

export interface RepoMapResult {
  set: string;
  tokens: number;
  files: number;
  /** Core modules shown, of those listed. */
  coreShown: number;
  coreListed: number;
  /** 1-based position of the first core module among the files shown (0: none shown). */
  firstCore: number;
  /** The first files of the map. */
  head: string[];
}

/** Indexes every set's corpus in-process and builds its map at each budget. */
export async function runRepoMap(budgets: readonly number[], only?: string): Promise<RepoMapResult[]> {
  const out: RepoMapResult[] = [];
  for (const set of loadSets()) {
    if (only !== undefined && set.name !== only) continue;
    const core = CORE_FILES[set.name];
    if (core === undefined) continue;
    const home = mkdtempSync(join(tmpdir(), 'codeindex-repomap-'));
    try {
      const store = openIndexStore(join(home, 'index.db'));
      const extractor = createExtractor();
      await indexInProcess(set.root, store, extractor, 1_000_000);
      const data = await store.graphData(set.root);
      const { packages, aliases } = readProjectConfig(data.files);
      const goBuilt = goBuildReader(data.files);
      // As the tool does: paths relative to the root.
      for (const f of data.files)
        if (f.path.startsWith(`${set.root}/`)) f.path = f.path.slice(set.root.length + 1);
      for (const tokens of budgets) {
        const map = buildRepoMap({ ...structuredClone(data), packages, aliases, goBuilt, maxTokens: tokens });
        const shown = map.files.map((f) => f.path);
        const coreSet = new Set(core);
        out.push({
          set: set.name,
          tokens,
          files: shown.length,
          coreShown: shown.filter((p) => coreSet.has(p)).length,
          coreListed: core.length,
          firstCore: shown.findIndex((p) => coreSet.has(p)) + 1,
          head: shown.slice(0, 4),
        });
      }
      await store.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  return out;
}

/** A markdown table of the results. */
export function repoMapTable(results: readonly RepoMapResult[]): string {
  return [
    '| set | tokens | files shown | core modules shown | first core at | first files |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.set} | ${r.tokens} | ${r.files} | ${r.coreShown} / ${r.coreListed} | ${r.firstCore || '-'} | ${r.head.join(', ')} |`,
    ),
  ].join('\n');
}
