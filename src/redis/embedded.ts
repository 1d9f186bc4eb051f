import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CodeindexError } from '../errors.js';
import type { Logger } from '../log.js';

/** Where the private redis-server of a data dir lives. */
export function embeddedRedisPaths(home: string) {
  const dir = join(home, 'redis');
  return {
    dir,
    socket: join(dir, 'redis.sock'),
    pidFile: join(dir, 'redis.pid'),
    logFile: join(dir, 'redis.log'),
    lockFile: join(dir, 'start.lock'),
  };
}

async function pingOnce(
  opts: { path: string } | { host: string; port: number },
  timeoutMs = 1000,
): Promise<boolean> {
  const r = new Redis({
    ...opts,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Takes an exclusive start lock so two processes never start two servers on one socket. */
async function withStartLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      try {
        return await fn();
      } finally {
        rmSync(lockFile, { force: true });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a crashed starter is stale after 15 s.
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > 15_000) rmSync(lockFile, { force: true });
      } catch {}
      await sleep(100);
    }
  }
  throw new CodeindexError(
    'REDIS_UNAVAILABLE',
    `could not take ${lockFile}: remove it if no codeindex is starting`,
  );
}

/**
 * Starts (or reuses) the private redis-server for a data dir: unix socket only, AOF on,
 * `noeviction` (BullMQ must never lose keys). It outlives the process that started it so several
 * servers and workers share it; `stopEmbeddedRedis` ends it.
 */
export async function startEmbeddedRedis(home: string, log: Logger): Promise<string | null> {
  const p = embeddedRedisPaths(home);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const url = `unix://${p.socket}`;
  if (existsSync(p.socket) && (await pingOnce({ path: p.socket }))) return url;
  if (!hasRedisServer()) return null;
  return withStartLock(p.lockFile, async () => {
    if (existsSync(p.socket) && (await pingOnce({ path: p.socket }))) return url;
    const args = [
      '--port',
      '0',
      '--unixsocket',
      p.socket,
      '--unixsocketperm',
      '700',
      '--dir',
      p.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'yes',
      '--pidfile',
      p.pidFile,
      '--logfile',
      p.logFile,
    ];
    // With --daemonize the launcher exits once the server forked; waiting for it reaps it.
    const launched = spawnSync('redis-server', args, { stdio: 'ignore', timeout: 10_000 });
    if (launched.status !== 0) {
      throw new CodeindexError(
        'REDIS_UNAVAILABLE',
        `redis-server failed to start (exit ${launched.status}): see ${p.logFile}, or set REDIS_URL`,
      );
    }
    for (let i = 0; i < 100; i++) {
      await sleep(50);
      if (await pingOnce({ path: p.socket }, 500)) {
        log.info('started private redis-server', { socket: p.socket });
        return url;
      }
    }
    throw new CodeindexError(
      'REDIS_UNAVAILABLE',
      `private redis-server did not start: see ${p.logFile}, or set REDIS_URL to an existing Redis`,
    );
  });
}

/** Stops the private redis-server of a data dir, if one runs. Returns true when one was stopped. */
export async function stopEmbeddedRedis(home: string): Promise<boolean> {
  const p = embeddedRedisPaths(home);
  if (!existsSync(p.socket)) return false;
  const r = new Redis({
    path: p.socket,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.call('SHUTDOWN').catch(() => {});
  } catch {
    // Not answering: fall back to the pid file.
    try {
      const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {}
  } finally {
    r.disconnect();
  }
  for (let i = 0; i < 50 && existsSync(p.socket); i++) await sleep(50);
  return true;
}

/**
 * The Redis a process should use: REDIS_URL when set; else the private server; else
 * 127.0.0.1:6379; else one clear error saying how to get Redis.
 */
export async function resolveRedisUrl(
  cfg: { redisUrl?: string | undefined; home: string },
  log: Logger,
): Promise<string> {
  if (cfg.redisUrl) return cfg.redisUrl;
  const embedded = await startEmbeddedRedis(cfg.home, log);
  if (embedded) return embedded;
  if (await pingOnce({ host: '127.0.0.1', port: 6379 })) return 'redis://127.0.0.1:6379';
  throw new CodeindexError(
    'REDIS_UNAVAILABLE',
    'no Redis found: install it (apt-get install redis-server, or brew install redis) so codeindex can start a private one, or set REDIS_URL',
  );
}
