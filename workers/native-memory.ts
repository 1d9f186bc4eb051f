/**
 * tree-sitter trees live in native memory that V8 does not see: a tree is freed only when its JS
 * wrapper is collected. Wrappers of big files outlive a scavenge or two while their extraction
 * allocates, get promoted to the old generation, and then wait for a major GC, which a worker's
 * small JS heap rarely needs: a single worker indexing Go's standard library reached 380 MB RSS.
 * So the indexer asks for a full GC after every `GC_EVERY_BYTES` of parsed source (a few ms each
 * on a worker's heap).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Source bytes parsed between two full collections. 32 MB left one worker on Go's standard
 * library (46 MB) at 284-302 MB peak RSS; 8 MB holds it at about 275 MB at the same speed.
 */
export const GC_EVERY_BYTES = 8 * 1024 * 1024;

let gc: (() => void) | null | undefined;

function loadGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    // Turns the flag on for contexts created from now on, and takes `gc` from a fresh one.
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

let parsedSinceGc = 0;

/** Counts parsed bytes and runs a full GC when `GC_EVERY_BYTES` have been parsed since the last. */
export function noteParsedBytes(bytes: number): void {
  parsedSinceGc += bytes;
  if (parsedSinceGc < GC_EVERY_BYTES) return;
  parsedSinceGc = 0;
  if (gc === undefined) gc = loadGc();
  gc?.();
}
