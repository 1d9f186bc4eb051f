/**
 * Reading one source file for indexing: size cap, empty, binary and UTF-8 checks, BOM stripping
 * and a content hash, with one open + fstat + read. File-level problems are results, not throws.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import type { SkipReason } from '../store/types.js';

/** How many leading bytes are searched for a NUL byte to call a file binary (as git does). */
export const BINARY_SNIFF_BYTES = 8192;

/** Options for `readSourceFile`. */
export interface ReadSourceOptions {
  /** Files larger than this are not read (`too_large`). */
  maxBytes: number;
  /** Also return the bytes read (a copy), for shipping them to a worker. */
  keepBytes?: boolean;
}

/** A file that was read and decoded. */
export interface SourceText {
  ok: true;
  /** Decoded UTF-8, without a leading BOM. */
  text: string;
  /** Bytes on disk. */
  size: number;
  mtimeMs: number;
  /** sha256 hex of the bytes on disk (BOM included), the content address of the file. */
  sha256: string;
  /** The bytes on disk, with `keepBytes`. */
  bytes?: Buffer;
}

/** A file that is not indexed, and why. */
export interface SourceSkip {
  ok: false;
  reason: SkipReason;
  /** Bytes on disk; 0 when unknown. */
  size: number;
  /** 0 when unknown. */
  mtimeMs: number;
  /** One line for a human. */
  detail?: string;
  /** The errno code (`ENOENT`, `EACCES`, ...) when an fs call failed; `ENOENT` means the file is gone. */
  code?: string;
}

export type ReadSourceResult = SourceText | SourceSkip;

// O_NONBLOCK so that opening a FIFO returns at once (fstat then rejects it) instead of hanging.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Errors that are about the process, not the file: these are thrown. */
const PROCESS_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOMEM']);

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function skip(reason: SkipReason, size: number, mtimeMs: number, detail?: string, code?: string): SourceSkip {
  const result: SourceSkip = { ok: false, reason, size, mtimeMs };
  if (detail !== undefined) result.detail = detail;
  if (code !== undefined) result.code = code;
  return result;
}

/** Maps a failed open to a skip; `isSymlink` is whether the path itself is a symlink. */
function openFailure(err: unknown, isSymlink: boolean): SourceSkip {
  const code = errnoCode(err);
  if (code !== undefined && PROCESS_ERRORS.has(code)) throw err;
  if (isSymlink && (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR')) {
    return skip('dangling_symlink', 0, 0, 'symlink target does not exist', code);
  }
  if (code === 'ENOENT') return skip('unreadable', 0, 0, 'file no longer exists', code);
  return skip('unreadable', 0, 0, `cannot open (${code ?? 'unknown error'})`, code);
}

/** Checks done on fstat, before reading. */
function checkStats(stats: Stats, maxBytes: number): SourceSkip | undefined {
  if (!stats.isFile()) {
    return skip(
      'unreadable',
      0,
      stats.mtimeMs,
      stats.isDirectory() ? 'is a directory' : 'not a regular file',
    );
  }
  if (stats.size > maxBytes) {
    return skip(
      'too_large',
      stats.size,
      stats.mtimeMs,
      `${stats.size} bytes exceeds the ${maxBytes}-byte cap`,
    );
  }
  if (stats.size === 0) return skip('empty', 0, stats.mtimeMs);
  return undefined;
}

// One fatal decoder for every file: decode() without { stream: true } starts afresh each call.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Binary, UTF-8 and BOM checks on a file's bytes, and its content hash: what reading a file from
 * disk does after the read, for bytes that came another way (shipped through Redis). The bytes are
 * not kept (they may be reused).
 */
export function decodeSource(bytes: Buffer, mtimeMs: number): ReadSourceResult {
  const size = bytes.length;
  if (size === 0) return skip('empty', 0, mtimeMs);
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    return skip('binary', size, mtimeMs, `NUL byte in the first ${BINARY_SNIFF_BYTES} bytes`);
  }
  let text: string;
  try {
    // ignoreBOM: false (the default) strips a leading UTF-8 BOM.
    text = utf8.decode(bytes);
  } catch {
    return skip('invalid_utf8', size, mtimeMs, 'not valid UTF-8');
  }
  if (text.length === 0) return skip('empty', size, mtimeMs, 'only a byte order mark');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ok: true, text, size, mtimeMs, sha256 };
}

