/**
 * `npm run bench -- recall [--fetch] [--tuned|--held-out]`: prints the per-language recall table (see `./recall.ts`)
 * and writes `bench/results/recall.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './corpora.js';
import { fetchRecallSources, measureRecall, type Sample } from './recall.js';

/** Target from issue 18: definition recall against universal-ctags, per language. */
export const RECALL_TARGET = 0.97;
/** Target from issue 18: no language extracts more than 1.5x slower per byte than Python. */
export const SPEED_TARGET = 1.5;

export async function runRecall(rest: string[]): Promise<number> {
  if (rest.includes('--fetch')) fetchRecallSources();
  // `--tuned` / `--held-out`: one sample only (both by default).
  const samples: Sample[] = rest.includes('--tuned')
    ? ['tuned']
    : rest.includes('--held-out')
      ? ['held-out']
      : ['tuned', 'held-out'];
  const results = measureRecall(samples);
  const rows = results.map((r) => {
    const missed = Object.entries(r.missedByKind)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const recall = r.recall === null ? 'n/a (no ctags parser)' : r.recall.toFixed(3);
    const mark = r.recall === null ? '' : r.recall >= RECALL_TARGET ? 'PASS' : 'FAIL';
    const speed = `${r.msPerMb.toFixed(0)} (${r.perByteVsPython.toFixed(2)}x ${r.perByteVsPython <= SPEED_TARGET ? 'PASS' : 'FAIL'})`;
    return `| ${r.language} | ${r.sample} | ${r.files} | ${(r.bytes / 1e6).toFixed(2)} | ${r.ctagsDefinitions} | ${r.found} | ${recall} | ${mark} | ${r.indexSymbols} | ${speed} | ${missed} |`;
  });
  const table = [
    `| language | sample | files | MB | ctags definitions | found | recall (>= ${RECALL_TARGET}) | | index symbols | extract ms/MB (x Python <= ${SPEED_TARGET}) | most missed kinds |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'recall.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n## codeindex bench: recall against universal-ctags\n\n${table}\n\nJSON: ${file}\n`);
  return 0;
}
