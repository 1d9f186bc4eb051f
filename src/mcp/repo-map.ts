import type { GraphData } from '../store/types.js';

/**
 * Repository map: the most important files and symbols within a token budget.
 * Files are ranked by PageRank over the reference graph (file A -> file B when A references a
 * name that B defines), personalised toward `focus` (paths or symbol names). Inside a file,
 * symbols are ranked by how often other files reference them.
 */

type MapSymbol = GraphData['symbols'][number];

/** The reference graph of a scope (from the store) plus the map's options. */
export interface RepoMapInput extends GraphData {
  focus?: string[];
  maxTokens: number;
}

export interface RepoMapFile {
  path: string;
  rank: number;
  symbols: { name: string; kind: string; line: number; signature: string; refs: number }[];
}

export interface RepoMap {
  files: RepoMapFile[];
  text: string;
  tokens: number;
  truncated: boolean;
}

/** Rough token count (4 characters per token), the usual estimate for code. */
export function estimateTokens(s: string): number {
  return Math.ceil(s.length / 4);
}

/** Weighted, personalised PageRank by power iteration. */
export function pageRank(
  n: number,
  edges: Map<number, Map<number, number>>,
  personalization: Float64Array | null,
  damping = 0.85,
  iterations = 40,
): Float64Array {
  const p = personalization ?? new Float64Array(n).fill(1 / Math.max(1, n));
  let rank = Float64Array.from(p);
  const outWeight = new Float64Array(n);
  for (const [from, tos] of edges) for (const w of tos.values()) outWeight[from]! += w;
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n);
    let dangling = 0;
    for (let i = 0; i < n; i++) if (outWeight[i] === 0) dangling += rank[i]!;
    for (const [from, tos] of edges) {
      const r = rank[from]! / outWeight[from]!;
      for (const [to, w] of tos) next[to]! += damping * r * w;
    }
    for (let i = 0; i < n; i++) next[i]! += (1 - damping + damping * dangling) * p[i]!;
    rank = next;
  }
  return rank;
}

const DEF_KINDS_FIRST = new Set([
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'type',
  'function',
  'module',
  'namespace',
]);

/** Builds the map; deterministic for the same input. */
export function buildRepoMap(input: RepoMapInput): RepoMap {
  const idx = new Map<number, number>();
  for (const [i, f] of input.files.entries()) idx.set(f.id, i);
  const n = input.files.length;
  const definers = new Map<string, Set<number>>();
  for (const s of input.symbols) {
    const i = idx.get(s.fileId);
    if (i === undefined) continue;
    const set = definers.get(s.name) ?? new Set<number>();
    definers.set(s.name, set);
    set.add(i);
  }
  const edges = new Map<number, Map<number, number>>();
  const refCount = new Map<string, number>();
  for (const r of input.refs) {
    const from = idx.get(r.fileId);
    const targets = definers.get(r.name);
    if (from === undefined || !targets) continue;
    for (const to of targets) {
      if (to === from) continue;
      refCount.set(`${to}\u0000${r.name}`, (refCount.get(`${to}\u0000${r.name}`) ?? 0) + 1);
      const m = edges.get(from) ?? new Map<number, number>();
      edges.set(from, m);
      // Names defined in many files say little about any one of them.
      m.set(to, (m.get(to) ?? 0) + 1 / targets.size);
    }
  }
  let personalization: Float64Array | null = null;
  const focus = (input.focus ?? []).map((f) => f.trim()).filter(Boolean);
  if (focus.length > 0) {
    personalization = new Float64Array(n);
    let mass = 0;
    for (const [i, f] of input.files.entries()) {
      if (focus.some((x) => f.path.includes(x))) {
        personalization[i] = 1;
        mass++;
      }
    }
    for (const x of focus) {
      for (const i of definers.get(x) ?? []) {
        personalization[i] = (personalization[i] ?? 0) + 1;
        mass++;
      }
    }
    if (mass === 0) personalization = null;
    else for (let i = 0; i < n; i++) personalization[i] = (personalization[i]! + 0.01) / (mass + 0.01 * n);
  }
  const rank = pageRank(n, edges, personalization);
  const order = [...rank.keys()].sort(
    (a, b) => rank[b]! - rank[a]! || input.files[a]!.path.localeCompare(input.files[b]!.path),
  );

  const byFile = new Map<number, MapSymbol[]>();
  for (const s of input.symbols) {
    const i = idx.get(s.fileId);
    if (i === undefined) continue;
    const list = byFile.get(i) ?? [];
    byFile.set(i, list);
    list.push(s);
  }

  const files: RepoMapFile[] = [];
  const lines: string[] = [];
  let tokens = 0;
  let truncated = false;
  for (const i of order) {
    const f = input.files[i]!;
    const syms = (byFile.get(i) ?? [])
      .filter(
        (s) =>
          s.container === null ||
          DEF_KINDS_FIRST.has(s.kind) ||
          (refCount.get(`${i}\u0000${s.name}`) ?? 0) > 0,
      )
      .map((s) => ({ s, refs: refCount.get(`${i}\u0000${s.name}`) ?? 0 }))
      .sort((a, b) => b.refs - a.refs || a.s.line - b.s.line);
    const header = `${f.path}:`;
    const headerCost = estimateTokens(header) + 1;
    if (tokens + headerCost > input.maxTokens) {
      truncated = true;
      break;
    }
    const entry: RepoMapFile = { path: f.path, rank: Number(rank[i]!.toPrecision(4)), symbols: [] };
    const block = [header];
    let cost = headerCost;
    for (const { s, refs } of syms) {
      const line = `  ${s.line}: ${s.signature || `${s.kind} ${s.name}`}`;
      const c = estimateTokens(line) + 1;
      if (tokens + cost + c > input.maxTokens) {
        truncated = true;
        break;
      }
      block.push(line);
      cost += c;
      entry.symbols.push({ name: s.name, kind: s.kind, line: s.line, signature: s.signature, refs });
    }
    files.push(entry);
    lines.push(...block);
    tokens += cost;
    if (truncated) break;
  }
  return { files, text: lines.join('\n'), tokens, truncated };
}
