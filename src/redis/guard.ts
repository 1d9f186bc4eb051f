import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** The client name guards give their connection, so they never count as a user of the server. */
export const GUARD_CLIENT_NAME = 'codeindex-guard';

export interface RedisGuardOptions {
  /** The private server's unix socket. */
  socket: string;
  /** Its directory (AOF, pid file, socket); when it disappears the server stops. */
  dir: string;
  /** Stop after this long without any client; 0 = never for idleness. */
  idleMs: number;
  /** How often to look; default: a fifth of `idleMs`, between 0.25 s and 5 s. */
  checkMs?: number;
  /**
   * The server's pid, when known: if the directory is already gone by the time the guard connects
   * (the socket with it), the guard cannot reach the server and stops it by pid instead.
   */
  serverPid?: number;
}

/** Why the guard stopped the server, or why it ended without doing so. */
export type GuardOutcome = 'directory-removed' | 'idle' | 'server-gone';

/** The inode of a path, or null when it does not exist. */
function inode(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** Client connections other than guards, from `CLIENT LIST`. */
function usersIn(clientList: string): number {
  return clientList.split('\n').filter((l) => l.trim() !== '' && !l.includes(` name=${GUARD_CLIENT_NAME} `))
    .length;
}

function note(dir: string, line: string): void {
  try {
    appendFileSync(join(dir, 'guard.log'), `${new Date().toISOString()} ${line}\n`);
  } catch {
    // The directory may be gone: that is one of the reasons we stop.
  }
}

/**
 * Watches a private redis-server and shuts it down when its directory is removed (or replaced) or,
 * when `idleMs` > 0, after that long with no client connected and no new connection (a build
 * daemon's max idle time). It holds one connection of its own, named so it does not count, which
 * still works once the socket file is gone. Resolves when the server is gone, whoever stopped it.
 */
export async function guardRedis(opts: RedisGuardOptions): Promise<GuardOutcome> {
  const checkMs = opts.checkMs ?? Math.min(5000, Math.max(250, Math.floor(opts.idleMs / 5) || 5000));
  const socketIno = inode(opts.socket);
  const dirIno = inode(opts.dir);
  const r = new Redis({
    path: opts.socket,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  r.on('error', () => {});
  let gone = false;
  r.on('end', () => {
    gone = true;
  });
  try {
    await r.connect();
    await r.client('SETNAME', GUARD_CLIENT_NAME);
  } catch {
    r.disconnect();
    // No connection: either the server is gone, or its directory (and socket) went before we
    // connected, which must still stop it.
    const removed = dirIno === null || inode(opts.dir) !== dirIno || inode(opts.socket) === null;
    if (removed && opts.serverPid && isRedisServer(opts.serverPid)) {
      await stopPid(opts.serverPid);
      return 'directory-removed';
    }
    return 'server-gone';
  }
  let lastConnections = -1;
  let lastActive = Date.now();
  try {
    for (;;) {
      await sleep(checkMs);
      if (gone) return 'server-gone';
      if (dirIno === null || inode(opts.dir) !== dirIno || inode(opts.socket) !== socketIno) {
        await shutdown(r, true);
        return 'directory-removed';
      }
      if (opts.idleMs <= 0) continue;
      let users: number;
      let connections: number;
      try {
        users = usersIn(String(await r.client('LIST')));
        const stats = String(await r.info('stats'));
        connections = Number(/total_connections_received:(\d+)/.exec(stats)?.[1] ?? -1);
      } catch {
        if (gone) return 'server-gone';
        continue;
      }
      // A connection made and closed between two looks still counts as use.
      if (users > 0 || connections !== lastConnections) lastActive = Date.now();
      lastConnections = connections;
      if (Date.now() - lastActive >= opts.idleMs) {
        note(
          opts.dir,
          `no client for ${Math.round(opts.idleMs / 1000)} s: stopping the private redis-server`,
        );
        await shutdown(r, false);
        return 'idle';
      }
    }
  } finally {
    r.disconnect();
  }
}

/** SHUTDOWN (NOSAVE when there is nowhere left to save); the pid as a fallback. */
async function shutdown(r: Redis, nosave: boolean): Promise<void> {
  let pid: number | null = null;
  try {
    pid = Number(/process_id:(\d+)/.exec(String(await r.info('server')))?.[1]) || null;
    await r.call('SHUTDOWN', ...(nosave ? ['NOSAVE'] : []));
  } catch {
    // SHUTDOWN closes the connection before replying: an error here is the usual success.
  }
  if (pid === null) return;
  if (await exited(pid, 5000)) return;
  await stopPid(pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exited(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

/** SIGTERM, then SIGKILL if it is still there after 5 s. */
async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await exited(pid, 5000)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}

/**
 * True when `pid` runs and is a redis-server (where /proc tells; elsewhere running is enough), so
 * a pid reused by another process after the server exited is never signalled.
 */
function isRedisServer(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return !existsSync('/proc/self');
  }
}

/** True when a guard process recorded in `pidFile` is still running. */
export function guardRunning(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!(pid > 0)) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
