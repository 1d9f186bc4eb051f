import { findRootFor } from '../discovery/index.js';
import { isCodeindexError } from '../errors.js';
import type { IndexStore } from '../store/types.js';

/**
 * The root a file is indexed under (`index_file`, `POST /index-file`): the deepest indexed root
 * that holds it, else its allowed root. With an allowed root above the project
 * (`CODEINDEX_ROOTS=~/src`, the project `~/src/app` indexed), the file went into a new root
 * `~/src` of its own, and the project's entry, the one every query answers from, stayed as it was.
 */
export async function indexedRootOf(
  store: () => IndexStore,
  realPath: string,
  allowedRoot: string,
): Promise<string> {
  let indexed: string[];
  try {
    indexed = (await store().listRoots()).map((r) => r.path);
  } catch (err) {
    // No index yet (or none reachable): the file starts its allowed root's.
    if (isCodeindexError(err, 'NOT_INDEXED') || isCodeindexError(err, 'STORE_UNAVAILABLE'))
      return allowedRoot;
    throw err;
  }
  return findRootFor(realPath, indexed) ?? allowedRoot;
}
