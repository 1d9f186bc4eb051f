import { statSync } from 'node:fs';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { findRootFor } from '../../discovery/index.js';
import { coverageReport, formatEta } from '../../embeddings/coverage.js';
import { CodeindexError } from '../../errors.js';
import type { RootFailures } from '../../queue/task-client.js';
import type { IndexStore, RootStatus } from '../../store/types.js';
import type { CodeSearch } from '../code-search.js';
import type { ToolContext } from '../context.js';
import { runTool, toolResult } from '../results.js';
import { isUnder, queryScope, rootInScope } from '../scope.js';

const rootOut = z.object({
  root: z.string(),
  generation: z.number(),
  last_indexed_at: z.string().nullable(),
  files: z.object({ indexed: z.number(), skipped: z.number(), failed: z.number() }),
  skipped_by_reason: z.record(z.string(), z.number()),
  /** Skipped files per language (`other`: not known) and reason. */
  skipped_by_language: z.record(z.string(), z.record(z.string(), z.number())),
  symbols: z.number(),
  refs: z.number(),
  chunks: z.number(),
  languages: z.record(z.string(), z.number()),
  failed_files: z.array(z.object({ path: z.string(), error: z.string() })),
  embeddings: z
    .object({
      model: z.string(),
      embedded: z.number(),
      pending: z.number(),
      failed_jobs: z.number().optional(),
      /** Share of chunk contents with a vector (search uses those while the rest are embedded). */
      coverage: z.number().optional(),
      /** Seconds to full coverage at the running embed job's pace; null when none is running. */
      eta_seconds: z.number().nullable().optional(),
    })
    .optional(),
  /** Batches the last repository run could not index; cleared by the next complete run. */
  incomplete: z
    .object({
      task_id: z.string(),
      at: z.string(),
      failed_batches: z.number(),
      batches: z.number(),
      files_not_indexed: z.number(),
      first_errors: z.array(
        z.object({
          batch: z.string(),
          files: z.number(),
          first_file: z.string().nullable(),
          error: z.string(),
        }),
      ),
    })
    .optional(),
  notes: z.record(z.string(), z.unknown()).optional(),
});

/**
 * One root's status in the shape `index_status` and the dashboard share: counts, skips by reason,
 * failures, last indexed time and, when embeddings are on, vector coverage for `model`.
 */
export async function describeRootStatus(store: IndexStore, s: RootStatus, model: string | null) {
  const coverage = model ? await store.vectorCoverage(s.root, model) : null;
  return {
    root: s.root,
    generation: s.generation,
    last_indexed_at: s.lastIndexedAt ? new Date(s.lastIndexedAt).toISOString() : null,
    files: s.files,
    skipped_by_reason: s.skippedByReason as Record<string, number>,
    skipped_by_language: s.skippedByLanguage as Record<string, Record<string, number>>,
    symbols: s.symbols,
    refs: s.refs,
    chunks: s.chunks,
    languages: s.languages as Record<string, number>,
    failed_files: s.failedFiles.slice(0, 20),
    ...(model && coverage
      ? {
          embeddings: { model, ...coverage } as {
            model: string;
            embedded: number;
            pending: number;
            failed_jobs?: number;
            coverage?: number;
            eta_seconds?: number | null;
          },
        }
      : {}),
  };
}

/**
 * The status `index_status {path}` shows: the indexed root that holds `abs` (the deepest, when
 * roots nest), with a line saying so when `abs` is below it; else the roots inside `abs` (a folder
 * above them). A subfolder or a file of a root answered `roots: []` without a word, as if nothing
 * were indexed; a path no root covers is `NOT_INDEXED`.
 */
async function statusOfPath(
  store: IndexStore,
  abs: string,
): Promise<{ statuses: RootStatus[]; lead: string | null }> {
  const indexed = (await store.listRoots()).map((r) => r.path);
  const root = findRootFor(abs, indexed);
  if (root !== undefined)
    return {
      statuses: await store.rootStatus(root),
      lead: root === abs ? null : `(${abs} lies in the indexed root ${root})`,
    };
  const below = indexed.filter((r) => isUnder(abs, r));
  if (below.length > 0)
    return { statuses: (await store.rootStatus()).filter((s) => below.includes(s.root)), lead: null };
  const isFile = statSync(abs, { throwIfNoEntry: false })?.isFile() === true;
  throw new CodeindexError(
    'NOT_INDEXED',
    `${abs} is not indexed: call ${isFile ? 'index_repository on its folder, or index_file on it' : 'index_repository on it'}`,
  );
}

