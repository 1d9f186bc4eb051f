import type { FileState, IndexStore } from '../store/types.js';

/** Lookups of file states run this many at a time (a PostgreSQL round trip each). */
const PARALLEL = 16;

/** A file as a walk lists it. */
interface Walked {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Whether the index records `f` with the size and mtime the walk saw, and not as failed: such a
 * file is not read again (unless {@link skippedForSize} says its skip is stale).
 */
export function sameAsRecorded(f: Walked, prev: ReadonlyMap<string, FileState>): boolean {
  const p = prev.get(f.path);
  return p !== undefined && p.status !== 'failed' && p.size === f.size && p.mtimeMs === f.mtimeMs;
}

/**
 * Of the walked `files`, those the index records as skipped for being too large, with the same
 * size and mtime. The walk skips files over the cap itself, so one it lists now that was skipped
 * for size has come under a raised `CODEINDEX_MAX_FILE_BYTES`: its unchanged size and mtime must
 * not keep it skipped. The reason is not in the bulk read of file states, so it is read per path,
 * only for the skipped files with the same size and mtime, which a usual tree has few of.
 */
export async function skippedForSize(
  store: Pick<IndexStore, 'getFileState'>,
  root: string,
  files: readonly Walked[],
  prev: ReadonlyMap<string, FileState>,
): Promise<Set<string>> {
  const paths = files
    .filter((f) => sameAsRecorded(f, prev) && prev.get(f.path)?.status === 'skipped')
    .map((f) => f.path);
  const out = new Set<string>();
  for (let i = 0; i < paths.length; i += PARALLEL) {
    const part = paths.slice(i, i + PARALLEL);
    const states = await Promise.all(part.map((p) => store.getFileState(root, p)));
    for (const [j, s] of states.entries()) if (s?.reason === 'too_large') out.add(part[j]!);
  }
  return out;
}
