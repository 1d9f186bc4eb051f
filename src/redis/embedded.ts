import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { CodeindexError } from '../errors.js';
import type { Logger } from '../log.js';
import { guardRunning } from './guard.js';

/** Where the private redis-server of a data dir lives. */
export function embeddedRedisPaths(home: string) {
  const dir = join(home, 'redis');
  return {
    dir,
    socket: join(dir, 'redis.sock'),
    pidFile: join(dir, 'redis.pid'),
    logFile: join(dir, 'redis.log'),
    lockFile: join(dir, 'start.lock'),
    guardPidFile: join(dir, 'guard.pid'),
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

/** When the private server stops itself; see `guardRedis`. */
export interface EmbeddedRedisOptions {
  /** Seconds without any client before it stops; 0 = only when its directory is removed. */
  idleSeconds?: number;
  /** How often the guard looks (ms); default: a fifth of the idle time, 0.25 s to 5 s. */
  guardCheckMs?: number;
}

/** Default `idleSeconds`: half an hour, after which the next codeindex start brings it back. */
export const DEFAULT_REDIS_IDLE_SECONDS = 1800;

/**
 * Starts the guard that stops the server when its directory disappears or it sits idle, unless
 * one already runs. Detached, so it outlives the process that started the server, as the server does.
 */
function ensureGuard(
  p: ReturnType<typeof embeddedRedisPaths>,
  idleSeconds: number,
  checkMs: number | undefined,
  log: Logger,
): void {
  if (guardRunning(p.guardPidFile)) return;
  let serverPid = '';
  try {
    serverPid = readFileSync(p.pidFile, 'utf8').trim();
  } catch {
    // A server without a pid file (started by hand): the guard then stops it only through its socket.
  }
  try {
    const main = fileURLToPath(new URL('./guard-main.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        main,
        p.socket,
        p.dir,
        String(idleSeconds * 1000),
        p.guardPidFile,
        checkMs ? String(checkMs) : '-',
        ...(/^\d+$/.test(serverPid) ? [serverPid] : []),
      ],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    child.on('error', (err) =>
      log.warn('could not start the private redis-server guard', { error: err.message }),
    );
    child.unref();
  } catch (err) {
    log.warn('could not start the private redis-server guard', { error: (err as Error).message });
  }
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
 * servers and workers share it; `stopEmbeddedRedis` ends it, and so does its guard when the data
 * dir is removed or nothing has used it for `idleSeconds`.
 */
export async function startEmbeddedRedis(
  home: string,
  log: Logger,
  opts: EmbeddedRedisOptions = {},
): Promise<string | null> {
  const p = embeddedRedisPaths(home);
  const idleSeconds = opts.idleSeconds ?? DEFAULT_REDIS_IDLE_SECONDS;
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const url = `unix://${p.socket}`;
  if (existsSync(p.socket) && (await pingOnce({ path: p.socket }))) {
    // A server started before guards existed, or whose guard was killed, gets one now.
    ensureGuard(p, idleSeconds, opts.guardCheckMs, log);
    return url;
  }
  if (!hasRedisServer()) return null;
  // A unix socket path holds at most 107 bytes (Linux; 103 on macOS): redis-server would start
  // and exit at once, and the answer, after 5 s, was "did not start: see redis.log".
  const most = process.platform === 'linux' ? 107 : 103;
  const length = Buffer.byteLength(p.socket);
  if (length > most)
    throw new CodeindexError(
      'REDIS_UNAVAILABLE',
      `cannot start the private redis-server: its socket path ${p.socket} is ${length} bytes, and a unix socket path holds at most ${most}; set CODEINDEX_HOME to a shorter path, or set REDIS_URL to an existing Redis`,
    );
  return withStartLock(p.lockFile, async () => {
    if (existsSync(p.socket) && (await pingOnce({ path: p.socket }))) {
      ensureGuard(p, idleSeconds, opts.guardCheckMs, log);
      return url;
    }
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
        log.info('started private redis-server', { socket: p.socket, idleSeconds });
        ensureGuard(p, idleSeconds, opts.guardCheckMs, log);
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
  cfg: { redisUrl?: string | undefined; home: string; redisIdleSeconds?: number },
  log: Logger,
): Promise<string> {
  if (cfg.redisUrl) return cfg.redisUrl;
  const embedded = await startEmbeddedRedis(
    cfg.home,
    log,
    cfg.redisIdleSeconds === undefined ? {} : { idleSeconds: cfg.redisIdleSeconds },
  );
  if (embedded) return embedded;
  if (await pingOnce({ host: '127.0.0.1', port: 6379 })) return 'redis://127.0.0.1:6379';
  throw new CodeindexError(
    'REDIS_UNAVAILABLE',
    'no Redis found: install it (apt-get install redis-server, or brew install redis) so codeindex can start a private one, or set REDIS_URL',
  );
}
