import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Redis } from 'ioredis';
import { leaseKey } from '../../src/watch/lease.js';
import {
  callTool,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  testRedisUrl,
  waitForTask,
} from '../helpers/env.js';
import { eventually, put, symbolPaths, watchNotes } from '../watch/helpers.js';

type Server = Awaited<ReturnType<typeof startMcpClient>>;

const pidOf = (s: Server) => (s.client.transport as StdioClientTransport | undefined)?.pid ?? 0;

/** CPU time (user + system, ms) a process has used, from /proc; null where /proc is missing. */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat; here 12 and 13 after "pid (comm) ".
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

const rereads = (s: Server) => (s.stderr().match(/ignore rules changed; re-reading the tree/g) ?? []).length;

/**
 * Drill: two servers start on a repository indexed earlier (with a .gitignore), exactly one
 * watches, neither re-reads the tree while nothing changes; the watching one is killed with
 * SIGKILL, the other takes the lease over and a save is still indexed.
 */
describe('drill: two servers on one repository, the watcher holder killed', () => {
  let env: TestEnv;
  let repo: string;
  let a: Server;
  let b: Server;
  let redis: Redis;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_LOG_LEVEL: 'info', CODEINDEX_EMBEDDINGS: 'off' });
    repo = join(env.tmp, 'repo');
    put(repo, '.gitignore', 'generated/\n');
    for (let i = 0; i < 40; i++)
      put(repo, `src/m${i}.ts`, `export function drillBase${i}() {\n  return ${i};\n}\n`);
    put(repo, 'generated/out.ts', 'export const generatedOut = 1;\n');
    env.env.CODEINDEX_ROOTS = repo;
    redis = new Redis(testRedisUrl());
    // Indexed earlier, by a server that has gone since.
    const indexer = await startMcpClient(env.env);
    const t = await callTool(indexer.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(indexer.client, String(t.task_id))).state, 'SUCCESS');
    await indexer.close();
    await eventually(
      'the first lease to be released',
      async () => (await redis.get(leaseKey(env.prefix, repo))) === null,
    );
    a = await startMcpClient(env.env);
    b = await startMcpClient(env.env);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    redis?.disconnect();
    await env?.cleanup();
  });

  test('one watches, and neither re-reads the tree while nothing changes', async (t) => {
    await eventually('one server to watch', async () => {
      const [na, nb] = [await watchNotes(a.client, repo), await watchNotes(b.client, repo)];
      return (na?.watching === true) !== (nb?.watching === true);
    });
    const holder = String(await redis.get(leaseKey(env.prefix, repo)));
    const watching = holder.includes(`:${pidOf(a)}:`) ? a : b;
    const cpu0 = cpuMs(pidOf(watching));
    await sleep(3000);
    const cpu1 = cpuMs(pidOf(watching));
    assert.equal(rereads(a) + rereads(b), 0, `${rereads(a) + rereads(b)} re-reads of an unchanged tree`);
    if (cpu0 !== null && cpu1 !== null)
      t.diagnostic(`watching server: ${cpu1 - cpu0} ms CPU over a quiet 3 s (the re-read loop used ~55%)`);
  });

  test('SIGKILL the holder: the other server takes over and a save is indexed', async (t) => {
    const holder = String(await redis.get(leaseKey(env.prefix, repo)));
    const [dead, alive] = holder.includes(`:${pidOf(a)}:`) ? [a, b] : [b, a];
    const killedAt = Date.now();
    process.kill(pidOf(dead), 'SIGKILL');
    await eventually(
      'the surviving server to watch',
      async () => (await watchNotes(alive.client, repo))?.watching === true,
      45_000,
    );
    const tookOver = Date.now() - killedAt;
    assert.match(String(await redis.get(leaseKey(env.prefix, repo))), new RegExp(`:${pidOf(alive)}:`));
    const savedAt = Date.now();
    put(repo, 'src/after-kill.ts', 'export function savedAfterKill() {}\n');
    await eventually(
      'the save to be searchable',
      async () => (await symbolPaths(alive.client, 'savedAfterKill')).length === 1,
      45_000,
    );
    t.diagnostic(
      `lease taken over ${tookOver} ms after SIGKILL; save searchable after ${Date.now() - savedAt} ms`,
    );
    assert.equal(rereads(alive), 0, 'the new holder re-read the unchanged tree');
    // The ignored folder stays out of the index through the takeover.
    assert.deepEqual(await symbolPaths(alive.client, 'generatedOut'), []);
  });
});
