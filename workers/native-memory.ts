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
import { loadNative } from '../src/indexer/native.js';

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

/**
 * How often a worker hands the native memory it freed back to the system. glibc keeps freed
 * blocks in its arenas (one per thread that allocates: the main thread, libuv's pool, the model
 * thread) and returns only the top of each. After a cold index of Go's source, /usr/include and
 * Python's standard library (13,193 files) a worker peaked at 327 MB while indexing and at 513 MB
 * in its first two minutes of embedding; with a trim every 5 s, at 300 and 472-482 MB. A trim
 * took 5-18 ms there (at most 39 ms): 0.2-0.6 s over a 90 s index.
 */
export const HEAP_TRIM_EVERY_MS = 5_000;

/** What the trimmer did, for tests and debug logs. */
export interface HeapTrimStats {
  trims: number;
  /** Trims that returned memory. */
  released: number;
  totalMs: number;
  maxMs: number;
}

/**
 * Calls `trimHeap` of the native addon every `everyMs` (unref'd timer) until stopped. Does nothing
 * where the addon is not loaded or the C library is not glibc (`trimHeap` answers null once).
 */
export function startHeapTrimmer(everyMs = HEAP_TRIM_EVERY_MS): {
  stop(): void;
  stats(): HeapTrimStats;
  /** One trim now; false when trimming is not available here. */
  trimNow(): boolean;
} {
  const stats: HeapTrimStats = { trims: 0, released: 0, totalMs: 0, maxMs: 0 };
  const native = loadNative();
  let available = typeof native?.trimHeap === 'function';
  const trimNow = (): boolean => {
    if (!available) return false;
    const t0 = performance.now();
    const released = native!.trimHeap();
    const ms = performance.now() - t0;
    if (released === null) {
      available = false;
      return false;
    }
    stats.trims++;
    if (released) stats.released++;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    return true;
  };
  const timer = setInterval(() => {
    if (!trimNow()) clearInterval(timer);
  }, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    stats: () => ({ ...stats }),
    trimNow,
  };
}
