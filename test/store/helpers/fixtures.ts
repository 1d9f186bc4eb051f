import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ExtractedChunk,
  ExtractedRef,
  ExtractedSymbol,
  FileExtraction,
  LanguageId,
  RefKind,
  SymbolKind,
} from '../../../src/indexer/types.js';
import type { FileWrite } from '../../../src/store/types.js';

/** What `extracted` needs of an extractor (`createExtractor()`). */
interface TextExtractor {
  extractFile(text: string, language: LanguageId): FileExtraction;
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'codeindex-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sym(
  name: string,
  kind: SymbolKind = 'function',
  extra: Partial<ExtractedSymbol> = {},
): ExtractedSymbol {
  const line = extra.startLine ?? 1;
  return {
    name,
    kind,
    startLine: line,
    startCol: 0,
    endLine: line + 2,
    endCol: 1,
    container: null,
    signature: `${kind} ${name}()`,
    doc: null,
    exported: false,
    ...extra,
  };
}

export function ref(name: string, line: number, extra: Partial<ExtractedRef> = {}): ExtractedRef {
  return { name, kind: 'call' as RefKind, line, col: 4, enclosing: null, ...extra };
}

export function chunk(
  content: string,
  startLine = 1,
  symbol: string | null = null,
  kind: 'header' | 'symbol' | 'code' = symbol === null ? 'header' : 'symbol',
): ExtractedChunk {
  return {
    startLine,
    endLine: startLine + content.split('\n').length - 1,
    symbol,
    context: '',
    kind,
    content,
    hash: createHash('sha256').update(content).digest('hex'),
  };
}

export function extraction(parts: Partial<FileExtraction> = {}): FileExtraction {
  return { language: 'typescript', symbols: [], refs: [], imports: [], chunks: [], ...parts };
}

/** An indexed file write; size/mtime/sha are derived from the path unless given. */
export function indexed(
  path: string,
  ex: Partial<FileExtraction> = {},
  extra: Partial<FileWrite> = {},
): FileWrite {
  const e = extraction(ex);
  return {
    path,
    language: e.language as LanguageId,
    size: 100,
    mtimeMs: 1_700_000_000_000,
    sha256: createHash('sha256').update(path).digest('hex'),
    status: 'indexed',
    extraction: e,
    ...extra,
  };
}

export function skipped(path: string, reason: NonNullable<FileWrite['reason']>): FileWrite {
  return { path, language: null, size: 10, mtimeMs: 1, sha256: null, status: 'skipped', reason };
}

export function failed(path: string, error: string): FileWrite {
  return { path, language: 'python', size: 10, mtimeMs: 1, sha256: null, status: 'failed', error };
}

/** An indexed file write of real source, extracted by `extractor` (sha256 of the text). */
export function extracted(
  extractor: TextExtractor,
  path: string,
  language: LanguageId,
  text: string,
): FileWrite {
  return {
    path,
    language,
    size: text.length,
    mtimeMs: 1,
    sha256: createHash('sha256').update(text).digest('hex'),
    status: 'indexed',
    extraction: extractor.extractFile(text, language),
  };
}
