#!/usr/bin/env node
// Prints the repository map of a directory at a token budget, extracting in-process (no Redis,
// no SQLite): `node scripts/repo-map-check.mjs <dir> [max_tokens] [focus...]`. Build first.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createExtractor } from '../dist/src/indexer/index.js';
import { detectLanguage } from '../dist/src/indexer/languages.js';
import { buildRepoMap } from '../dist/src/mcp/repo-map.js';

const [dir, budget = '1024', ...focus] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node scripts/repo-map-check.mjs <dir> [max_tokens] [focus...]');
  process.exit(2);
}
const extractor = createExtractor();
const files = [];
const symbols = [];
const refs = [];
const walk = (d) => {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling symlink
    }
    if (st.isDirectory()) {
      if (name !== 'node_modules' && !name.startsWith('.')) walk(p);
      continue;
    }
    if (st.size > 1_000_000) continue;
    const text = readFileSync(p, 'utf8');
    const language = detectLanguage(p, text);
    if (!language) continue;
    const id = files.length + 1;
    const rel = relative(dir, p);
    files.push({ id, path: rel, rel, language });
    const x = extractor.extractFile(text, language);
    for (const s of x.symbols)
      symbols.push({
        fileId: id,
        name: s.name,
        kind: s.kind,
        line: s.startLine,
        container: s.container,
        signature: s.signature,
      });
    for (const r of x.refs) if (r.kind !== 'import') refs.push({ fileId: id, name: r.name });
  }
};
walk(dir);
const map = buildRepoMap({ files, symbols, refs, maxTokens: Number(budget), focus });
process.stdout.write(
  `${map.text}\n-- ${files.length} files indexed, ${map.files.length} shown, ${map.tokens} tokens${map.truncated ? ', truncated' : ''}\n`,
);
