import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** A Celery-style rate limit: `100/m`, `10/s`, `3600/h`. */
export const rateLimitSchema = z
  .string()
  .regex(/^\d+\s*\/\s*[smh]$/, 'use the form N/s, N/m or N/h (for example "100/m")');

/** Default of `repoMapMaxSymbols` (measurements in src/store/graph.ts). */
export const REPO_MAP_MAX_SYMBOLS = 250_000;

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const bool = z.union(
  [
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']))
      .transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
  ],
  // The union's own message was "Invalid input", which said nothing of what it takes.
  { error: 'use true or false (or 1/0, yes/no, on/off)' },
);

/** Per job-kind retry and time-limit policy. Milliseconds. */
export const jobPolicySchema = z.object({
  attempts: positiveInt,
  backoffMs: nonNegativeInt,
  backoffMaxMs: nonNegativeInt,
  softTimeLimitMs: positiveInt,
  hardTimeLimitMs: positiveInt,
});
export type JobPolicy = z.infer<typeof jobPolicySchema>;

/**
 * A kind's policy in the file: each field omitted keeps that kind's default, so
 * `{"policies": {"batch": {"attempts": 5}}}` changes the attempts only. (Every field was required,
 * and one left out stopped the process with "expected number, received NaN".)
 */
const policyWithDefaults = (def: JobPolicy) =>
  z
    .object({
      attempts: positiveInt.default(def.attempts),
      backoffMs: nonNegativeInt.default(def.backoffMs),
      backoffMaxMs: nonNegativeInt.default(def.backoffMaxMs),
      softTimeLimitMs: positiveInt.default(def.softTimeLimitMs),
      hardTimeLimitMs: positiveInt.default(def.hardTimeLimitMs),
    })
    .default(def);

const MIN = 60_000;
const defaultPolicy = (over: Partial<JobPolicy> = {}): JobPolicy => ({
  attempts: 3,
  backoffMs: 1000,
  backoffMaxMs: 60_000,
  softTimeLimitMs: 25 * MIN,
  hardTimeLimitMs: 30 * MIN,
  ...over,
});

/** Default data dir: $CODEINDEX_HOME, else $XDG_CACHE_HOME/codeindex, else ~/.cache/codeindex. */
export function defaultHome(env: NodeJS.ProcessEnv): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'codeindex');
  return join(homedir(), '.cache', 'codeindex');
}

