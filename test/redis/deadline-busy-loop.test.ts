import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createRedis, withRedisDeadline } from '../../src/redis/connection.js';
import { freePort, testRedisUrl } from '../helpers/env.js';

/** Holds the event loop, as a burst of synchronous SQLite queries in a busy server does. */
function holdLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

describe('withRedisDeadline and a busy event loop', () => {
  const url = testRedisUrl();
  const conn = createRedis(url, 'client');
  conn.on('error', () => {});
  after(() => conn.disconnect());

  test('a loop held past the deadline is no sign that Redis is away: the answer is taken', async () => {
    await conn.ping();
    // The answer arrives while the loop is held; the deadline passes meanwhile. It was
    // REDIS_UNAVAILABLE "no answer within 300 ms" from a Redis that had answered at once.
    const answer = withRedisDeadline(url, () => conn.ping(), 300, conn);
    holdLoop(1000);
    assert.equal(await answer, 'PONG');
    // Several round trips, each behind a held loop, as the schedules' registration at a busy start.
    const several = withRedisDeadline(
      url,
      async () => {
        for (let i = 0; i < 3; i++) {
          await conn.ping();
          holdLoop(200);
        }
        return 'done';
      },
      300,
      conn,
    );
    assert.equal(await several, 'done');
  });

  test('a Redis that does not answer still fails at about the deadline', async () => {
    // A port where nothing listens, on a connection that keeps retrying: no answer ever comes.
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    const dead = createRedis(deadUrl, 'worker');
    dead.on('error', () => {});
    try {
      const started = Date.now();
      await assert.rejects(
        withRedisDeadline(deadUrl, () => dead.ping(), 800),
        (err: Error) => {
          assert.match(err.message, /Redis at .* (is unreachable|cannot connect)|cannot connect to Redis/);
          return true;
        },
      );
      const took = Date.now() - started;
      assert.ok(took >= 750 && took < 2000, `failed after ${took} ms`);
    } finally {
      dead.disconnect();
    }
  });
});
