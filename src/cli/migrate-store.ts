/**
 * `codeindex migrate-store --to postgres://...`: moves the SQLite index of this data dir into a
 * PostgreSQL database.
 *
 * Each root is indexed again into the target from its files, in this process, with the workers'
 * own `indexFiles` (parsing is cheap: a few seconds per thousand files), and the embedding vectors
 * (expensive to make again) are copied from the SQLite index by chunk content hash and model, so
 * no chunk whose content is unchanged is embedded twice. Copying rows instead would carry over
 * what the SQLite index lost or holds in its own form (references are stored per file and name,
 * an index made by an older extractor is marked for re-extraction) and files changed since the
 * last run; indexing again gives the target what a fresh run would. A root whose directory is gone
 * cannot be indexed again: it is reported and left out (the SQLite file keeps it).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { indexFiles, skippedWrite } from '../../workers/processors/index-files.js';
import { indexDbPath } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { scanRepository } from '../discovery/index.js';
import { embeddingModelName } from '../embeddings/model.js';
import { errorMessage, isCodeindexError } from '../errors.js';
import { createExtractor, type Extractor, isCandidateSource } from '../indexer/index.js';
import { isPostgresLocation, openIndexAt, openIndexStore } from '../store/index.js';
import type { IndexStore, StoredVector } from '../store/types.js';
import { createProgressReporter } from './progress.js';

/** What the command line gave. */
export interface MigrateStoreFlags {
  /** The target (`--to`); defaults to the configured `CODEINDEX_DATABASE_URL`. */
  to: string | undefined;
  /** Only this root (`--root`). */
  root: string | undefined;
  /** Replace roots the target already holds. */
  force: boolean;
  json: boolean;
}

/** What happened to one root. */
export interface RootMigration {
  root: string;
  /** `moved`; `present`: the target holds it and --force was not given; `missing`: its directory is gone. */
  outcome: 'moved' | 'present' | 'missing';
  /** One line, for roots not moved. */
  note?: string;
  files: { indexed: number; skipped: number; failed: number };
  symbols: number;
  refs: number;
  chunks: number;
  vectors_copied: number;
  /** Distinct chunk contents of the root without a vector for the configured model (0 when off). */
  vectors_to_embed: number;
}

/** Vectors read from SQLite and written to the target per round trip. */
const VECTOR_PAGE = 1000;

