import { lstatSync, realpathSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { decodeSource, readSourceFileSync, type SourceText } from '../../src/discovery/index.js';
import { errorMessage } from '../../src/errors.js';
import { detectLanguage, type Extractor, isCandidateSource } from '../../src/indexer/index.js';
import type { LanguageId } from '../../src/indexer/types.js';
import { isTextLanguage } from '../../src/indexer/types.js';
import type { ShippedSource, SourceBlobs } from '../../src/queue/source-blobs.js';
import type { FileState, FileWrite, IndexStore, SkipReason } from '../../src/store/types.js';
import { noteParsedBytes } from '../native-memory.js';

/** What indexing a list of files did; summed up into the repository summary. */
export interface FilesResult {
  files: number;
  indexed: number;
  unchanged: number;
  removed: number;
  failed: number;
  skipped: Partial<Record<SkipReason, number>>;
  symbols: number;
  refs: number;
  chunks: number;
  languages: Partial<Record<LanguageId, number>>;
  failedFiles: { path: string; error: string }[];
  /** Files not looked at because the run was aborted (cancel or soft time limit). */
  notProcessed: number;
}

export function emptyFilesResult(): FilesResult {
  return {
    files: 0,
    indexed: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    skipped: {},
    symbols: 0,
    refs: 0,
    chunks: 0,
    languages: {},
    failedFiles: [],
    notProcessed: 0,
  };
}

/** Adds `b` into `a` (a Celery chord's reduce step). */
export function addFilesResult(a: FilesResult, b: Partial<FilesResult>): FilesResult {
  for (const k of [
    'files',
    'indexed',
    'unchanged',
    'removed',
    'failed',
    'symbols',
    'refs',
    'chunks',
    'notProcessed',
  ] as const) {
    a[k] += b[k] ?? 0;
  }
  for (const [r, n] of Object.entries(b.skipped ?? {}))
    a.skipped[r as SkipReason] = (a.skipped[r as SkipReason] ?? 0) + (n ?? 0);
  for (const [l, n] of Object.entries(b.languages ?? {}))
    a.languages[l as LanguageId] = (a.languages[l as LanguageId] ?? 0) + (n ?? 0);
  for (const f of b.failedFiles ?? []) if (a.failedFiles.length < 20) a.failedFiles.push(f);
  return a;
}

/** A skip reason as `index_file`'s outcome says it (`skipped: binary file`). */
const SKIP_OUTCOME: Record<SkipReason, string> = {
  too_large: 'larger than CODEINDEX_MAX_FILE_BYTES',
  binary: 'binary file',
  invalid_utf8: 'not valid UTF-8',
  empty: 'empty file',
  unsupported_language: 'no language codeindex reads',
  symlink_outside_root: 'symlink to a path outside the root',
  dangling_symlink: 'symlink to a path that does not exist',
  ignored: 'ignored',
  unreadable: 'unreadable',
  minified: 'minified code',
};

/**
 * What indexing one file did, in words: `indexed: 3 symbols`, `unchanged: …`, `skipped: binary
 * file`, `failed: <error>` or `removed: …`. An `index_file` task's result carries it, so the
 * caller reads the outcome instead of working it out from the counters.
 */
export function fileOutcome(res: FilesResult): string {
  if (res.failed > 0) return `failed: ${res.failedFiles[0]?.error ?? 'unknown error'}`;
  const reason = Object.keys(res.skipped)[0] as SkipReason | undefined;
  if (reason !== undefined) return `skipped: ${SKIP_OUTCOME[reason]}`;
  if (res.indexed > 0) return `indexed: ${res.symbols} symbols`;
  if (res.removed > 0) return 'removed: the file is gone, so its entries were dropped from the index';
  return 'unchanged: the index holds this content already';
}

export interface IndexFilesDeps {
  store: IndexStore;
  extractor: Extractor;
  maxFileBytes: number;
}

/** Parsing is synchronous; yield this often so BullMQ can renew the job lock and see a cancel. */
const YIELD_EVERY_MS = 25;
/** Files whose stored states (and shipped contents) are fetched in one round trip. */
const WINDOW = 64;

/**
 * Reads, parses and extracts each file, then writes all of them in ONE transaction.
 * Unchanged files (same size and mtime, or same content hash) are skipped unless `force`.
 * A file that fails never fails the batch: it is recorded with its error. When `signal` aborts,
 * it stops between files and still writes what it has (the partial result is kept).
 */
export async function indexFiles(
  root: string,
  relPaths: readonly string[],
  deps: IndexFilesDeps,
  opts: {
    force: boolean;
    signal?: AbortSignal;
    onProgress?: (done: number) => void;
    /** The producer shipped the files: read them from Redis, never from this host's disk. */
    shipped?: SourceBlobs;
    /**
     * Read every file again, whatever its size and mtime (an explicit `index_file`): content
     * already indexed is still `unchanged` (by its hash), but a skip or a failure is decided anew.
     */
    reread?: boolean;
  },
): Promise<FilesResult> {
  const res = emptyFilesResult();
  const writes: FileWrite[] = [];
  const removals: string[] = [];
  let lastYield = Date.now();
  let done = 0;
  let realRoot = root;
  try {
    realRoot = realpathSync.native(root);
  } catch {
    // A root that is gone: each file reads as removed below.
  }
  let window: Window | null = null;
  for (const [i, rel] of relPaths.entries()) {
    if (opts.signal?.aborted) break;
    if (i % WINDOW === 0) window = await loadWindow(root, relPaths.slice(i, i + WINDOW), deps, opts);
    done++;
    res.files++;
    const prev = window?.states.get(rel) ?? null;
    try {
      const write = opts.shipped
        ? indexShipped(
            rel,
            window?.sources?.get(rel),
            window?.blobs,
            prev,
            deps,
            opts.force,
            res,
            opts.shipped,
          )
        : indexOne(realRoot, rel, `${root}/${rel}`, prev, deps, opts.force, res, opts.reread);
      if (write === 'removed') removals.push(rel);
      else if (write) writes.push(write);
    } catch (err) {
      res.failed++;
      const msg = errorMessage(err);
      if (res.failedFiles.length < 20) res.failedFiles.push({ path: rel, error: msg });
      writes.push({
        path: rel,
        language: detectLanguage(rel),
        size: 0,
        mtimeMs: 0,
        sha256: null,
        status: 'failed',
        error: msg,
      });
    }
    if (Date.now() - lastYield > YIELD_EVERY_MS) {
      opts.onProgress?.(done);
      await yieldToLoop();
      lastYield = Date.now();
    }
  }
  res.notProcessed = relPaths.length - done;
  if (writes.length > 0 || removals.length > 0) {
    const w = await deps.store.writeBatch(root, writes, removals);
    res.removed += w.removed;
  }
  return res;
}

/** What a window of files needs from elsewhere: stored states, and shipped entries and contents. */
interface Window {
  states: Map<string, FileState>;
  sources?: Map<string, ShippedSource>;
  blobs?: Map<string, Buffer>;
}

async function loadWindow(
  root: string,
  paths: readonly string[],
  deps: IndexFilesDeps,
  opts: { force: boolean; shipped?: SourceBlobs },
): Promise<Window> {
  const states = await deps.store.getFileStates(root, paths);
  if (!opts.shipped) return { states };
  const sources = await opts.shipped.getSources(root, paths);
  // Only contents that will be parsed: the index may hold this one already.
  const needed: string[] = [];
  for (const [path, s] of sources) {
    if (!('sha256' in s)) continue;
    const prev = states.get(path);
    if (opts.force || prev?.status !== 'indexed' || prev.sha256 !== s.sha256) needed.push(s.sha256);
  }
  return { states, sources, blobs: await opts.shipped.getBlobs(needed) };
}

/** One file as the producer shipped it: the same outcomes as reading it from disk. */
function indexShipped(
  rel: string,
  src: ShippedSource | undefined,
  blobs: Map<string, Buffer> | undefined,
  prev: FileState | null,
  deps: IndexFilesDeps,
  force: boolean,
  res: FilesResult,
  shipped: SourceBlobs,
): FileWrite | 'removed' | null {
  const expired = `its shipped content expired from Redis before a worker read it (kept ${shipped.ttlSeconds}s, CODEINDEX_BLOB_TTL_SECONDS): index the root again`;
  if (!src) throw new Error(expired);
  if ('gone' in src) {
    if (prev) return 'removed';
    res.skipped.unreadable = (res.skipped.unreadable ?? 0) + 1;
    return null;
  }
  if ('skip' in src) return skip(res, rel, src.skip, src.size, src.mtimeMs);
  if (!force && prev && prev.status === 'indexed' && prev.sha256 === src.sha256) {
    res.unchanged++;
    return null;
  }
  const bytes = blobs?.get(src.sha256);
  if (!bytes) throw new Error(expired);
  const read = decodeSource(bytes, src.mtimeMs);
  if (!read.ok) return skip(res, rel, read.reason, read.size, read.mtimeMs);
  return extract(rel, read, prev, deps, force, res);
}

function indexOne(
  realRoot: string,
  rel: string,
  abs: string,
  prev: FileState | null,
  deps: IndexFilesDeps,
  force: boolean,
  res: FilesResult,
  reread = false,
): FileWrite | 'removed' | null {
  let lst: ReturnType<typeof lstatSync>;
  try {
    lst = lstatSync(abs);
  } catch {
    if (prev) return 'removed';
    res.skipped.unreadable = (res.skipped.unreadable ?? 0) + 1;
    return null;
  }
  // Never read out of the root: not through a link to the file, nor through a linked directory on
  // its path (a job can name any path under the root), even if either changed after the scan.
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch {
    return skip(res, rel, 'dangling_symlink', lst.size, lst.mtimeMs);
  }
  if (real !== realRoot && !real.startsWith(`${realRoot}/`))
    return skip(res, rel, 'symlink_outside_root', lst.size, lst.mtimeMs);
  // Only an indexed file is taken as unchanged by size and mtime: a skip can be stale with both
  // the same (a file too large under the cap of its run, which has been raised since).
  if (
    !force &&
    !reread &&
    prev?.status === 'indexed' &&
    prev.size === lst.size &&
    prev.mtimeMs === lst.mtimeMs &&
    !lst.isSymbolicLink()
  ) {
    res.unchanged++;
    return null;
  }
  if (!isCandidateSource(rel)) return skip(res, rel, 'unsupported_language', lst.size, lst.mtimeMs);
  const read = readSourceFileSync(abs, { maxBytes: deps.maxFileBytes });
  if (!read.ok) {
    if (read.code === 'ENOENT') return prev ? 'removed' : null;
    return skip(res, rel, read.reason, read.size, read.mtimeMs);
  }
  return extract(rel, read, prev, deps, force, res);
}

/** Parses and extracts a file that was read, unless the index holds this content already. */
function extract(
  rel: string,
  read: SourceText,
  prev: FileState | null,
  deps: IndexFilesDeps,
  force: boolean,
  res: FilesResult,
): FileWrite | null {
  // The content decides for scripts without an extension (shebang) and for `.h` (C or C++).
  const language = detectLanguage(rel, read.text);
  if (!language) return skip(res, rel, 'unsupported_language', read.size, read.mtimeMs);
  if (!isTextLanguage(language) && looksMinified(read.text))
    return skip(res, rel, 'minified', read.size, read.mtimeMs);
  if (!force && prev && prev.status === 'indexed' && prev.sha256 === read.sha256) {
    res.unchanged++;
    return null;
  }
  const extraction = deps.extractor.extractFile(read.text, language, undefined, rel);
  noteParsedBytes(read.size);
  res.indexed++;
  res.symbols += extraction.symbols.length;
  res.refs += extraction.refs.length;
  res.chunks += extraction.chunks.length;
  res.languages[language] = (res.languages[language] ?? 0) + 1;
  return {
    path: rel,
    language,
    size: read.size,
    mtimeMs: read.mtimeMs,
    sha256: read.sha256,
    status: 'indexed',
    extraction,
  };
}

/** Code this long per line is a bundle (carbon's one-line 800 KB `lib/index.js`), not source. */
const MINIFIED_MIN_CHARS = 20_000;
const MINIFIED_MEAN_LINE = 1_000;

/** A code file of at least 20,000 characters whose lines average 1,000 or more. */
export function looksMinified(text: string): boolean {
  if (text.length < MINIFIED_MIN_CHARS) return false;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (++lines > text.length / MINIFIED_MEAN_LINE) return false;
  }
  return true;
}

function skip(res: FilesResult, rel: string, reason: SkipReason, size: number, mtimeMs: number): FileWrite {
  res.skipped[reason] = (res.skipped[reason] ?? 0) + 1;
  return skippedWrite(rel, reason, size, mtimeMs);
}

/** The index row of a file that is not indexed, and why (the scan's skips and the readers'). */
export function skippedWrite(rel: string, reason: SkipReason, size: number, mtimeMs: number): FileWrite {
  return { path: rel, language: detectLanguage(rel), size, mtimeMs, sha256: null, status: 'skipped', reason };
}
