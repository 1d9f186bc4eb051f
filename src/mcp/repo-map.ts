import { classifyPath } from '../indexer/path-class.js';
import type { GraphData } from '../store/types.js';

/**
 * Repository map: the most important files and definitions within a token budget.
 *
 * Files are ranked by PageRank over the reference graph (file A -> file B when A uses a name that B
 * defines in the same language family), personalised toward `focus` (paths or identifiers). Edge
 * weights follow identifier quality: long specific names count more, `_private` names, names
 * defined in many files, dunders and trivial accessors count less. Each file's rank is then spread
 * over the (file, definition) pairs its out-edges point to, and a binary search picks how many of
 * the best pairs fit the budget. Each file renders as a skeleton: the chosen definitions under
 * their containers, bodies elided.
 */

type MapSymbol = GraphData['symbols'][number];

/** The reference graph of a scope (from the store) plus the map's options. */
export interface RepoMapInput extends GraphData {
  focus?: string[];
  maxTokens: number;
  /** Keep tests, fixtures, examples, benchmarks, generated and vendored files (default false). */
  includeAll?: boolean;
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

/** Languages whose files can refer to one another's definitions. */
function languageFamily(language: string | null): string {
  switch (language) {
    case 'typescript':
    case 'tsx':
    case 'javascript':
      return 'js';
    case 'c':
    case 'cpp':
      return 'c';
    default:
      return language ?? '';
  }
}

/** Names that say little about where they point: accessors, dunders, one-or-two-letter names. */
const TRIVIAL = new Set([
  'get',
  'set',
  'has',
  'add',
  'run',
  'new',
  'init',
  'close',
  'open',
  'call',
  'apply',
  'bind',
  'toString',
  'valueOf',
  'String',
  'Error',
  'len',
  'copy',
  'clone',
  'main',
  'constructor',
]);

/**
 * How much one use of `name` says about the file defining it (after aider's repo map):
 * long specific names x10, `_private` x0.1, defined in more than 5 files x0.1, trivial x0.1.
 */
export function identifierWeight(
  name: string,
  definerCount: number,
  focused: boolean,
  memberOnly = false,
): number {
  let w = 1;
  const bare = name.replace(/^_+/, '');
  const specific = /[a-z][A-Z]|[a-z]_[a-z]/.test(bare) || /^[A-Z][a-z]+[A-Z]/.test(bare);
  if (focused) w *= 10;
  if (specific && bare.length >= 8 && !name.startsWith('_')) w *= 10;
  if (/^__.*__$/.test(name) || TRIVIAL.has(name) || name.length <= 2) w *= 0.1;
  else if (name.startsWith('_')) w *= 0.1;
  if (definerCount > 5) w *= 0.1;
  // `x.items()`, `w.format()`: a one-word method name rarely means this definition.
  if (memberOnly && /^[a-z]+$/.test(name)) w *= 0.1;
  return w;
}

const CONTAINER_KINDS = new Set([
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'module',
  'namespace',
  'impl',
]);

/** Builds the map; deterministic for the same input. */
export function buildRepoMap(input: RepoMapInput): RepoMap {
  const rels = new Set(input.files.map((f) => f.rel));
  const files = input.files.filter(
    (f) =>
      input.includeAll === true ||
      (classifyPath(f.rel) === 'source' && !isDocLike(f.rel) && !describesMappedCode(f.rel, rels)),
  );
  const idx = new Map<number, number>();
  for (const [i, f] of files.entries()) idx.set(f.id, i);
  const n = files.length;
  const family = files.map((f) => languageFamily(f.language));
  const focus = (input.focus ?? []).map((f) => f.trim()).filter(Boolean);
  const focusNames = new Set(focus);

  // definers: family + name -> files defining it (top-level or member).
  const definers = new Map<string, Set<number>>();
  const topLevel = new Set<string>();
  const byFile = new Map<number, MapSymbol[]>();
  for (const s of input.symbols) {
    const i = idx.get(s.fileId);
    if (i === undefined) continue;
    const key = `${family[i]}\u0000${s.name}`;
    if (s.container === null) topLevel.add(key);
    const set = definers.get(key) ?? new Set<number>();
    definers.set(key, set);
    set.add(i);
    const list = byFile.get(i) ?? [];
    byFile.set(i, list);
    list.push(s);
  }

  // Uses per (referencing file, family+name).
  const uses = new Map<string, number>();
  for (const r of input.refs) {
    const from = idx.get(r.fileId);
    if (from === undefined) continue;
    const key = `${from}\u0000${family[from]}\u0000${r.name}`;
    uses.set(key, (uses.get(key) ?? 0) + 1);
  }

  // Edges weighted by identifier quality x sqrt(uses); kept per name for the spread afterwards.
  const edges = new Map<number, Map<number, number>>();
  const named: { from: number; to: number; name: string; w: number }[] = [];
  for (const [key, count] of uses) {
    const cut = key.indexOf('\u0000');
    const from = Number(key.slice(0, cut));
    const defKey = key.slice(cut + 1);
    const targets = definers.get(defKey);
    if (!targets) continue;
    const name = defKey.slice(defKey.indexOf('\u0000') + 1);
    const w0 =
      identifierWeight(name, targets.size, focusNames.has(name), !topLevel.has(defKey)) * Math.sqrt(count);
    for (const to of targets) {
      if (to === from) continue;
      const w = w0 / targets.size;
      const m = edges.get(from) ?? new Map<number, number>();
      edges.set(from, m);
      m.set(to, (m.get(to) ?? 0) + w);
      named.push({ from, to, name, w });
    }
  }

  let personalization: Float64Array | null = null;
  if (focus.length > 0) {
    personalization = new Float64Array(n);
    let mass = 0;
    for (const [i, f] of files.entries()) {
      if (focus.some((x) => f.path.includes(x))) {
        personalization[i] = 1;
        mass++;
      }
    }
    for (const x of focus) {
      for (const [key, set] of definers) {
        if (key.slice(key.indexOf('\u0000') + 1) !== x) continue;
        for (const i of set) {
          personalization[i] = (personalization[i] ?? 0) + 1;
          mass++;
        }
      }
    }
    if (mass === 0) personalization = null;
    else for (let i = 0; i < n; i++) personalization[i] = (personalization[i]! + 0.01) / (mass + 0.01 * n);
  }
  const rank = pageRank(n, edges, personalization);

  // Spread each file's rank over the (file, definition) pairs it points to.
  const outWeight = new Float64Array(n);
  for (const e of named) outWeight[e.from]! += e.w;
  const pairRank = new Map<string, number>();
  const pairRefs = new Map<string, number>();
  for (const e of named) {
    const key = `${e.to}\u0000${e.name}`;
    pairRank.set(key, (pairRank.get(key) ?? 0) + (rank[e.from]! * e.w) / outWeight[e.from]!);
    pairRefs.set(key, (pairRefs.get(key) ?? 0) + 1);
  }
  const pairs = [...pairRank.entries()]
    .map(([key, r]) => {
      const cut = key.indexOf('\u0000');
      return { file: Number(key.slice(0, cut)), name: key.slice(cut + 1), r, key };
    })
    .sort(
      (a, b) =>
        b.r - a.r || files[a.file]!.path.localeCompare(files[b.file]!.path) || a.name.localeCompare(b.name),
    );

  const pinned = new Set<number>();
  for (const [i, f] of files.entries()) if (focus.some((x) => f.path.includes(x))) pinned.add(i);
  const ctx: RenderContext = { files, byFile, rank, pairRefs, maxTokens: input.maxTokens, pinned };
  // Binary search: the most top-ranked pairs whose rendering fits the budget.
  let lo = 0;
  let hi = pairs.length;
  let best = render(ctx, pairs.slice(0, 0));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const r = render(ctx, pairs.slice(0, mid));
    if (r.tokens <= input.maxTokens) {
      best = r;
      lo = mid;
    } else hi = mid - 1;
  }
  if (best.tokens > input.maxTokens) best = { files: [], text: '', tokens: 0, truncated: true };
  let truncated = lo < pairs.length || best.truncated;
  if (!truncated) {
    // Everything ranked fits: list the remaining files by rank, path only, while room is left.
    const shown = new Set(best.files.map((f) => f.path));
    const rest = [...rank.keys()]
      .filter((i) => !shown.has(files[i]!.path))
      .sort((a, b) => rank[b]! - rank[a]! || files[a]!.path.localeCompare(files[b]!.path));
    const lines = best.text === '' ? [] : [best.text];
    let tokens = best.tokens;
    for (const i of rest) {
      const line = `${files[i]!.path}:`;
      const c = estimateTokens(line) + 1;
      if (tokens + c > input.maxTokens) {
        truncated = true;
        break;
      }
      lines.push(line);
      tokens += c;
      best.files.push({ path: files[i]!.path, rank: Number(rank[i]!.toPrecision(4)), symbols: [] });
    }
    best = { ...best, text: lines.join('\n'), tokens };
  }
  return { ...best, truncated };
}

