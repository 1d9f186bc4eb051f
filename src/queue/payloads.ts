import { z } from 'zod';
import { JOBS, type JobName } from './names.js';

const absPath = z.string().min(1).startsWith('/', 'must be an absolute path');
const relPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be relative to the root, without ..',
  );
const priority = z.enum(['high', 'normal', 'low']);
/**
 * Set by the producer when it shipped the files through Redis (see `source-blobs.ts`): the worker
 * reads what Redis holds for each path, never its own disk.
 */
const shipped = z.boolean().default(false);

/** Zod schema of each job kind's payload; producers and workers both parse with these. */
export const PAYLOADS = {
  [JOBS.indexRepository]: z.object({
    root: absPath,
    force: z.boolean().default(false),
    priority: priority.default('normal'),
    /** The scan, made and shipped by the producer: the job reads it instead of scanning. */
    manifest: z
      .object({ id: z.string().regex(/^[0-9a-f]{32}$/), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
      .optional(),
  }),
  [JOBS.indexBatch]: z.object({
    root: absPath,
    paths: z.array(relPath).min(1),
    force: z.boolean().default(false),
    shipped,
  }),
  [JOBS.indexFile]: z.object({ root: absPath, path: relPath, shipped }),
  [JOBS.removeFiles]: z.object({
    root: absPath,
    paths: z.array(relPath).default([]),
    dirs: z.array(z.string()).default([]),
  }),
  [JOBS.embedChunks]: z
    .object({
      root: absPath,
      model: z.string().min(1),
      /** This job's share of the root: chunks whose id is `shard` modulo `shards`. */
      shard: z.number().int().min(0).default(0),
      shards: z.number().int().min(1).max(64).default(1),
    })
    .refine((p) => p.shard < p.shards, { message: 'shard must be below shards' }),
  [JOBS.cleanup]: z.object({
    days: z.number().int().positive().default(7),
    dryRun: z.boolean().default(false),
  }),
  [JOBS.optimizeIndex]: z.object({}),
  [JOBS.testSleep]: z.object({ ms: z.number().int().min(0), steps: z.number().int().positive().default(10) }),
  [JOBS.testFail]: z.object({
    message: z.string().default('test failure'),
    unrecoverable: z.boolean().default(false),
  }),
} as const satisfies Record<JobName, z.ZodType>;

export type PayloadOf<N extends JobName> = z.output<(typeof PAYLOADS)[N]>;
export type PayloadInput<N extends JobName> = z.input<(typeof PAYLOADS)[N]>;

/** Keys we add next to the payload in `job.data`; never part of the signed payload. */
export interface JobEnvelopeExtras {
  _sig?: string;
  /** Step state of a multi-step job (the repository job); written by the worker. */
  _state?: unknown;
}

/** Splits `job.data` into the payload and our bookkeeping keys. */
export function splitEnvelope(data: unknown): {
  payload: Record<string, unknown>;
  extras: JobEnvelopeExtras;
} {
  const obj = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!k.startsWith('_')) payload[k] = v;
  return { payload, extras: { _sig: obj._sig as string, _state: obj._state } as JobEnvelopeExtras };
}
