/**
 * A language's tree walk against the tags queries it replaces: CPU time of extracting every file
 * of that language in a directory (default: Python, the Django corpus of the bench cache; several
 * directories separated by `:`) with the walk on and off, in one process, alternating, `reps`
 * times each (median), and the extractor's own stage timings (parse, tags queries or walk, rest
 * of the extraction) for the query share of the parse. Files over 1 MB are left out, as the
 * indexer leaves them out (bundles such as typescript/lib/typescript.js).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/tree-walk.js [dir[:dir...]] [reps] [language]
 *   node dist/bench/tree-walk.js /usr/share/go-1.19/src 3 go
 *   node dist/bench/tree-walk.js node_modules:src:test 3 typescript
 *
 * language: python, go, typescript, tsx or javascript.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractTimings } from '../src/indexer/extractor.js';
import { treeWalkerFor } from '../src/indexer/extractor.js';
import { createExtractor, tagsQuerySources } from '../src/indexer/index.js';
import { nativeStatus } from '../src/indexer/native.js';
import { CACHE } from './corpora.js';
import { filesWithExtension } from './lib/py-files.js';
import { median, round } from './lib/stats.js';

const dir = process.argv[2] ?? join(CACHE, 'django', 'usr/lib/python3/dist-packages/django');
const reps = Number(process.argv[3] ?? 3);
/** The languages with a tree walk, and their files' extensions (as the indexer maps them). */
const EXTENSIONS = {
  python: ['.py'],
  go: ['.go'],
  typescript: ['.ts', '.mts', '.cts'],
  tsx: ['.tsx'],
  javascript: ['.js', '.mjs', '.cjs', '.jsx'],
} as const;
/** The indexer's default size cap: larger files are not indexed. */
const MAX_FILE_BYTES = 1024 * 1024;
const language = (process.argv[4] ?? 'python') as keyof typeof EXTENSIONS;
if (!(language in EXTENSIONS))
  throw new Error(`no tree walk for ${language}: one of ${Object.keys(EXTENSIONS)}`);
if (!nativeStatus().loaded) throw new Error(`native extractor not loaded: ${nativeStatus().reason}`);
if (treeWalkerFor(language, tagsQuerySources(language)) === null)
  throw new Error(`the ${language} queries are not the ones its walk mirrors (see TREE_WALKERS)`);
const files = dir
  .split(':')
  .flatMap((d) => EXTENSIONS[language].flatMap((ext) => filesWithExtension(d, ext)))
  .filter((f) => statSync(f).size <= MAX_FILE_BYTES);
const texts = files.map((f) => readFileSync(f, 'utf8'));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const extractors = {
  walk: createExtractor({ treeWalk: true }),
  queries: createExtractor({ treeWalk: false }),
};
// Warm-up: grammars, queries and JIT, once each.
for (const e of Object.values(extractors)) for (const t of texts.slice(0, 50)) e.extractFile(t, language);

type Run = { cpuMs: number; parse: number; query: number; rest: number };
const runs: Record<keyof typeof extractors, Run[]> = { walk: [], queries: [] };
for (let r = 0; r < reps; r++) {
  for (const mode of r % 2 === 0 ? (['queries', 'walk'] as const) : (['walk', 'queries'] as const)) {
    const timings: ExtractTimings = { parse: 0, query: 0, rest: 0 };
    const cpu0 = process.cpuUsage();
    for (const t of texts) extractors[mode].extractFile(t, language, timings);
    const cpu = process.cpuUsage(cpu0);
    runs[mode].push({ cpuMs: (cpu.user + cpu.system) / 1000, ...timings });
  }
}
const summary = Object.fromEntries(
  Object.entries(runs).map(([mode, rs]) => {
    const parse = median(rs.map((x) => x.parse));
    const query = median(rs.map((x) => x.query));
    return [
      mode,
      {
        cpuMs: round(median(rs.map((x) => x.cpuMs)), 0),
        cpuRuns: rs.map((x) => round(x.cpuMs, 0)),
        parseMs: round(parse, 0),
        queryMs: round(query, 0),
        restMs: round(median(rs.map((x) => x.rest)), 0),
        queryVsParse: round(query / parse, 3),
      },
    ];
  }),
);
console.log(
  JSON.stringify(
    { dir, language, files: texts.length, mb: round(bytes / 1e6, 1), reps, ...summary },
    null,
    2,
  ),
);