/** `x.d.ts` next to `x.js`/`x.ts` (a published package) says again what the code says. */
function describesMappedCode(rel: string, rels: Set<string>): boolean {
  if (!rel.endsWith('.d.ts')) return false;
  const base = rel.slice(0, -'.d.ts'.length);
  return rels.has(`${base}.js`) || rels.has(`${base}.ts`) || rels.has(`${base}.mjs`);
}

/** Docs describe code that is mapped elsewhere. */
function isDocLike(rel: string): boolean {
  return /\.(md|rst|txt)$/i.test(rel);
}

interface RenderContext {
  files: GraphData['files'];
  byFile: Map<number, MapSymbol[]>;
  rank: Float64Array;
  pairRefs: Map<string, number>;
  maxTokens: number;
  /** Files named by `focus`: shown even when nothing points into them. */
  pinned: Set<number>;
}

/** A file shows at most this share of the budget, so one wide utility file cannot fill the map. */
const FILE_SHARE = 0.2;

function render(ctx: RenderContext, chosen: { file: number; name: string; r: number }[]): RepoMap {
  const perFile = new Map<number, { names: Set<string>; best: number }>();
  for (const p of chosen) {
    const e = perFile.get(p.file) ?? { names: new Set<string>(), best: p.r };
    perFile.set(p.file, e);
    e.names.add(p.name);
  }
  for (const i of ctx.pinned) if (!perFile.has(i)) perFile.set(i, { names: new Set<string>(), best: 0 });
  // Files in PageRank order: the files the rest of the code leans on come first.
  const order = [...perFile.entries()].sort(
    (a, b) => ctx.rank[b[0]]! - ctx.rank[a[0]]! || ctx.files[a[0]]!.path.localeCompare(ctx.files[b[0]]!.path),
  );
  const fileCap = Math.max(48, Math.floor(ctx.maxTokens * FILE_SHARE));
  const out: RepoMapFile[] = [];
  const lines: string[] = [];
  let tokens = 0;
  let truncated = false;
  for (const [i, { names }] of order) {
    const f = ctx.files[i]!;
    const syms = (ctx.byFile.get(i) ?? []).filter((s) => names.has(s.name));
    const containerSig = new Map<string, MapSymbol>();
    for (const s of ctx.byFile.get(i) ?? [])
      if (s.container === null && CONTAINER_KINDS.has(s.kind)) containerSig.set(s.name, s);
    const block = [`${f.path}:`];
    let cost = estimateTokens(block[0]!) + 1;
    const entry: RepoMapFile = { path: f.path, rank: Number(ctx.rank[i]!.toPrecision(4)), symbols: [] };
    const shownContainers = new Set<string>();
    let lastLine = 0;
    for (const s of syms) {
      const add: string[] = [];
      if (s.container !== null && !shownContainers.has(s.container) && !names.has(s.container)) {
        const c = containerSig.get(s.container);
        add.push(`${c ? c.line : '?'}: ${c ? oneLine(c.signature) || `${c.kind} ${c.name}` : s.container}`);
      }
      const indent = s.container !== null ? '    ' : '  ';
      const gap = lastLine !== 0 && s.line > lastLine + 1 ? '  ⋮\n' : '';
      add.push(`${indent}${s.line}: ${oneLine(s.signature) || `${s.kind} ${s.name}`}`);
      const text = `${gap}${add.map((l, k) => (k === 0 && s.container !== null && add.length > 1 ? `  ${l}` : l)).join('\n')}`;
      const c = estimateTokens(text) + 1;
      if (cost + c > fileCap) {
        truncated = true;
        break;
      }
      if (s.container !== null) shownContainers.add(s.container);
      if (CONTAINER_KINDS.has(s.kind)) shownContainers.add(s.name);
      block.push(text);
      cost += c;
      lastLine = s.line;
      entry.symbols.push({
        name: s.name,
        kind: s.kind,
        line: s.line,
        signature: s.signature,
        refs: ctx.pairRefs.get(`${i}\u0000${s.name}`) ?? 0,
      });
    }
    out.push(entry);
    lines.push(block.join('\n'));
    tokens += cost;
  }
  const text = lines.join('\n');
  return { files: out, text, tokens: Math.max(tokens, estimateTokens(text)), truncated };
}

/** Signatures can span lines; the map shows the first line. */
function oneLine(signature: string): string {
  const nl = signature.indexOf('\n');
  return (nl === -1 ? signature : `${signature.slice(0, nl)} …`).trim();
}