/** `index_status`: what is indexed, what was skipped and why, and what is pending. */
export function registerIndexStatusTool(server: McpServer, ctx: ToolContext, search: CodeSearch): void {
  server.registerTool(
    'index_status',
    {
      title: 'Index status',
      description:
        'Indexed roots with file, symbol, reference and chunk counts, skipped files by reason, failed files, last indexed time, embedding coverage and pending jobs.',
      inputSchema: {
        path: z
          .string()
          .optional()
          .describe('A root, or a folder or file in one: its root (default: all indexed roots)'),
      },
      outputSchema: {
        roots: z.array(rootOut),
        pending_jobs: z.number().nullable(),
        note: z.string().optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ path }) =>
      runTool(async () => {
        const store = ctx.store();
        // A database that has never held a root is what a missing SQLite file is: nothing yet.
        if (ctx.cfg.databaseUrl !== undefined && path === undefined && (await store.listRoots()).length === 0)
          throw new CodeindexError(
            'NOT_INDEXED',
            'nothing is indexed yet: call index_repository with the project folder first',
          );
        // Only roots this client may see: a path names one of them; without one, all it may see.
        const scope = await queryScope(ctx, path);
        const { statuses, lead } =
          path !== undefined && scope?.[0] !== undefined
            ? await statusOfPath(store, scope[0])
            : {
                statuses: (await store.rootStatus()).filter((s) => rootInScope(s.root, scope)),
                lead: null,
              };
        const model = ctx.cfg.embeddings.provider === 'off' ? null : search.model;
        const roots: (Awaited<ReturnType<typeof describeRootStatus>> & {
          incomplete?: RootFailures;
          notes?: Record<string, unknown>;
        })[] = [];
        for (const s of statuses) {
          const notes = ctx.rootNotes?.(s.root);
          roots.push({
            ...(await describeRootStatus(store, s, model)),
            ...(notes && Object.keys(notes).length ? { notes } : {}),
          });
        }
        let pending: number | null = null;
        let note: string | undefined;
        try {
          const tasks = await ctx.tasks();
          const failures = await tasks.rootFailures(roots.map((r) => r.root));
          for (const r of roots) {
            const f = failures.get(r.root);
            if (f) r.incomplete = f;
          }
          const stats = await tasks.stats();
          pending = stats.queues
            .filter((q) => q.queue !== 'dead-letter')
            .reduce(
              (a, q) =>
                a +
                q.counts.active +
                q.counts.waiting +
                q.counts.delayed -
                q.counts.scheduled +
                q.counts.waiting_children,
              0,
            );
          // Embedding jobs that exhausted their retries, per root (the dead-letter queue is small).
          const dead = await tasks.listTasks({ state: 'dead', limit: 200 });
          const active = await tasks.listTasks({ state: 'active', queue: 'embeddings', limit: 50 });
          for (const r of roots) {
            if (!r.embeddings) continue;
            // A root's embedding runs as one job per embedding worker: their progress adds up.
            const jobs = active.filter(
              (a) =>
                a.name === 'embed-chunks' &&
                a.started_at &&
                (a.data?.payload as { root?: string } | undefined)?.root === r.root,
            );
            Object.assign(
              r.embeddings,
              coverageReport(
                r.embeddings,
                jobs.length
                  ? {
                      current: jobs.reduce((n, j) => n + (j.progress?.current ?? 0), 0),
                      startedAt: Math.min(...jobs.map((j) => Date.parse(j.started_at!))),
                    }
                  : null,
                Date.now(),
              ),
            );
            r.embeddings.failed_jobs = dead.filter(
              (d) =>
                d.name === 'embed-chunks' &&
                (d.data?.payload as { root?: string } | undefined)?.root === r.root,
            ).length;
          }
        } catch (err) {
          note = `job counts unavailable: ${(err as Error).message}`;
        }
        const lines = roots.map(
          (r) =>
            `${r.root}: ${r.files.indexed} files indexed, ${r.files.skipped} skipped${
              Object.keys(r.skipped_by_reason).length
                ? ` (${Object.entries(r.skipped_by_reason)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')})`
                : ''
            }, ${r.files.failed} failed; ${r.symbols} symbols, ${r.refs} refs, ${r.chunks} chunks; last indexed ${r.last_indexed_at ?? 'never'}${
              r.embeddings
                ? `; embeddings ${r.embeddings.embedded}/${r.embeddings.embedded + r.embeddings.pending}${
                    r.embeddings.pending > 0 && r.embeddings.eta_seconds
                      ? ` (~${formatEta(r.embeddings.eta_seconds)} left)`
                      : ''
                  }`
                : ''
            }${
              r.incomplete
                ? `; INCOMPLETE: the run of ${r.incomplete.at} left ${r.incomplete.files_not_indexed} files in ${r.incomplete.failed_batches} failed batches (first: ${r.incomplete.first_errors[0]?.error ?? '?'}); fix the cause and index again`
                : ''
            }`,
        );
        if (lead !== null) lines.unshift(lead);
        if (pending !== null) lines.push(`pending jobs: ${pending}`);
        if (note) lines.push(note);
        const out: Record<string, unknown> = { roots, pending_jobs: pending };
        if (note) out.note = note;
        return toolResult(out, lines.join('\n') || 'nothing indexed yet: call index_repository');
      }),
  );
}
