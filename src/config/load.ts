import { readFileSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { z } from 'zod';
import { CodeindexError } from '../errors.js';
import { editDistance } from './closest.js';
import { type Config, configSchema, defaultHome } from './schema.js';

/** Flags that map onto settings; everything is optional. */
export interface ConfigFlags {
  config?: string | undefined;
  redisUrl?: string | undefined;
  databaseUrl?: string | undefined;
  home?: string | undefined;
  roots?: string[] | undefined;
  workers?: string | number | undefined;
  batchSize?: string | number | undefined;
  maxFileBytes?: string | number | undefined;
  queuePrefix?: string | undefined;
  logLevel?: string | undefined;
  watch?: boolean | undefined;
}

type Raw = Record<string, unknown>;

/** The environment variables we read, and the setting each one feeds. */
export const ENV_VARS: Readonly<Record<string, string>> = {
  REDIS_URL: 'redisUrl',
  CODEINDEX_DATABASE_URL: 'databaseUrl',
  CODEINDEX_SHIP_SOURCES: 'shipSources',
  CODEINDEX_BLOB_TTL_SECONDS: 'blobTtlSeconds',
  CODEINDEX_HOME: 'home',
  CODEINDEX_ROOTS: 'roots',
  CODEINDEX_WORKERS: 'workers',
  CODEINDEX_CONCURRENCY: 'concurrency',
  CODEINDEX_MAX_FILE_BYTES: 'maxFileBytes',
  CODEINDEX_PARSE_TIMEOUT_MS: 'parseTimeoutMs',
  CODEINDEX_BATCH_SIZE: 'batchSize',
  CODEINDEX_TEXT_TOP_MIN_DF: 'textTopMinDf',
  CODEINDEX_REPO_MAP_MAX_SYMBOLS: 'repoMapMaxSymbols',
  CODEINDEX_QUEUE_PREFIX: 'queuePrefix',
  CODEINDEX_LOG_LEVEL: 'logLevel',
  CODEINDEX_WATCH: 'watch',
  CODEINDEX_EXCLUDES: 'extraExcludes',
  CODEINDEX_EMBEDDINGS: 'embeddings.provider',
  CODEINDEX_EMBEDDINGS_MODEL: 'embeddings.model',
  CODEINDEX_EMBEDDINGS_URL: 'embeddings.baseUrl',
  CODEINDEX_EMBEDDINGS_DIMS: 'embeddings.dims',
  CODEINDEX_EMBEDDINGS_BATCH: 'embeddings.maxBatch',
  CODEINDEX_EMBED_MODEL_DIR: 'embeddings.modelDir',
  CODEINDEX_EMBEDDINGS_IDLE: 'embeddings.idleSeconds',
  CODEINDEX_RATE_LIMIT_INDEXING: 'rateLimits.indexing',
  CODEINDEX_RATE_LIMIT_EMBEDDINGS: 'rateLimits.embeddings',
  CODEINDEX_RATE_LIMIT_MAINTENANCE: 'rateLimits.maintenance',
  CODEINDEX_RESULT_TTL: 'resultTtlSeconds',
  CODEINDEX_FAILED_TTL: 'failedTtlSeconds',
  CODEINDEX_MAX_TASKS_PER_CHILD: 'maxTasksPerChild',
  CODEINDEX_MAX_MEMORY_PER_CHILD_MB: 'maxMemoryPerChildMb',
  CODEINDEX_CLEANUP_CRON: 'cleanupCron',
  CODEINDEX_CLEANUP_DAYS: 'cleanupDays',
  CODEINDEX_SECRET: 'secret',
  CODEINDEX_SIGNED_JOB_MAX_AGE: 'signedJobMaxAgeSeconds',
  CODEINDEX_LOCK_DURATION_MS: 'lockDurationMs',
  CODEINDEX_STALLED_INTERVAL_MS: 'stalledIntervalMs',
  CODEINDEX_MAX_STALLED_COUNT: 'maxStalledCount',
  CODEINDEX_TEST_JOBS: 'testJobs',
  CODEINDEX_REDIS_IDLE_TIMEOUT: 'redisIdleSeconds',
};

const LIST_KEYS = new Set(['roots', 'extraExcludes']);
/** Settings where an empty value is a choice, not "unset": `CODEINDEX_CLEANUP_CRON=` disables the schedule. */
const EMPTY_IS_VALUE = new Set(['cleanupCron']);

function setPath(target: Raw, path: string, value: unknown): void {
  const parts = path.split('.');
  let obj = target;
  for (const p of parts.slice(0, -1)) {
    const next = obj[p];
    if (typeof next !== 'object' || next === null) obj[p] = {};
    obj = obj[p] as Raw;
  }
  obj[parts.at(-1)!] = value;
}

function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Raw, v as Raw)
        : v;
  }
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const out: Raw = {};
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v === undefined) continue;
    if (v === '') {
      if (EMPTY_IS_VALUE.has(key)) setPath(out, key, '');
      continue;
    }
    const list = key === 'roots' ? v.split(delimiter) : v.split(',');
    setPath(out, key, LIST_KEYS.has(key) ? list.map((s) => s.trim()).filter(Boolean) : v);
  }
  return out;
}

