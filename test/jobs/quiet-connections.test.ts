import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Queue } from 'bullmq';
import { guardBullConnections } from '../../src/queue/quiet-connections.js';
import { ensureSchedules } from '../../src/queue/schedules.js';
import { TaskClient } from '../../src/queue/task-client.js';
import { createRedis } from '../../src/redis/connection.js';
import { testRedisUrl } from '../helpers/env.js';
import { makeJobsEnv } from './helpers.js';

/**
 * BullMQ's RedisConnection drops its listeners on close, and an init that was still in flight
 * emits its rejection afterwards (taskforcesh/bullmq#3546): with no listener, 'error' throws and
 * the process dies. Seen once as a worker process crashing while the server shut down.
 */
test('a closed queue connection drops a late error instead of throwing it', async () => {
  const url = new URL(testRedisUrl());
  const make = () =>
    new Queue(`quiet-${process.pid}-${Math.random().toString(36).slice(2)}`, {
      connection: { host: url.hostname, port: Number(url.port || 6379) },
      prefix: 'ci-quiet-test',
    });
  const late = new Error('Connection is closed.');

  const bare = make();
  await bare.close();
  const bareConn = (bare as unknown as { connection: { emit(e: string, err: Error): boolean } }).connection;
  assert.throws(() => bareConn.emit('error', late), /Connection is closed/);

  const guarded = make();
  guardBullConnections(guarded);
  guardBullConnections(guarded); // idempotent
  const conn = (guarded as unknown as { connection: import('node:events').EventEmitter }).connection;
  // While open, errors still reach the queue's listeners.
  const seen: string[] = [];
  guarded.on('error', (e) => seen.push(e.message));
  conn.emit('error', new Error('while open'));
  assert.deepEqual(seen, ['while open']);
  await guarded.close();
  assert.equal(conn.listenerCount('error'), 0);
  assert.equal(conn.emit('error', late), false);
  // Other events are emitted as before.
  let closed = 0;
  conn.on('close', () => closed++);
  conn.emit('close');
  assert.equal(closed, 1);
});

test('registering the periodic schedule on a connection that closes while it starts is an error of that call, not an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    for (let i = 0; i < 5; i++) {
      const env = makeJobsEnv();
      const conn = createRedis(env.redisUrl, 'client', { maxRetriesPerRequest: null });
      conn.on('error', () => {});
      const tasks = new TaskClient(env.cfg, conn, env.redisUrl);
      // The server's start-up: schedules are registered while the queues' connection starts,
      // and a client that closes at once stops the server under it.
      const registering = ensureSchedules({ ...env.cfg, cleanupCron: '17 3 * * *' }, tasks);
      // Closed once the connection is up, while BullMQ's first command on it is in flight.
      conn.once('ready', () => conn.disconnect());
      await assert.rejects(registering, /Connection is closed/);
      await tasks.close();
      await new Promise((r) => setTimeout(r, 50));
      await env.cleanup();
    }
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
