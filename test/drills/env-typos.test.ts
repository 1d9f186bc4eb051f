import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { checkEnv } from '../../src/config/env-check.js';
import { CLI, makeTestEnv } from '../helpers/env.js';

test('env typos: an unknown CODEINDEX_* variable gets one warning naming the closest known one', () => {
  const res = checkEnv({ CODEINDEX_WORKRES: '2', CODEINDEX_HOME: '/tmp/x', PATH: '/bin' });
  assert.deepEqual(res.warnings, [
    'codeindex: unknown environment variable CODEINDEX_WORKRES is ignored; did you mean CODEINDEX_WORKERS?',
  ]);
  assert.equal(res.fatal, undefined);
});

test('env typos: a near-miss of CODEINDEX_SECRET is fatal while CODEINDEX_SECRET is unset', () => {
  const res = checkEnv({ CODEINDEX_JOB_SECRET: 'x'.repeat(32) });
  assert.match(res.warnings[0] ?? '', /did you mean CODEINDEX_SECRET\?/);
  assert.match(res.fatal ?? '', /CODEINDEX_JOB_SECRET is set but CODEINDEX_SECRET is not/);
  assert.equal(checkEnv({ CODEINDEX_JOB_SECRET: 'x', CODEINDEX_SECRET: 'y'.repeat(32) }).fatal, undefined);
});

test('env typos: the CLI refuses to start with CODEINDEX_JOB_SECRET alone, saying what to rename', () => {
  const env = makeTestEnv({ CODEINDEX_JOB_SECRET: 'x'.repeat(32) });
  const res = spawnSync(process.execPath, [CLI, 'status'], {
    env: env.env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  void env.cleanup();
  assert.equal(res.status, 2, res.stderr);
  assert.match(res.stderr, /did you mean CODEINDEX_SECRET\?/);
  assert.match(res.stderr, /rename it to CODEINDEX_SECRET/);
  assert.equal(res.stdout, '');
});
