import { Redis, type RedisOptions } from 'ioredis';
import { CodeindexError } from '../errors.js';

/** What a connection is for: blocking consumers need unlimited retries, clients should fail fast. */
export type RedisRole = 'worker' | 'client';

/**
 * Creates an ioredis connection from a URL. `redis://`, `rediss://` (TLS) and AUTH in the URL
 * are handled by ioredis; `unix:///path/to.sock` selects a unix socket (the embedded default).
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    // BullMQ workers must never give up on a command; clients get a bounded wait instead.
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableReadyCheck: true,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(200 * times, 2000),
    lazyConnect: false,
    ...extra,
  };
  const redis = url.startsWith('unix://')
    ? new Redis({ ...base, path: decodeURIComponent(new URL(url).pathname) })
    : new Redis(url, base);
  // Remembered so a command that fails can say why (a wrong password only shows up here, and
  // ioredis' own error for a command given up on names its retry limit, not the cause).
  redis.on('error', (err: Error & { code?: string }) => {
    const e = { message: err.message, code: err.code, at: Date.now() };
    lastErrors.set(url, e);
    if (FAILED_CONNECT.has(err.code ?? '')) connectErrors.set(redis, e);
  });
  redis.on('ready', () => connectErrors.delete(redis));
  return redis;
}

interface SeenError {
  message: string;
  code: string | undefined;
  at: number;
}

/** The last connection error of any connection to a URL, for the messages of later failures. */
const lastErrors = new Map<string, SeenError>();
/** Per connection: the error of its last failed connect, until it is ready again. */
const connectErrors = new WeakMap<Redis, SeenError>();
/** How long a connection error explains later failures. */
const RECENT_ERROR_MS = 30_000;
const AUTH_ERROR = /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username-password/i;
/** Socket errors of a connect that failed, in words a user knows. */
const CONNECT_ERROR_CODES = new Map<string, string>([
  ['ECONNREFUSED', 'connection refused'],
  ['ENOENT', 'no socket at that path'],
  ['ETIMEDOUT', 'connect timed out'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['ENETUNREACH', 'network unreachable'],
  ['ENOTFOUND', 'host not found'],
  ['EAI_AGAIN', 'host name lookup failed'],
  ['ECONNRESET', 'connection reset'],
  ['EPIPE', 'connection reset'],
]);
/** Of those, the ones that mean a connect failed (not a reset, which the next connect may mend). */
const FAILED_CONNECT = new Set(
  [...CONNECT_ERROR_CODES.keys()].filter((code) => code !== 'ECONNRESET' && code !== 'EPIPE'),
);

function recentError(url: string): SeenError | null {
  const e = lastErrors.get(url);
  return e !== undefined && Date.now() - e.at < RECENT_ERROR_MS ? e : null;
}

/** ioredis gave a command up after its retries: its message names the limit, not the cause. */
const GAVE_UP = /max retries per request|maxRetriesPerRequest/i;

/** The URL with any password removed, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid redis url>';
  }
}

/**
 * Runs a Redis-backed operation with a deadline so a tool call never hangs while Redis is away.
 * A timeout or connection error becomes REDIS_UNAVAILABLE with its cause and a fix hint. Given
 * the connection the operation uses, and that connection gives commands up (a finite
 * `maxRetriesPerRequest`: producers, not workers), a call while it is known to be down (its last
 * connect failed, it has not been ready since) fails at once instead of waiting out its retries.
 */
export async function withRedisDeadline<T>(
  url: string,
  op: () => Promise<T>,
  ms = 4000,
  conn?: Redis,
): Promise<T> {
  const down = conn === undefined ? undefined : knownDown(conn);
  if (down !== undefined) throw cannotConnect(url, down);
  let stopDeadline: () => void = () => {};
  const deadline = new Promise<never>((_, reject) => {
    stopDeadline = afterFreeLoopTime(ms, () => {
      const recent = recentError(url);
      if (recent !== null && AUTH_ERROR.test(recent.message)) reject(redisAuthFailed(url, recent.message));
      else if (recent !== null && CONNECT_ERROR_CODES.has(recent.code ?? ''))
        reject(cannotConnect(url, recent));
      else
        reject(
          redisUnavailable(
            url,
            `no answer within ${ms} ms${recent === null ? '' : `; last error: ${recent.message}`}`,
          ),
        );
    });
  });
  try {
    return await Promise.race([op(), deadline]);
  } catch (err) {
    if (err instanceof CodeindexError) throw err;
    const e = err as Error & { code?: string };
    const msg = e?.message ?? String(err);
    if (AUTH_ERROR.test(msg)) throw redisAuthFailed(url, msg);
    if (CONNECT_ERROR_CODES.has(e?.code ?? '')) throw cannotConnect(url, { message: msg, code: e.code });
    if (GAVE_UP.test(msg)) {
      // The cause is what the connection last failed at.
      const cause = (conn && connectErrors.get(conn)) ?? recentError(url);
      if (cause && AUTH_ERROR.test(cause.message)) throw redisAuthFailed(url, cause.message);
      if (cause && CONNECT_ERROR_CODES.has(cause.code ?? '')) throw cannotConnect(url, cause);
      throw redisUnavailable(url, cause ? cause.message : 'no connection');
    }
    if (/ECONNREFUSED|ENOENT|ETIMEDOUT|Connection is closed|Stream isn't writeable|connect/i.test(msg)) {
      throw redisUnavailable(url, msg);
    }
    throw err;
  } finally {
    stopDeadline();
  }
}

/** How often the deadline looks at the clock; a later look counts as at most two steps. */
const DEADLINE_STEP_MS = 100;

/**
 * Calls `expire` once the event loop has been free for `ms` (a wall-clock deadline blamed Redis for
 * a loop held by synchronous work: a server answering many tool calls at once, each a SQLite query,
 * said "Redis is unreachable (no answer within 10000 ms)" of a Redis that had answered at once, and
 * the answer sat unread in the socket). A step that comes late counts as two steps at most, and
 * `expire` runs after the I/O phase, so an answer that came meanwhile is read first. Returns what
 * cancels it.
 */
function afterFreeLoopTime(ms: number, expire: () => void): () => void {
  let waited = 0;
  let last = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const step = () => {
    const now = Date.now();
    waited += Math.min(now - last, 2 * DEADLINE_STEP_MS);
    last = now;
    if (waited >= ms) immediate = setImmediate(expire);
    else timer = setTimeout(step, Math.min(DEADLINE_STEP_MS, ms - waited));
  };
  timer = setTimeout(step, Math.min(DEADLINE_STEP_MS, ms));
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}

/** The failed connect a fail-fast connection is down with, or undefined when it may answer. */
function knownDown(conn: Redis): SeenError | undefined {
  if (conn.options.maxRetriesPerRequest === null || conn.status === 'ready') return undefined;
  return connectErrors.get(conn);
}

/** The message for a Redis we cannot connect to, with the socket's reason. */
function cannotConnect(url: string, cause: Pick<SeenError, 'message' | 'code'>): CodeindexError {
  const reason = CONNECT_ERROR_CODES.get(cause.code ?? '') ?? cause.message.split('\n')[0];
  return new CodeindexError(
    'REDIS_UNAVAILABLE',
    `cannot connect to Redis at ${redactRedisUrl(url)} (${reason}): start redis-server or set REDIS_URL; query tools still answer from the index`,
  );
}

/** The one message for an unreachable Redis. */
export function redisUnavailable(url: string, detail: string): CodeindexError {
  return new CodeindexError(
    'REDIS_UNAVAILABLE',
    `Redis at ${redactRedisUrl(url)} is unreachable (${detail.split('\n')[0]}): start redis-server or set REDIS_URL; query tools still answer from the index`,
  );
}

/** The message for a Redis that answers but rejects our credentials. */
export function redisAuthFailed(url: string, detail: string): CodeindexError {
  return new CodeindexError(
    'REDIS_UNAVAILABLE',
    `Redis at ${redactRedisUrl(url)} rejected the credentials (${detail.split('\n')[0]}): fix the user and password in REDIS_URL (redis://user:password@host:port); query tools still answer from the index`,
  );
}
