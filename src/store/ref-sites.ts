/**
 * References are stored one row per (name, file): `kinds` is a bitmask of the reference kinds in
 * that file, `sites` the JSON list of `[line, col, kind, enclosing]` in position order. A cold
 * index of a 3,000-file TypeScript corpus has ~4 references per (name, file) pair, so this is a
 * quarter of the B-tree inserts of a row per reference, and lookups by name read one row per file.
 */
import { REF_KINDS, type RefKind } from '../indexer/types.js';

/** Bit of each kind in `refs.kinds`. */
export const REF_KIND_BIT: Readonly<Record<RefKind, number>> = Object.fromEntries(
  REF_KINDS.map((k, i) => [k, 1 << i]),
) as Record<RefKind, number>;

/** Every kind except `import`: a file that uses a name (not only imports it) has one of these. */
export const USE_KINDS_MASK = REF_KINDS.reduce((m, k) => (k === 'import' ? m : m | REF_KIND_BIT[k]), 0);

/** One stored reference site: `[line, col, kind, enclosing]`. */
export type RefSite = [line: number, col: number, kind: RefKind, enclosing: string | null];

/** The refs rows of one file, before the file id is known. */
export interface PackedRefs {
  name: string;
  kinds: number;
  sites: string;
}

interface SiteInput {
  name: string;
  kind: RefKind;
  line: number;
  col: number;
  enclosing: string | null;
}

/** Groups a file's references by name, each group's sites in (line, col) order. */
export function packRefs(refs: readonly SiteInput[]): PackedRefs[] {
  const groups = new Map<string, { kinds: number; sites: RefSite[]; sorted: boolean }>();
  for (const r of refs) {
    let g = groups.get(r.name);
    if (g === undefined) {
      g = { kinds: 0, sites: [], sorted: true };
      groups.set(r.name, g);
    }
    const last = g.sites[g.sites.length - 1];
    if (last !== undefined && (last[0] > r.line || (last[0] === r.line && last[1] > r.col))) g.sorted = false;
    g.kinds |= REF_KIND_BIT[r.kind];
    g.sites.push([r.line, r.col, r.kind, r.enclosing]);
  }
  const out: PackedRefs[] = [];
  for (const [name, g] of groups) {
    if (!g.sorted) g.sites.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    out.push({ name, kinds: g.kinds, sites: JSON.stringify(g.sites) });
  }
  return out;
}

const KIND_SET: ReadonlySet<string> = new Set(REF_KINDS);

/** Parses a `sites` value; entries that are not well-formed are dropped, never thrown on. */
export function unpackRefSites(sites: string): RefSite[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(sites);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (s): s is RefSite =>
      Array.isArray(s) &&
      typeof s[0] === 'number' &&
      typeof s[1] === 'number' &&
      typeof s[2] === 'string' &&
      KIND_SET.has(s[2]) &&
      (s[3] === null || typeof s[3] === 'string'),
  );
}
