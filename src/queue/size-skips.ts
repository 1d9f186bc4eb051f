import type { IndexStore } from '../store/types.js';

/** Lookups of file states run this many at a time (a PostgreSQL round trip each). */
const PARALLEL = 16;

/**
 * Of `paths`, the files the index records as skipped for being too large. The walk skips files
 * over the cap itself, so one it lists now that was skipped for size has come under a raised
 * `CODEINDEX_MAX_FILE_BYTES`: its unchanged size and mtime must not keep it skipped. The reason is
 * not in the bulk read of file states, so it is read per path; callers pass only the files
 * recorded as skipped with the same size and mtime, which a usual tree has few of.
 */
export async function skippedForSize(
  store: Pick<IndexStore, 'getFileState'>,
  root: string,
  paths: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < paths.length; i += PARALLEL) {
    const part = paths.slice(i, i + PARALLEL);
    const states = await Promise.all(part.map((p) => store.getFileState(root, p)));
    for (const [j, s] of states.entries()) if (s?.reason === 'too_large') out.add(part[j]!);
  }
  return out;
}
