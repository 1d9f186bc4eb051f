import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/index.js';
import { copyFixture, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { http, type RunningDashboard, startDashboard, waitForHttpTask } from './helpers.js';

/**
 * `POST /index-file` under an allowed root above the indexed project (`CODEINDEX_ROOTS=~/src`,
 * `~/src/app` indexed): the file goes into the project's root, as `index_file` does, not into a
 * new root of the allowed folder that no query answers from.
 */
describe('HTTP API: POST /index-file into the indexed root that holds the file', () => {
  let env: TestEnv;
  let allowed: string;
  let app: string;
  let srv: RunningDashboard;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false' });
    allowed = join(env.tmp, 'src');
    mkdirSync(allowed);
    app = copyFixture('langs', allowed);
    env.env.CODEINDEX_ROOTS = allowed;
    srv = await startDashboard(env.env, { expectWorkers: true });
  });
  after(async () => {
    await srv?.stop();
    await env?.cleanup();
  });

  test('the file is queued and indexed under the project, and no root of the allowed folder appears', async () => {
    const indexed = await http('POST', `${srv.url}/index`, { path: app });
    assert.equal(indexed.status, 202, JSON.stringify(indexed.body));
    assert.equal((await waitForHttpTask(srv.url, String(indexed.body.task_id))).state, 'SUCCESS');

    const file = join(app, 'js/util.js');
    writeFileSync(file, 'export function savedThroughHttp() { return 1; }\n', { flag: 'a' });
    const r = await http('POST', `${srv.url}/index-file`, { path: file });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.root, app);
    assert.equal(r.body.path, file);
    const done = await waitForHttpTask(srv.url, String(r.body.task_id));
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));

    const store = openStore(loadConfig({}, env.env), { readonly: true });
    try {
      assert.deepEqual(
        (await store.listRoots()).map((x) => x.path),
        [app],
      );
    } finally {
      await store.close();
    }
    const s = await http('GET', `${srv.url}/search/symbols?q=savedThroughHttp`);
    assert.equal((s.body.symbols as { path: string }[])[0]?.path, file);
  });
});
