import type { FileExtraction, LanguageId, RefKind, SymbolKind } from '../indexer/types.js';

/** Why a file was not indexed. Stored and counted per root. */
export const SKIP_REASONS = [
  'too_large',
  'binary',
  'invalid_utf8',
  'empty',
  'unsupported_language',
  'symlink_outside_root',
  'dangling_symlink',
  'ignored',
  'unreadable',
  // A code file that is one long line or a few (a bundle): built from source, not source.
  'minified',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type FileStatus = 'indexed' | 'skipped' | 'failed';

/** What a worker writes for one file. Paths are relative to the root, with `/` separators. */
export interface FileWrite {
  path: string;
  language: LanguageId | null;
  size: number;
  mtimeMs: number;
  sha256: string | null;
  status: FileStatus;
  /** For `skipped`. */
  reason?: SkipReason;
  /** For `failed`: one line. */
  error?: string;
  /** For `indexed`. */
  extraction?: FileExtraction;
}

export interface FileState {
  size: number;
  mtimeMs: number;
  sha256: string | null;
  status: FileStatus;
  /** Why a `skipped` file was (read by `getFileState` only). */
  reason?: SkipReason | null;
  /** A `failed` file's one-line error (read by `getFileState` only). */
  error?: string | null;
}

export interface RootRow {
  id: number;
  path: string;
  createdAt: number;
  lastIndexedAt: number | null;
  lastQueriedAt: number | null;
  /** Monotonic; bumped by `completeGeneration`. */
  generation: number;
  /** Monotonic; bumped by every write that adds, changes or removes the root's files or chunks. */
  chunksVersion: number;
}

/**
 * A file's size and mtime as the index recorded them: what `stale` compares with the disk. The
 * mtime is negative for a file marked for extraction again ({@link recordedMtime}).
 */
export interface IndexedFile {
  size: number;
  mtimeMs: number;
}

/**
 * The SET clause that marks files for extraction again (both engines): the recorded mtime becomes
 * `-mtime - 1` (see {@link recordedMtime}; `syncExtractorVersion`), and an indexed file's hash is cleared, so a run that
 * finds the same bytes still extracts them.
 */
export const MARK_EXTRACT_AGAIN =
  "mtime_ms = CASE WHEN mtime_ms >= 0 THEN -mtime_ms - 1 ELSE mtime_ms END, sha256 = CASE WHEN status = 'indexed' THEN '' ELSE sha256 END";

/** The mtime a file had when it was indexed, from what the index recorded (marked or not). */
export function recordedMtime(stored: number): number {
  return stored < 0 ? -stored - 1 : stored;
}

export interface SymbolHit {
  name: string;
  kind: SymbolKind;
  /** Absolute path. */
  path: string;
  language: LanguageId;
  line: number;
  col: number;
  endLine: number;
  container: string | null;
  signature: string;
  doc: string | null;
  /** Higher is better; exact > prefix > case-insensitive > fuzzy. */
  score: number;
  /** When the file on disk changed after it was indexed (filled by the caller, not the store). */
  stale?: boolean;
  /** The file as indexed (read with the hit, so checking `stale` needs no other lookup). */
  indexed?: IndexedFile;
}

/**
 * Where a query looks: one absolute path prefix, or several whose union it searches (the roots a
 * client may see when the index holds other projects too). An empty list selects nothing.
 */
export type PathScope = string | readonly string[];

export interface SymbolQuery {
  query: string;
  kind?: SymbolKind;
  language?: LanguageId;
  /** Absolute path prefix (a root, a directory, or a file), or several (their union). */
  pathPrefix?: PathScope;
  limit: number;
  offset?: number;
}

export interface RefHit {
  name: string;
  kind: RefKind;
  path: string;
  line: number;
  col: number;
  enclosing: string | null;
  /** The source line, trimmed, at most 200 chars. */
  text: string | null;
  /** The file as indexed (see `SymbolHit.indexed`). */
  indexed?: IndexedFile;
  /**
   * For `Class.method`: a call on a receiver whose type is unknown (`$items->unique()`), kept
   * because it may be the class's, and listed after the calls that resolve to it.
   */
  receiverUnknown?: true;
}

export interface RefQuery {
  symbol: string;
  pathPrefix?: PathScope;
  /** Only references in files of this language. */
  language?: string;
  limit: number;
  offset?: number;
}

export interface ChunkHit {
  chunkId: number;
  path: string;
  language: LanguageId;
  startLine: number;
  endLine: number;
  symbol: string | null;
  score: number;
  /** A few lines around the best match, each prefixed with its line number. */
  snippet: string;
  /** The file as indexed (see `SymbolHit.indexed`). */
  indexed?: IndexedFile;
}

export interface TextQuery {
  query: string;
  pathPrefix?: PathScope;
  language?: LanguageId;
  limit: number;
  offset?: number;
  /**
   * When at most this many chunks (default: `limit`) hold every word, add chunks that hold some of
   * them. Hybrid search asks for 50 candidates but needs the partial matches only when fewer than
   * a page hold every word: the OR query over common words was most of its time.
   */
  looseBelow?: number;
}

export interface RootStatus {
  root: string;
  generation: number;
  lastIndexedAt: number | null;
  files: { indexed: number; skipped: number; failed: number };
  skippedByReason: Partial<Record<SkipReason, number>>;
  /**
   * Skipped files per language and reason (`other` when the language is not known, such as an
   * extensionless file without a shebang).
   */
  skippedByLanguage: Record<string, Partial<Record<SkipReason, number>>>;
  symbols: number;
  refs: number;
  chunks: number;
  languages: Partial<Record<LanguageId, number>>;
  /** A few failed files with their errors (at most 20). */
  failedFiles: { path: string; error: string }[];
}

export interface CleanupResult {
  deletedRoots: string[];
  deletedFiles: number;
  cutoffDate: string;
  /** Vectors whose chunk content no longer exists anywhere (0 on a dry run). */
  prunedVectors?: number;
}

// ---------------------------------------------------------------------------------------------
// Store API (added by src/store). Everything above is the agreed contract and stays as is.
// ---------------------------------------------------------------------------------------------

/** Options of `openIndexStore`. */
export interface OpenIndexStoreOptions {
  /**
   * Open for queries only (no writes, no schema creation). A missing database file throws
   * `CodeindexError('NOT_INDEXED')`; an older schema is migrated once through a short-lived
   * read-write connection, then the read-only connection is used.
   */
  readonly?: boolean;
  /** How long a statement waits for another process's write lock. Default 10 000 ms. */
  busyTimeoutMs?: number;
  /** Clock in epoch ms; injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/** What one `writeBatch` call changed. */
export interface WriteBatchResult {
  /** File rows written (indexed + skipped + failed). */
  files: number;
  /** File rows removed (the `removals` that existed). */
  removed: number;
  symbols: number;
  refs: number;
  chunks: number;
}

export interface SymbolSearchResult {
  hits: SymbolHit[];
  /** Set only when every match was counted (the last page); absent otherwise. */
  total?: number;
  hasMore: boolean;
}

export interface RefSearchResult {
  hits: RefHit[];
  hasMore: boolean;
}

export interface TextSearchResult {
  hits: ChunkHit[];
  hasMore: boolean;
}

/** Chunk ids of one page of a text search, best first (see `IndexStore.rankText`). */
export interface RankedTextResult {
  ids: number[];
  /** Each id's BM25 score (higher is better; words-ANDed matches come before OR-fallback ones). */
  bm25: number[];
  hasMore: boolean;
  /** The query's words and word parts, for snippets (`makeSnippet`). */
  terms: Set<string>;
  /**
   * The chunks of `ids`, in their order, when the engine read them with the ranking (PostgreSQL
   * reads them in the same statement); `chunksByIds` need not read them again.
   */
  chunks?: ChunkRecord[];
}

export interface CleanupOptions {
  /** Roots neither indexed nor queried for this many days are removed. */
  days: number;
  /** Report what would be removed without removing it. */
  dryRun: boolean;
  /** "Now" in epoch ms; default the store's clock. */
  now?: number;
}

/** One stored chunk with its content (for semantic search results). */
export interface ChunkRecord {
  chunkId: number;
  /** Absolute path. */
  path: string;
  language: LanguageId;
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: 'header' | 'symbol' | 'code';
  content: string;
  hash: string;
  /** See `ExtractedChunk.context` (the definition's qualified name and container); '' for none. */
  context?: string;
  /** The file as indexed (see `SymbolHit.indexed`). */
  indexed?: IndexedFile;
}

/** A chunk whose content has no vector yet for a model (deduplicated by content hash). */
export interface MissingVectorChunk {
  hash: string;
  content: string;
  /** The chunk's symbol (qualified name), null for header chunks. */
  symbol: string | null;
  /** See `ExtractedChunk.context`. */
  context: string;
  /** The chunk's file, relative to its root (of the first chunk with this content). */
  path: string;
  /** The chunk's id: pass the last one back as `afterId` to continue after it. */
  chunkId: number;
}

/** A stored vector with its key, as `IndexStore.vectorsOfRoot` lists them. */
export interface StoredVector {
  hash: string;
  model: string;
  dims: number;
  /** As stored: L2-normalised. */
  vector: Float32Array;
}

export interface VectorRow {
  /** Chunk content hash (`ExtractedChunk.hash`). */
  hash: string;
  vector: Float32Array;
}

/** Row i of `matrix` (row-major, `ids.length × dims`, L2-normalised) is the vector of chunk `ids[i]`. */
export interface LoadedVectorMatrix {
  ids: number[];
  matrix: Float32Array;
  /** 0 when there are no vectors. */
  dims: number;
}

/** Distinct chunk contents of a root with and without a vector for one model. */
/** One of `count` embedding jobs of a root: it takes the chunks whose id is `index` modulo `count`. */
export interface EmbedShard {
  index: number;
  count: number;
}

export interface VectorCoverage {
  embedded: number;
  pending: number;
}

/**
 * The index, whatever engine holds it. Every method that reads or writes returns a promise, so an
 * engine that talks to a server fits behind the same interface as the embedded SQLite one (which
 * does its work synchronously and resolves). Paths passed in as `rootPath`/`pathPrefix`/`absPath`
 * are absolute; paths in `FileWrite` and `relPaths` are relative to the root with `/` separators.
 * Every query result carries absolute paths.
 */
export interface IndexStore {
  /** Absolute path of the database file. */
  readonly dbPath: string;
  readonly readonly: boolean;

  /** Writes one batch of files in ONE transaction: each file's old rows are replaced. */
  writeBatch(rootPath: string, writes: FileWrite[], removals?: string[]): Promise<WriteBatchResult>;
  /** Removes file rows (and their symbols, refs, chunks). Returns how many existed. */
  removeFiles(rootPath: string, relPaths: string[]): Promise<number>;
  /** Removes every file under a directory (`''` or `'.'` = the whole root). Returns the count. */
  removeUnder(rootPath: string, relDir: string): Promise<number>;
  /** Marks an indexing run complete: bumps `generation`, sets `last_indexed_at`. Returns the new generation. */
  completeGeneration(rootPath: string): Promise<number>;
  /** Records a query against a root; writes at most once per minute per root. Best effort. */
  touchQueried(rootPath: string): Promise<void>;
  listRoots(): Promise<RootRow[]>;
  /** Removes a root and everything under it. False when it was not indexed. */
  removeRoot(rootPath: string): Promise<boolean>;

  /** The stored state of every file of a root, or of the listed paths only (absent ones left out). */
  getFileStates(rootPath: string, relPaths?: readonly string[]): Promise<Map<string, FileState>>;
  getFileState(rootPath: string, relPath: string): Promise<FileState | null>;

  searchSymbols(q: SymbolQuery): Promise<SymbolSearchResult>;
  /** Symbols of one file in source order; null when the file is not indexed. */
  fileOutline(absPath: string): Promise<SymbolHit[] | null>;
  findReferences(q: RefQuery): Promise<RefSearchResult>;
  searchText(q: TextQuery): Promise<TextSearchResult>;
  /** The ranking of `searchText` without reading any chunk (hybrid search reads only its page). */
  rankText(q: TextQuery): Promise<RankedTextResult>;
  /** One entry per root (all roots, or the one given; `[]` when it is not indexed). */
  rootStatus(rootPath?: string): Promise<RootStatus[]>;
  cleanup(opts: CleanupOptions): Promise<CleanupResult>;
  /** FTS merge, planner statistics, WAL checkpoint, and a VACUUM when much of the file is free. */
  optimize(opts?: OptimizeOptions): Promise<OptimizeResult>;

  /**
   * Distinct chunk contents of a root without a vector for `model`, in chunk id order, at most
   * `limit`; only chunks after `afterId` when given (a caller embedding a root batch by batch
   * continues where the last batch ended instead of re-checking every chunk before it). With
   * `shard`, only chunks whose id is `index` modulo `count` (several embedding jobs share a root).
   */
  chunksMissingVectors(
    rootPath: string,
    model: string,
    limit: number,
    afterId?: number,
    shard?: EmbedShard,
  ): Promise<MissingVectorChunk[]>;
  /**
   * A number that changes whenever any vector is written or deleted (cheap: one row). Query
   * processes compare it to know when cached vector matrices are out of date.
   */
  vectorsVersion(): Promise<number>;
  /** Stores vectors (L2-normalised on the way in). Returns rows written. */
  upsertVectors(model: string, dims: number, rows: VectorRow[]): Promise<number>;
  loadVectors(rootPath: string, model: string): Promise<LoadedVectorMatrix>;
  vectorCoverage(rootPath: string, model: string): Promise<VectorCoverage>;
  /** Drops other models' vectors of a root once `model` covers it fully (a model change). */
  dropOtherModelVectors(rootPath: string, model: string): Promise<number>;
  /**
   * The stored vectors, of every model, of a root's embedded chunk contents: each (hash, model)
   * once, in (hash, model) order, at most `limit`, only after the key `after` when given (a caller
   * pages through a large root). What `codeindex migrate-store` copies to another index.
   */
  vectorsOfRoot(
    rootPath: string,
    limit: number,
    after?: { hash: string; model: string },
  ): Promise<StoredVector[]>;
  /** Chunks by id, in the order given; unknown ids are left out. */
  chunksByIds(ids: readonly number[]): Promise<ChunkRecord[]>;

  /**
   * Files, definitions and (distinct, non-import) references under a prefix, for the repo map.
   * Throws SCOPE_TOO_LARGE, before reading them, when the scope holds more than `maxSymbols`
   * definitions (default `GRAPH_MAX_SYMBOLS`).
   */
  graphData(pathPrefix?: PathScope, maxSymbols?: number): Promise<GraphData>;

  close(): Promise<void>;
}

/** Input of the repository map: ids tie symbols and refs to files. */
export interface GraphData {
  /** `rel` is relative to the file's root (`root`); `language` is the indexer's language id. */
  files: { id: number; path: string; rel: string; root: string; language: string | null }[];
  symbols: {
    fileId: number;
    name: string;
    kind: string;
    line: number;
    /** Last line of the definition: a definition inside a function's lines is local to it. */
    endLine: number;
    container: string | null;
    signature: string;
  }[];
  /**
   * `hints`: when every use of the name in the file is a method call on a variable or field, the
   * receivers as written (`call`, `this.bridge`; see `receiverHint`), else absent. `bare`: every
   * use is a plain call (`super()`: no method's or field's). Calls on a literal (`', '.join(x)`)
   * count as either, and a name only called on literals has no row (see `graphRef`).
   */
  refs: { fileId: number; name: string; hints?: string[]; bare?: true }[];
  /** Import statements: the module as written (`./job`, `..utils`, `net/http`) and the names taken. */
  imports: { fileId: number; source: string; names: string[] }[];
}

export interface OptimizeOptions {
  /**
   * SQLite: VACUUM when a quarter of the file is free (default true). It rewrites the whole file
   * under the write lock, so the upkeep right after an indexing run leaves it to the nightly
   * cleanup. PostgreSQL always runs a plain VACUUM, which blocks neither reads nor writes.
   */
  vacuum?: boolean;
  /**
   * SQLite: rebuild the common words' lists of best chunks for words in at least this many chunks
   * (0 removes them; see `./text-top.ts`). Unset: the lists are left as they are.
   */
  textTopMinDf?: number;
  /** Chunks listed per word (default 500; smaller in tests). */
  textTopSize?: number;
}

/** What `optimize` did. */
export interface OptimizeResult {
  pages: number;
  freePages: number;
  vacuumed: boolean;
  /**
   * The common-word lists, when asked for: words listed, whether the last build's lists were kept
   * (little changed since), and the time it took.
   */
  textTop?: { terms: number; reused: boolean; ms: number };
}
