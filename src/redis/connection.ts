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
  // Remembered so a command that times out can say why (a wrong password only shows up here).
  redis.on('error', (err: Error) => lastErrors.set(url, { message: err.message, at: Date.now() }));
  return redis;
}

/** The last connection error of any connection to a URL, for the messages of later failures. */
const lastErrors = new Map<string, { message: string; at: number }>();
/** How long a connection error explains later failures. */
const RECENT_ERROR_MS = 30_000;
const AUTH_ERROR = /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username-password/i;

function recentError(url: string): string | null {
  const e = lastErrors.get(url);
  return e !== undefined && Date.now() - e.at < RECENT_ERROR_MS ? e.message : null;
}

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
 * A timeout or connection error becomes REDIS_UNAVAILABLE with a fix hint.
 */
export async function withRedisDeadline<T>(url: string, op: () => Promise<T>, ms = 4000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const recent = recentError(url);
      reject(
        recent !== null && AUTH_ERROR.test(recent)
          ? redisAuthFailed(url, recent)
          : redisUnavailable(
              url,
              `no answer within ${ms} ms${recent === null ? '' : `; last error: ${recent}`}`,
            ),
      );
    }, ms);
  });
  try {
    return await Promise.race([op(), deadline]);
  } catch (err) {
    if (err instanceof CodeindexError) throw err;
    const msg = (err as Error)?.message ?? String(err);
    if (AUTH_ERROR.test(msg)) throw redisAuthFailed(url, msg);
    if (
      /ECONNREFUSED|ENOENT|ETIMEDOUT|Connection is closed|max retries|Stream isn't writeable|connect/i.test(
        msg,
      )
    ) {
      throw redisUnavailable(url, msg);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
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