function fromFile(path: string): Raw {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
  } catch (err) {
    throw new CodeindexError(
      'CONFIG_INVALID',
      `cannot read config file ${path}: ${(err as Error).message}; fix the JSON or drop --config`,
    );
  }
  const unknown = unknownKeys(parsed as Raw, configSchema) ?? unfitValue(parsed as Raw, configSchema);
  if (unknown) throw new CodeindexError('CONFIG_INVALID', `config file ${path}: ${unknown}`);
  return parsed as Raw;
}

/** The object schema inside `schema`'s defaults and optionals, if it is one. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}

/**
 * The first key of a config file that no setting reads, said with the closest known one (the
 * schema drops unknown keys, so `"batch_size": 50` left the default in force without a word).
 * Keys starting with `$` (`$schema`, `$comment`) are left alone.
 */
function unknownKeys(obj: Raw, schema: z.ZodType, at = ''): string | undefined {
  const shape = objectShape(schema);
  if (!shape) return undefined;
  const known = Object.keys(shape);
  for (const [key, value] of Object.entries(obj)) {
    if (key.startsWith('$')) continue;
    const sub = shape[key];
    if (sub === undefined) {
      const guess = known.reduce((best, k) =>
        editDistance(key.toLowerCase(), k.toLowerCase()) < editDistance(key.toLowerCase(), best.toLowerCase())
          ? k
          : best,
      );
      return `unknown setting ${at}${key}; did you mean ${at}${guess}?`;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const inner = unknownKeys(value as Raw, sub, `${at}${key}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Whether a schema (inside its defaults and optionals) coerces its input to a number. */
function coercesToNumber(schema: z.ZodType): boolean {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodNumber && (s._zod.def as { coerce?: boolean }).coerce === true;
}

/**
 * The first value of a config file that the schema would take for something else: `null` anywhere
 * (`"workers": null` was coerced to 0 workers, so indexing waited for workers that never came), and
 * for a number, `true`, `false` or `""` (1, 0 and 0). Environment variables are text and stay so.
 */
function unfitValue(obj: Raw, schema: z.ZodType, at = ''): string | undefined {
  const shape = objectShape(schema);
  if (!shape) return undefined;
  for (const [key, value] of Object.entries(obj)) {
    const sub = shape[key];
    if (sub === undefined) continue;
    if (value === null)
      return `invalid setting ${at}${key}: null is no value; leave the key out for the default`;
    if (
      coercesToNumber(sub) &&
      (typeof value === 'boolean' || (typeof value === 'string' && value.trim() === ''))
    )
      return `invalid setting ${at}${key}: expected a number, got ${JSON.stringify(value)}`;
    if (typeof value === 'object' && !Array.isArray(value)) {
      const inner = unfitValue(value as Raw, sub, `${at}${key}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** What a setting's zod issue says, with the value given when a number was expected. */
function issueMessage(issue: z.core.$ZodIssue, raw: Raw): string {
  if (issue.code === 'invalid_type' && issue.expected === 'number') {
    let value: unknown = raw;
    for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
    // `z.coerce` turned the text into NaN: "received NaN" did not say what was wrong with it.
    if (value !== undefined) return `expected a number, got ${JSON.stringify(value)}`;
  }
  return issue.message;
}

/**
 * Builds the one frozen Config from defaults < config file < environment < flags.
 * Throws CodeindexError('CONFIG_INVALID') with one line naming the bad setting.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const filePath = flags.config ?? env.CODEINDEX_CONFIG;
  let raw: Raw = { home: env.CODEINDEX_HOME || defaultHome(env) };
  if (filePath) raw = deepMerge(raw, fromFile(filePath));
  raw = deepMerge(raw, fromEnv(env));
  const flagRaw: Raw = {};
  const flagMap: [keyof ConfigFlags, string][] = [
    ['redisUrl', 'redisUrl'],
    ['databaseUrl', 'databaseUrl'],
    ['home', 'home'],
    ['roots', 'roots'],
    ['workers', 'workers'],
    ['batchSize', 'batchSize'],
    ['maxFileBytes', 'maxFileBytes'],
    ['queuePrefix', 'queuePrefix'],
    ['logLevel', 'logLevel'],
    ['watch', 'watch'],
  ];
  for (const [flag, key] of flagMap) if (flags[flag] !== undefined) setPath(flagRaw, key, flags[flag]);
  raw = deepMerge(raw, flagRaw);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') || 'config';
    const envName = Object.entries(ENV_VARS).find(([, k]) => k === where)?.[0];
    throw new CodeindexError(
      'CONFIG_INVALID',
      `invalid setting ${where}${envName ? ` (${envName})` : ''}: ${issue ? issueMessage(issue, raw) : 'invalid'}`,
    );
  }
  const cfg = result.data;
  const out = {
    ...cfg,
    home: resolve(cfg.home),
    roots: cfg.roots.map((r) => resolve(r)),
  };
  return deepFreeze(out);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Serialises a config for a child process (workers inherit the exact resolved settings). */
export function configToEnv(cfg: Config): string {
  return JSON.stringify(cfg);
}

/** Reads a config serialised by `configToEnv`, validating it again. */
export function configFromEnv(json: string): Config {
  const parsed = configSchema.safeParse(JSON.parse(json));
  if (!parsed.success)
    throw new CodeindexError('CONFIG_INVALID', `bad inherited config: ${z.prettifyError(parsed.error)}`);
  return deepFreeze(parsed.data);
}
