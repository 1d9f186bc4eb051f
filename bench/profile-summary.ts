/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): top self-time functions, self time
 * grouped by area (read, parse, query captures, extraction JS, SQLite, queue, serialisation, GC,
 * idle), and inclusive time of the pipeline's key functions.
 *
 * `node dist/bench/profile-summary.js <file.cpuprofile> [top]`
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'nm:')
    .replace(/^.*\/dist\//, '');

/** Area of a frame, from its file and name. */
export function areaOf(f: CallFrame): string {
  const u = f.url;
  const n = f.functionName;
  if (n === '(idle)') return 'idle (waiting on Redis / event loop)';
  if (n === '(garbage collector)') return 'GC';
  if (n === '(program)') return 'V8/native (program)';
  if (u.includes('tree-sitter')) {
    if (/captures|matches|Query/i.test(n)) return 'tree-sitter query captures';
    if (/parse/i.test(n)) return 'tree-sitter parse';
    return 'tree-sitter bindings JS (nodes, text, positions)';
  }
  // The native extractor's calls: the time inside them is tree-sitter's parse and query cursor.
  if (u.includes('/src/indexer/native.')) {
    return /Runtime/.test(n)
      ? 'native extractor setup (query compile)'
      : 'native extractor (parse + queries)';
  }
  if (u.includes('better-sqlite3')) return 'SQLite (better-sqlite3 calls)';
  if (u.includes('/src/store/')) return 'our store JS (row building, statements)';
  if (u.includes('/src/indexer/')) return 'our extraction JS (indexer)';
  if (u.includes('bullmq') || u.includes('ioredis') || u.includes('/src/queue/') || u.includes('/src/redis/'))
    return 'queue / Redis client';
  if (u.includes('/src/discovery/') || /readSync|openSync|fstatSync|lstatSync|closeSync|realpath/i.test(n))
    return 'read (fs + decode + hash)';
  if (/JSON|stringify|parse$/i.test(n) && u === '') return 'serialisation (JSON)';
  if (/digest|update|Hash/i.test(n) && u.includes('crypto')) return 'read (fs + decode + hash)';
  if (u.includes('/workers/')) return 'our worker JS (processors)';
  if (u.startsWith('node:')) return `node core (${u.replace('node:', '').split('/')[0]})`;
  if (u === '') return `builtin/native: ${n || '(anonymous)'}`;
  return `other: ${short(u).split('/')[0]}`;
}

export function summarizeProfile(p: CpuProfile, top = 30) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const totalUs = p.endTime - p.startTime;
  const key = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;
  const selfByFn = new Map<string, { us: number; area: string }>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const k = key(node.callFrame);
    const area = areaOf(node.callFrame);
    const e = selfByFn.get(k) ?? { us: 0, area };
    e.us += us;
    selfByFn.set(k, e);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const name = f.functionName;
      if (!name || seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1)} %`;
  return {
    totalMs: ms(totalUs),
    areas: [...byArea].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: ms(us), pct: pct(us) })),
    topSelf: [...selfByFn]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, e]) => ({ fn, area: e.area, ms: ms(e.us), pct: pct(e.us) })),
    inclusive: [
      'processIndexBatch',
      'indexFiles',
      'indexOne',
      'readSourceFileSync',
      'extractFile',
      'parse',
      'captures',
      'matches',
      'writeBatch',
      'processIndexRepository',
      'scanRepository',
    ]
      .filter((n) => inclusive.has(n))
      .map((n) => ({ fn: n, ms: ms(inclusive.get(n)!), pct: pct(inclusive.get(n)!) })),
  };
}

const isMain = process.argv[1]?.endsWith('profile-summary.js');
if (isMain) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const s = summarizeProfile(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    Number(process.argv[3] ?? 30),
  );
  const out: string[] = [`profile: ${s.totalMs} ms`, '', '| area | self ms | share |', '| --- | --- | --- |'];
  for (const a of s.areas) out.push(`| ${a.area} | ${a.ms} | ${a.pct} |`);
  out.push('', '| function (inclusive) | ms | share |', '| --- | --- | --- |');
  for (const a of s.inclusive) out.push(`| ${a.fn} | ${a.ms} | ${a.pct} |`);
  out.push('', '| top self-time function | area | ms | share |', '| --- | --- | --- | --- |');
  for (const t of s.topSelf) out.push(`| \`${t.fn}\` | ${t.area} | ${t.ms} | ${t.pct} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}