/** Every setting, with a default that works on a laptop. */
export const configSchema = z.object({
  home: z.string().min(1),
  /** Unset: embedded private redis-server, then 127.0.0.1:6379. */
  redisUrl: z
    .string()
    .url()
    // ioredis reads any other scheme as a socket path: http://host:6379 was "no socket at that path".
    .regex(
      /^(rediss?|unix):\/\//i,
      'use redis://host:port, rediss://host:port for TLS, or unix:///path/to.sock',
    )
    .optional(),
  /**
   * The index in PostgreSQL (`postgres://user@host:5432/db`) instead of the SQLite file under
   * `home`: one index for many processes and hosts.
   */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/i, 'a postgres:// URL (postgres://user@host:5432/dbname)')
    .optional(),
  /**
   * Whether producers ship source files to workers through Redis (content-addressed blobs) instead
   * of workers reading them from the producer's paths. `auto`: on with a `databaseUrl` (workers
   * may run on hosts that cannot see the source tree), off with the SQLite index (its workers share
   * the host). See docs/operations.md, "Workers without a shared disk".
   */
  shipSources: z.enum(['auto', 'on', 'off']).default('auto'),
  /** How long shipped sources stay in Redis waiting for a worker (seconds). */
  blobTtlSeconds: positiveInt.default(6 * 3600),
  /**
   * The private redis-server (no redisUrl) stops after this many seconds without any client, like
   * a build daemon's max idle time; the next codeindex start brings it back. 0 = never for
   * idleness (it still stops when its data dir is removed).
   */
  redisIdleSeconds: nonNegativeInt.default(1800),
  /** Allowed roots (absolute after loading). Empty: the client's MCP roots, else the working directory. */
  roots: z.array(z.string().min(1)).default([]),
  workers: nonNegativeInt.default(Math.max(1, availableParallelism() - 1)),
  /** Jobs one worker process runs at once per queue. */
  concurrency: positiveInt.default(1),
  maxFileBytes: positiveInt.default(1024 * 1024),
  /**
   * Longest one file's parse may take in a worker (ms). tree-sitter's error recovery is quadratic
   * on some broken inputs; such a file is recorded as failed instead of holding its batch.
   */
  parseTimeoutMs: positiveInt.default(10_000),
  batchSize: positiveInt.default(200),
  /**
   * Words in at least this many chunks get a precomputed list of their best chunks, built by the
   * upkeep after an indexing run, so a one-word `search_code` on a large index does not rank every
   * chunk that holds the word (src/store/text-top.ts; PostgreSQL: a fifth of it). 0 = no lists.
   */
  textTopMinDf: nonNegativeInt.default(10_000),
  /**
   * The most definitions `repo_map` ranks at once; a bigger scope gets SCOPE_TOO_LARGE naming its
   * parts to map instead (the map holds its whole scope in memory: src/store/graph.ts).
   */
  repoMapMaxSymbols: positiveInt.default(REPO_MAP_MAX_SYMBOLS),
  queuePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, dot, dash and underscore only')
    .default('codeindex'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  watch: bool.default(true),
  extraExcludes: z.array(z.string()).default([]),
  embeddings: z
    .object({
      provider: z.enum(['off', 'local', 'openai', 'voyage']).default('local'),
      model: z.string().optional(),
      baseUrl: z.string().url().optional(),
      dims: positiveInt.optional(),
      maxBatch: positiveInt.optional(),
      /** A Hugging Face-style ONNX model directory the `local` provider runs instead of USE-lite. */
      modelDir: z.string().min(1).optional(),
      /**
       * The MCP and HTTP servers let go of what semantic search holds after this many seconds
       * without a hybrid or semantic query: the local model (its thread and 150-300 MB) and the
       * vector thread with the roots' matrices. The next such query loads them again (about a
       * second for USE-lite). 0 keeps them.
       */
      idleSeconds: nonNegativeInt.default(600),
    })
    .default({ provider: 'local', idleSeconds: 600 }),
  rateLimits: z
    .object({
      indexing: rateLimitSchema.optional(),
      embeddings: rateLimitSchema.optional().default('600/m'),
      maintenance: rateLimitSchema.optional(),
    })
    .default({ embeddings: '600/m' }),
  policies: z
    .object({
      repository: policyWithDefaults(defaultPolicy({ attempts: 2 })),
      batch: policyWithDefaults(defaultPolicy()),
      file: policyWithDefaults(defaultPolicy({ softTimeLimitMs: 2 * MIN, hardTimeLimitMs: 5 * MIN })),
      embed: policyWithDefaults(defaultPolicy({ attempts: 8, backoffMs: 2000, backoffMaxMs: 5 * MIN })),
      maintenance: policyWithDefaults(defaultPolicy({ attempts: 2 })),
    })
    .default({
      repository: defaultPolicy({ attempts: 2 }),
      batch: defaultPolicy(),
      file: defaultPolicy({ softTimeLimitMs: 2 * MIN, hardTimeLimitMs: 5 * MIN }),
      embed: defaultPolicy({ attempts: 8, backoffMs: 2000, backoffMaxMs: 5 * MIN }),
      maintenance: defaultPolicy({ attempts: 2 }),
    }),
  /** How long finished job records are kept (Celery's result_expires). Seconds. */
  resultTtlSeconds: positiveInt.default(3600),
  failedTtlSeconds: positiveInt.default(7 * 24 * 3600),
  /**
   * Job locks (Celery's acks_late): a job whose worker stops renewing its lock for this long is
   * treated as stalled and retried; after `maxStalledCount` stalls it fails (and is dead-lettered).
   */
  lockDurationMs: positiveInt.default(60_000),
  stalledIntervalMs: positiveInt.default(30_000),
  maxStalledCount: nonNegativeInt.default(1),
  /** Worker recycling (Celery's max_tasks_per_child / max_memory_per_child). 0 = never. */
  maxTasksPerChild: nonNegativeInt.default(0),
  maxMemoryPerChildMb: nonNegativeInt.default(0),
  /** Cron for the periodic cleanup (Celery beat). Empty string disables it. */
  cleanupCron: z.string().default('17 3 * * *'),
  cleanupDays: positiveInt.default(7),
  /** HMAC secret for job payloads; when set, workers reject unsigned or badly signed jobs. */
  secret: z.string().min(16, 'use at least 16 characters').optional(),
  /** With a secret: a signed job issued longer ago than this is rejected as a replay (7 days). */
  signedJobMaxAgeSeconds: positiveInt.default(7 * 24 * 3600),
  /** Enables job kinds that exist only for tests. Never set in production. */
  testJobs: bool.default(false),
});

export type Config = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;
