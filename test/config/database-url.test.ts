import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { indexLocation, indexMayExist, isPostgresLocation } from '../../src/store/index.js';

const env = { CODEINDEX_HOME: '/tmp/codeindex-config-test-home-missing' };

test('CODEINDEX_DATABASE_URL, --database-url and the config file choose PostgreSQL; unset is SQLite', () => {
  const sqlite = loadConfig({}, env);
  assert.equal(sqlite.databaseUrl, undefined);
  assert.equal(indexLocation(sqlite), join(env.CODEINDEX_HOME, 'index.db'));
  assert.equal(isPostgresLocation(indexLocation(sqlite)), false);
  assert.equal(indexMayExist(sqlite), false, 'no file yet');

  const url = 'postgres://postgres@127.0.0.1:5432/codeindex';
  const pg = loadConfig({}, { ...env, CODEINDEX_DATABASE_URL: url });
  assert.equal(indexLocation(pg), url);
  assert.equal(isPostgresLocation(indexLocation(pg)), true);
  assert.equal(indexMayExist(pg), true, 'the server says itself what it holds');
  // A flag wins over the environment.
  const flag = loadConfig({ databaseUrl: 'postgresql://u@h/db2' }, { ...env, CODEINDEX_DATABASE_URL: url });
  assert.equal(flag.databaseUrl, 'postgresql://u@h/db2');
});

test('a database URL that is not postgres:// stops with one line naming the setting', () => {
  assert.throws(
    () => loadConfig({}, { ...env, CODEINDEX_DATABASE_URL: 'mysql://root@localhost/db' }),
    (err: Error) =>
      /invalid setting databaseUrl \(CODEINDEX_DATABASE_URL\): a postgres:\/\/ URL/.test(err.message) &&
      !err.message.includes('\n'),
  );
});
