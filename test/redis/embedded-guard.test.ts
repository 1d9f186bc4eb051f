import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.js';
import { embeddedRedisPaths, startEmbeddedRedis, stopEmbeddedRedis } from '../../src/redis/embedded.js';
import { guardRedis } from '../../src/redis/guard.js';
import { waitFor } from '../helpers/wait.js';

const log = createLogger('test', 'silent');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of the server and of its guard, once the guard has written its pid file. */
async function pids(home: string): Promise<{ server: number; guard: number }> {
  const p = embeddedRedisPaths(home);
  const read = (f: string) => Number(readFileSync(f, 'utf8').trim());
  return waitFor('the server and guard pid files', () => {
    const server = read(p.pidFile);
    const guard = read(p.guardPidFile);
    return server > 0 && guard > 0 ? { server, guard } : null;
  });
}

/** A client on the private server's socket that stays connected until closed. */
async function holdConnection(home: string): Promise<Redis> {
  const r = new Redis({
    path: embeddedRedisPaths(home).socket,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  r.on('error', () => {});
  assert.equal(await r.ping(), 'PONG');
  return r;
}

/**
 * The private redis-server stops itself: when its data directory is removed (it kept running
 * forever) and after an idle time with no client. Real redis-server processes, real guard process.
 */
describe('private redis-server guard', () => {
  const homes: string[] = [];
  after(async () => {
    for (const h of homes) {
      await stopEmbeddedRedis(h).catch(() => {});
      rmSync(h, { recursive: true, force: true });
    }
  });
  const newHome = () => {
    const h = mkdtempSync(join(tmpdir(), 'ci-redis-guard-'));
    homes.push(h);
    return h;
  };

  test('removing the data dir stops the server (and its guard), even with a client connected', async () => {
    const home = newHome();
    const url = await startEmbeddedRedis(home, log, { idleSeconds: 0, guardCheckMs: 200 });
    assert.ok(url?.startsWith('unix://'), 'redis-server is on PATH in CI');
    const { server, guard } = await pids(home);
    const client = await holdConnection(home);
    rmSync(home, { recursive: true, force: true });
    await waitFor('the server to stop after its directory went', () => !alive(server), 20_000);
    await waitFor('the guard to exit', () => !alive(guard), 10_000);
    client.disconnect();
  });

  test('a guard that starts after the directory went stops the server by its pid', async () => {
    const home = newHome();
    await startEmbeddedRedis(home, log, { idleSeconds: 0, guardCheckMs: 200 });
    const { server, guard } = await pids(home);
    // Take the spawned guard away, so the one below is the only one, and remove the directory
    // before it connects (what happens when the directory goes while a guard is starting).
    process.kill(guard, 'SIGKILL');
    await waitFor('the spawned guard to die', () => !alive(guard), 10_000);
    const p = embeddedRedisPaths(home);
    rmSync(home, { recursive: true, force: true });
    const outcome = await guardRedis({ socket: p.socket, dir: p.dir, idleMs: 0, serverPid: server });
    assert.equal(outcome, 'directory-removed');
    await waitFor('the server to stop', () => !alive(server), 10_000);
  });

  test('the pid fallback never signals a process that is not a redis-server', async () => {
    const home = newHome();
    const p = embeddedRedisPaths(home);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      assert.ok(other.pid);
      const outcome = await guardRedis({ socket: p.socket, dir: p.dir, idleMs: 0, serverPid: other.pid });
      assert.equal(outcome, 'server-gone');
      assert.ok(alive(other.pid), 'a process that is not redis-server was signalled');
    } finally {
      other.kill('SIGKILL');
    }
  });

  test('with no client for the idle time the server stops; a connected client keeps it up', async () => {
    const home = newHome();
    await startEmbeddedRedis(home, log, { idleSeconds: 1, guardCheckMs: 200 });
    const { server, guard } = await pids(home);
    const client = await holdConnection(home);
    // Well past the idle time, with a client connected the whole while.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await client.ping(), 'PONG');
    }
    assert.ok(alive(server), 'stopped while a client was connected');
    client.disconnect();
    await waitFor('the idle server to stop', () => !alive(server), 20_000);
    await waitFor('the guard to exit', () => !alive(guard), 10_000);
    const note = readFileSync(join(embeddedRedisPaths(home).dir, 'guard.log'), 'utf8');
    assert.match(note, /no client for 1 s: stopping the private redis-server/);
    // The next start brings it back, with the queued data of before (AOF).
    const url = await startEmbeddedRedis(home, log, { idleSeconds: 0 });
    assert.ok(url);
    const again = await holdConnection(home);
    again.disconnect();
  });
});
