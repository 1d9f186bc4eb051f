/**
 * References are stored one row per (name, file): `kinds` is a bitmask of the reference kinds in
 * that file, `sites` a JSON list of its sites in position order, each `[line, col, kind]` or
 * `[line, col, kind, enclosing]` or `[line, col, kind, enclosing, receiver]`: `kind` is the index
 * in REF_KINDS, a 3-element site (or an `enclosing` of `0`) has the enclosing definition of the
 * site before it (null for the first), and `receiver` is the class a call's receiver names (see `ExtractedRef.receiver`). A cold index of a 3,000-file
 * TypeScript corpus has ~4 references per (name, file) pair, so this is a quarter of the B-tree
 * inserts of a row per reference, lookups by name read one row per file, and the table is half
 * the size of one with kind names and every enclosing name spelled out.
 */
import { REF_KINDS, type RefKind } from '../indexer/types.js';

/** Bit of each kind in `refs.kinds`. */
export const REF_KIND_BIT: Readonly<Record<RefKind, number>> = Object.fromEntries(
  REF_KINDS.map((k, i) => [k, 1 << i]),
) as Record<RefKind, number>;

/** Every kind except `import`: a file that uses a name (not only imports it) has one of these. */
export const USE_KINDS_MASK = REF_KINDS.reduce((m, k) => (k === 'import' ? m : m | REF_KIND_BIT[k]), 0);

/**
 * One reference site, decoded. A receiver stored as a hint (`~call`: a variable's name, see
 * `receiverHint`) is decoded as an unknown receiver (null) with the hint beside it, without `~`.
 */
export type RefSite = [
  line: number,
  col: number,
  kind: RefKind,
  enclosing: string | null,
  receiver: string | null,
  hint?: string,
];

const KIND_INDEX: Readonly<Record<RefKind, number>> = Object.fromEntries(
  REF_KINDS.map((k, i) => [k, i]),
) as Record<RefKind, number>;

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
  receiver?: string | null;
}

/** Groups a file's references by name, each group's sites in (line, col) order. */
export function packRefs(refs: readonly SiteInput[]): PackedRefs[] {
  const groups = new Map<string, { kinds: number; sites: RefSite[] }>();
  for (const r of refs) {
    let g = groups.get(r.name);
    if (g === undefined) {
      g = { kinds: 0, sites: [] };
      groups.set(r.name, g);
    }
    g.kinds |= REF_KIND_BIT[r.kind];
    g.sites.push([r.line, r.col, r.kind, r.enclosing, r.receiver ?? null]);
  }
  const out: PackedRefs[] = [];
  for (const [name, g] of groups) {
    // Sites arrive in position order from the extractor; the (stable) sort makes it a guarantee.
    g.sites.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let enclosing: string | null = null;
    const stored = g.sites.map(([line, col, kind, e, receiver]): unknown[] => {
      if (receiver !== null) {
        // `0`: the same enclosing definition as the site before (most calls of a name in a file
        // sit in one function, and a receiver needs the fourth slot filled).
        const same = e === enclosing && e !== null;
        enclosing = e;
        return [line, col, KIND_INDEX[kind], same ? 0 : e, receiver];
      }
      if (e === enclosing) return [line, col, KIND_INDEX[kind]];
      enclosing = e;
      return [line, col, KIND_INDEX[kind], e];
    });
    out.push({ name, kinds: g.kinds, sites: JSON.stringify(stored) });
  }
  return out;
}

/** Decodes a `sites` value; entries that are not well-formed are dropped, never thrown on. */
export function unpackRefSites(sites: string): RefSite[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(sites);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: RefSite[] = [];
  let enclosing: string | null = null;
  for (const s of parsed) {
    if (!Array.isArray(s) || typeof s[0] !== 'number' || typeof s[1] !== 'number') continue;
    const kind = typeof s[2] === 'number' ? REF_KINDS[s[2]] : undefined;
    if (kind === undefined) continue;
    if (s.length >= 4 && s[3] !== 0) {
      if (s[3] !== null && typeof s[3] !== 'string') continue;
      enclosing = s[3];
    }
    const receiver = typeof s[4] === 'string' ? s[4] : null;
    if (receiver?.startsWith('~')) out.push([s[0], s[1], kind, enclosing, null, receiver.slice(1)]);
    else out.push([s[0], s[1], kind, enclosing, receiver]);
  }
  return out;
}
