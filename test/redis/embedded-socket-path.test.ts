import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isCodeindexError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { embeddedRedisPaths, startEmbeddedRedis, stopEmbeddedRedis } from '../../src/redis/embedded.js';

describe('the private redis-server of a data dir with a long path', () => {
  const base = mkdtempSync(join(tmpdir(), 'ci-sock-'));
  after(async () => {
    rmSync(base, { recursive: true, force: true });
  });

  test('says at once that the socket path is too long and what to do', async () => {
    // redis-server started and exited at once; the answer came 5 s later as "did not start".
    const home = join(base, 'h'.repeat(120));
    mkdirSync(home, { recursive: true });
    const started = Date.now();
    try {
      await assert.rejects(startEmbeddedRedis(home, createLogger('test', 'silent')), (err: unknown) => {
        assert.ok(isCodeindexError(err, 'REDIS_UNAVAILABLE'), String(err));
        const socket = embeddedRedisPaths(home).socket;
        assert.equal(
          err.message,
          `cannot start the private redis-server: its socket path ${socket} is ${Buffer.byteLength(socket)} bytes, and a unix socket path holds at most ${process.platform === 'linux' ? 107 : 103}; set CODEINDEX_HOME to a shorter path, or set REDIS_URL to an existing Redis`,
        );
        return true;
      });
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    } finally {
      await stopEmbeddedRedis(home);
    }
  });
});
