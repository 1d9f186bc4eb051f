import assert from 'node:assert/strict';
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
import { eventually, put, symbolPaths, watchNotes } from './helpers.js';

/** Two `serve` processes on one root: exactly one watches; the other takes over when it dies. */
describe('one watcher per root across processes', () => {
  let env: TestEnv;
  let repo: string;
  let first: Awaited<ReturnType<typeof startMcpClient>>;
  let second: Awaited<ReturnType<typeof startMcpClient>>;
  let redis: Redis;

  before(async () => {
    env = makeTestEnv();
    repo = join(env.tmp, 'repo');
    put(repo, 'a.ts', 'export function leaseBase() {}\n');
    env.env.CODEINDEX_ROOTS = repo;
    redis = new Redis(testRedisUrl());
    first = await startMcpClient(env.env);
    const started = await callTool(first.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(first.client, String(started.task_id))).state, 'SUCCESS');
    await eventually(
      'the first server to watch',
      async () => (await watchNotes(first.client, repo))?.watching === true,
    );
    second = await startMcpClient(env.env);
  });

  after(async () => {
    await first?.close();
    await second?.close();
    redis?.disconnect();
    await env?.cleanup();
  });

  test('exactly one server watches; the other names the holder', async () => {
    const holder = await redis.get(leaseKey(env.prefix, repo));
    assert.ok(holder, 'a lease exists');
    await eventually(
      'the second server to see the lease',
      async () => (await watchNotes(second.client, repo))?.leaseHolder === holder,
    );
    // Across several renewals, nothing changes hands.
    for (let i = 0; i < 3; i++) {
      assert.equal((await watchNotes(first.client, repo))?.watching, true);
      const n = await watchNotes(second.client, repo);
      assert.equal(n?.watching, false);
      assert.equal(n?.leaseHolder, holder);
      assert.equal(await redis.get(leaseKey(env.prefix, repo)), holder);
      await sleep(800);
    }
    put(repo, 'b.ts', 'export function leaseSaveOne() {}\n');
    await eventually(
      'leaseSaveOne',
      async () => (await symbolPaths(second.client, 'leaseSaveOne')).length === 1,
    );
  });

  test('the second takes over within seconds after the first is SIGKILLed', async () => {
    const pid = (first.client.transport as StdioClientTransport | undefined)?.pid;
    assert.ok(pid, 'pid of the first server');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await eventually(
      'the second server to watch',
      async () => (await watchNotes(second.client, repo))?.watching === true,
      15_000,
    );
    const took = Date.now() - killedAt;
    assert.ok(took < 10_000, `took over after ${took} ms`);
    const holder = await redis.get(leaseKey(env.prefix, repo));
    assert.match(String(holder), new RegExp(`:${(second.client.transport as StdioClientTransport).pid}:`));
    put(repo, 'c.ts', 'export function leaseSaveTwo() {}\n');
    await eventually(
      'leaseSaveTwo (indexed through the new watcher)',
      async () => (await symbolPaths(second.client, 'leaseSaveTwo')).length === 1,
    );
  });

  test('closing the holder releases the lease at once', async () => {
    await second.close();
    await eventually(
      'the lease to be released',
      async () => (await redis.get(leaseKey(env.prefix, repo))) === null,
      10_000,
    );
  });
});