/** Runs the command; returns the exit code. Results on stdout, progress and errors on stderr. */
export async function runMigrateStore(cfg: Config, flags: MigrateStoreFlags): Promise<number> {
  const fail = (msg: string, code: number) => {
    process.stderr.write(`codeindex migrate-store: ${msg}\n`);
    return code;
  };
  const to = flags.to ?? cfg.databaseUrl;
  if (to === undefined || to === '')
    return fail('give the database to move the index to: --to postgres://user@host:5432/db', 2);
  if (!isPostgresLocation(to) || !URL.canParse(to))
    return fail(`--to takes a URL postgres://user@host:5432/db, not ${redact(to)}`, 2);
  const sqlitePath = indexDbPath(cfg);
  if (!existsSync(sqlitePath))
    return fail(
      `no SQLite index at ${sqlitePath}: nothing to move (--home or CODEINDEX_HOME names the data dir that holds it)`,
      1,
    );

  let source: IndexStore | null = null;
  let target: IndexStore | null = null;
  const progress = createProgressReporter();
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    source = openIndexStore(sqlitePath, { readonly: true });
    target = openIndexAt(to);
    const sourceRoots = (await source.listRoots()).map((r) => r.path);
    let roots = sourceRoots;
    if (flags.root !== undefined) {
      const wanted = matchRoot(flags.root, sourceRoots);
      if (wanted === null)
        return fail(
          `${flags.root} is not a root of the SQLite index at ${sqlitePath} (it holds: ${sourceRoots.join(', ') || 'none'})`,
          1,
        );
      roots = [wanted];
    }
    // Reaches the target (and brings its schema up to date) before any work: an unreachable
    // server fails here with its one line.
    const present = new Set((await target.listRoots()).map((r) => r.path));
    const model = cfg.embeddings.provider === 'off' ? null : embeddingModelName(cfg.embeddings);
    let extractor: Extractor | undefined;
    const results: RootMigration[] = [];
    for (const [i, root] of roots.entries()) {
      const label = roots.length > 1 ? `root ${i + 1}/${roots.length} ` : '';
      const left = leftOut(root, present.has(root), flags.force, target.dbPath);
      if (left) {
        process.stderr.write(`codeindex migrate-store: ${left.note}\n`);
        results.push(left);
        continue;
      }
      extractor ??= createExtractor({ parseTimeoutMs: cfg.parseTimeoutMs });
      results.push(
        await migrateRoot(root, {
          source,
          target,
          extractor,
          cfg,
          model,
          replace: present.has(root),
          signal: abort.signal,
          progress: (current, total, status) =>
            progress.update('PROGRESS', { current, total, status: `${label}${status}` }),
        }),
      );
      progress.done();
    }
    progress.done();
    // Planner statistics (and the common words' lists) for what was just written, as the upkeep
    // after an indexing run makes them: without them PostgreSQL planned searches over a fresh index
    // of Go's library 100-500x slower (symbol searches 200-580 ms instead of 1-5) until autovacuum came by.
    if (results.some((r) => r.outcome === 'moved')) {
      progress.update('PROGRESS', { current: 0, total: 0, status: 'analysing the moved index' });
      await target.optimize({ vacuum: false, textTopMinDf: cfg.textTopMinDf });
      progress.done();
    }
    const summary = summarize(target.dbPath, results, model);
    process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${renderMigration(summary)}\n`);
    return results.every((r) => r.outcome === 'moved') ? 0 : 1;
  } catch (err) {
    progress.done();
    if (abort.signal.aborted)
      return fail(
        'interrupted: the root being moved is only partly in the target; run again with --force to replace it',
        130,
      );
    if (!isCodeindexError(err)) return fail(errorMessage(err), 1);
    // The store's hint names the setting serve and workers read; here the URL came from --to.
    const msg = flags.to === undefined ? err.message : err.message.replace('CODEINDEX_DATABASE_URL', '--to');
    return fail(`${err.code}: ${msg}`, 1);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await source?.close().catch(() => {});
    await target?.close().catch(() => {});
  }
}

/** The root of `roots` that `arg` names (as given, absolute, or through links); null when none. */
function matchRoot(arg: string, roots: readonly string[]): string | null {
  const abs = resolve(arg);
  if (roots.includes(abs)) return abs;
  try {
    const real = realpathSync.native(abs);
    if (roots.includes(real)) return real;
  } catch {
    // A root whose directory is gone is named as it was indexed.
  }
  return null;
}

/** A root that is not moved, and why; null when it is to be moved. */
function leftOut(root: string, inTarget: boolean, force: boolean, target: string): RootMigration | null {
  const empty = {
    root,
    files: { indexed: 0, skipped: 0, failed: 0 },
    symbols: 0,
    refs: 0,
    chunks: 0,
    vectors_copied: 0,
    vectors_to_embed: 0,
  };
  if (!isDirectory(root))
    return {
      ...empty,
      outcome: 'missing',
      note: `${root}: the directory is gone, so it cannot be indexed again; left out (the SQLite index keeps it)`,
    };
  if (inTarget && !force)
    return {
      ...empty,
      outcome: 'present',
      note: `${root}: ${target} already holds it; left as it is (--force replaces it)`,
    };
  return null;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

interface MigrateRootDeps {
  source: IndexStore;
  target: IndexStore;
  extractor: Extractor;
  cfg: Config;
  /** The configured embedding model (null when embeddings are off). */
  model: string | null;
  /** The target holds the root already: it is removed first. */
  replace: boolean;
  signal: AbortSignal;
  progress: (current: number, total: number, status: string) => void;
}

/**
 * Indexes one root into the target from its files (as a repository run would: the same scan and
 * `indexFiles`, batch by batch), then copies the SQLite index's vectors of the root's chunk
 * contents, every model's.
 */
async function migrateRoot(root: string, d: MigrateRootDeps): Promise<RootMigration> {
  if (d.replace) await d.target.removeRoot(root);
  const scan = await scanRepository(root, {
    maxFileBytes: d.cfg.maxFileBytes,
    extraExcludes: d.cfg.extraExcludes,
    isSupported: isCandidateSource,
    signal: d.signal,
  });
  const skips = scan.skipped.map((s) => skippedWrite(s.path, s.reason, s.size ?? 0, s.mtimeMs ?? 0));
  // Also creates the root when it has no file to index.
  await d.target.writeBatch(root, skips);
  const total = scan.files.length;
  let done = 0;
  d.progress(0, total, `indexing ${root}`);
  for (let i = 0; i < total; i += d.cfg.batchSize) {
    const batch = scan.files.slice(i, i + d.cfg.batchSize).map((f) => f.path);
    await indexFiles(
      root,
      batch,
      { store: d.target, extractor: d.extractor, maxFileBytes: d.cfg.maxFileBytes },
      {
        force: true,
        signal: d.signal,
        onProgress: (n) => d.progress(done + n, total, `indexing ${root}`),
      },
    );
    d.signal.throwIfAborted();
    done += batch.length;
    d.progress(done, total, `indexing ${root}`);
  }
  await d.target.completeGeneration(root);

  let copied = 0;
  let after: { hash: string; model: string } | undefined;
  for (;;) {
    d.signal.throwIfAborted();
    const page = await d.source.vectorsOfRoot(root, VECTOR_PAGE, after);
    if (page.length === 0) break;
    for (const group of byModelAndDims(page)) {
      copied += await d.target.upsertVectors(group.model, group.dims, group.rows);
    }
    const last = page[page.length - 1]!;
    after = { hash: last.hash, model: last.model };
    d.progress(total, total, `${root}: ${copied.toLocaleString('en-US')} vectors copied`);
  }

  const [status] = await d.target.rootStatus(root);
  const pending = d.model === null ? 0 : (await d.target.vectorCoverage(root, d.model)).pending;
  return {
    root,
    outcome: 'moved',
    files: status?.files ?? { indexed: 0, skipped: 0, failed: 0 },
    symbols: status?.symbols ?? 0,
    refs: status?.refs ?? 0,
    chunks: status?.chunks ?? 0,
    vectors_copied: copied,
    vectors_to_embed: pending,
  };
}

/** A page of vectors split by model and dimensions: `upsertVectors` takes one of each. */
function byModelAndDims(
  page: readonly StoredVector[],
): { model: string; dims: number; rows: { hash: string; vector: Float32Array }[] }[] {
  const groups = new Map<
    string,
    { model: string; dims: number; rows: { hash: string; vector: Float32Array }[] }
  >();
  for (const v of page) {
    const key = `${v.dims}\n${v.model}`;
    let g = groups.get(key);
    if (!g) {
      g = { model: v.model, dims: v.dims, rows: [] };
      groups.set(key, g);
    }
    g.rows.push({ hash: v.hash, vector: v.vector });
  }
  return [...groups.values()];
}

/** The command's result (what `--json` prints). */
export interface MigrationSummary {
  target: string;
  model: string | null;
  roots: RootMigration[];
  totals: {
    roots_moved: number;
    roots_left_out: number;
    files: number;
    symbols: number;
    refs: number;
    chunks: number;
    vectors_copied: number;
    vectors_to_embed: number;
  };
}

function summarize(target: string, roots: RootMigration[], model: string | null): MigrationSummary {
  const moved = roots.filter((r) => r.outcome === 'moved');
  const sum = (f: (r: RootMigration) => number) => moved.reduce((n, r) => n + f(r), 0);
  return {
    target,
    model,
    roots,
    totals: {
      roots_moved: moved.length,
      roots_left_out: roots.length - moved.length,
      files: sum((r) => r.files.indexed + r.files.skipped + r.files.failed),
      symbols: sum((r) => r.symbols),
      refs: sum((r) => r.refs),
      chunks: sum((r) => r.chunks),
      vectors_copied: sum((r) => r.vectors_copied),
      vectors_to_embed: sum((r) => r.vectors_to_embed),
    },
  };
}

/** The summary for a person. */
export function renderMigration(s: MigrationSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const t = s.totals;
  const lines = [`moved ${t.roots_moved} of ${s.roots.length} roots to ${s.target}`];
  for (const r of s.roots) {
    if (r.outcome !== 'moved') {
      lines.push(`  left out ${r.note ?? r.root}`);
      continue;
    }
    lines.push(
      `  ${r.root}: ${n(r.files.indexed)} files indexed (${n(r.files.skipped)} skipped, ${n(r.files.failed)} failed), ` +
        `${n(r.symbols)} symbols, ${n(r.chunks)} chunks, ${n(r.vectors_copied)} vectors copied, ${n(r.vectors_to_embed)} left to embed`,
    );
  }
  lines.push(
    `total: ${n(t.roots_moved)} roots, ${n(t.files)} files, ${n(t.symbols)} symbols, ${n(t.refs)} references, ` +
      `${n(t.chunks)} chunks, ${n(t.vectors_copied)} vectors copied, ${n(t.vectors_to_embed)} left to embed` +
      (s.model ? ` (${s.model})` : ' (embeddings are off)'),
  );
  if (t.roots_moved > 0) {
    lines.push(`next: set CODEINDEX_DATABASE_URL to ${s.target} for serve and every worker`);
    if (t.vectors_to_embed > 0)
      lines.push('      then codeindex index <root> once per root queues the chunks left to embed');
  }
  return lines.join('\n');
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