function isSymlinkSync(absPath: string): boolean {
  try {
    return lstatSync(absPath).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Files up to this size are read into one reused buffer; larger ones get their own. */
const REUSED_BUFFER_MAX = 4 * 1024 * 1024;
let reusedBuffer = Buffer.allocUnsafe(0);

/**
 * A buffer of at least `size` bytes for a synchronous read. Reusing one buffer (the decoded text
 * is a copy) spares a worker a fresh allocation, and its page faults, for every file it reads.
 */
function syncReadBuffer(size: number): Buffer {
  if (size > REUSED_BUFFER_MAX) return Buffer.allocUnsafe(size);
  if (reusedBuffer.length < size) reusedBuffer = Buffer.allocUnsafe(Math.max(size, 256 * 1024));
  return reusedBuffer;
}

/**
 * Synchronous `readSourceFile`, for workers that read thousands of files in a row: one open, one
 * fstat, reads into one buffer of the file's size. Never throws for file-level problems (only for
 * process-level ones such as EMFILE).
 */
export function readSourceFileSync(absPath: string, opts: ReadSourceOptions): ReadSourceResult {
  let fd: number;
  try {
    fd = openSync(absPath, OPEN_FLAGS);
  } catch (err) {
    return openFailure(err, isSymlinkSync(absPath));
  }
  try {
    const stats = fstatSync(fd);
    const rejected = checkStats(stats, opts.maxBytes);
    if (rejected !== undefined) return rejected;
    const buffer = syncReadBuffer(stats.size);
    let filled = 0;
    while (filled < stats.size) {
      const n = readSync(fd, buffer, filled, stats.size - filled, filled);
      if (n === 0) break; // the file shrank since fstat
      filled += n;
    }
    const read = decodeSource(buffer.subarray(0, filled), stats.mtimeMs);
    if (read.ok && opts.keepBytes) read.bytes = Buffer.from(buffer.subarray(0, filled));
    return read;
  } catch (err) {
    const code = errnoCode(err);
    if (code !== undefined && PROCESS_ERRORS.has(code)) throw err;
    return skip('unreadable', 0, 0, `cannot read (${code ?? 'unknown error'})`, code);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a source file for indexing. Order of checks: open (dangling symlink, unreadable), fstat
 * (not a regular file, `too_large` before any byte is read, `empty`), then `binary` (a NUL byte in
 * the first 8 KiB), `invalid_utf8`, and a leading BOM is stripped. Never throws for file-level
 * problems (only for process-level ones such as EMFILE).
 */
export async function readSourceFile(absPath: string, opts: ReadSourceOptions): Promise<ReadSourceResult> {
  let handle: FileHandle;
  try {
    handle = await open(absPath, OPEN_FLAGS);
  } catch (err) {
    const isSymlink = await lstat(absPath).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    return openFailure(err, isSymlink);
  }
  try {
    const stats = await handle.stat();
    const rejected = checkStats(stats, opts.maxBytes);
    if (rejected !== undefined) return rejected;
    const buffer = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const read = decodeSource(buffer.subarray(0, filled), stats.mtimeMs);
    if (read.ok && opts.keepBytes) read.bytes = buffer.subarray(0, filled);
    return read;
  } catch (err) {
    const code = errnoCode(err);
    if (code !== undefined && PROCESS_ERRORS.has(code)) throw err;
    return skip('unreadable', 0, 0, `cannot read (${code ?? 'unknown error'})`, code);
  } finally {
    await handle.close();
  }
}
