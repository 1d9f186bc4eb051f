/** A fused result: the id and its summed reciprocal-rank score. */
export interface FusedHit<K> {
  id: K;
  score: number;
}

/**
 * Reciprocal rank fusion (Cormack et al., 2009): each list is ranked best first, and an id scores
 * the sum of `1 / (k + rank)` over the lists it appears in (rank starts at 1). Only scores' order
 * matters, so lists of different scales (BM25, cosine) combine without tuning; `k = 60` damps the
 * weight of top ranks. An id repeated within one list counts at its best rank only. Ties keep the
 * id with the better single rank first, then first appearance; ids compare with `Map` semantics.
 */
export function fuseRankings<K>(lists: readonly (readonly { id: K }[])[], k = 60): FusedHit<K>[] {
  if (!(k >= 0)) throw new RangeError('fuseRankings: k must be a non-negative number');
  const acc = new Map<K, { score: number; best: number; order: number }>();
  for (const list of lists) {
    const seen = new Set<K>();
    for (let r = 0; r < list.length; r++) {
      const id = list[r]!.id;
      if (seen.has(id)) continue;
      seen.add(id);
      const add = 1 / (k + r + 1);
      const e = acc.get(id);
      if (e === undefined) acc.set(id, { score: add, best: r, order: acc.size });
      else {
        e.score += add;
        if (r < e.best) e.best = r;
      }
    }
  }
  return [...acc.entries()]
    .sort(([, a], [, b]) => b.score - a.score || a.best - b.best || a.order - b.order)
    .map(([id, e]) => ({ id, score: e.score }));
}
