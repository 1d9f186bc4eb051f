import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openIndexAt } from '../../src/store/index.js';
import { writeTinyModel } from '../embeddings/onnx-fixture.js';
import {
  callTool,
  copyFixture,
  makeTestEnv,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';

type Embeddings = {
  model: string;
  embedded: number;
  pending: number;
  coverage?: number;
  eta_seconds?: number | null;
};
type Status = { roots: { root: string; embeddings?: Embeddings }[] };

describe('an ONNX model directory, end to end (CODEINDEX_EMBED_MODEL_DIR)', () => {
  let env: TestEnv;
  let repo: string;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;
  let modelDir: string;

  before(async () => {
    env = makeTestEnv();
    modelDir = writeTinyModel(join(env.tmp, 'model'), { hidden: 16 }).dir;
    // The test env picks the hashed model; this test runs the model directory instead.
    delete env.env.CODEINDEX_EMBEDDINGS_MODEL;
    env.env.CODEINDEX_EMBED_MODEL_DIR = modelDir;
    repo = copyFixture('relevance', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
  });
  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('workers embed every chunk with the model; index_status reports full coverage; semantic search answers', async () => {
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const deadline = Date.now() + 60_000;
    let e: Embeddings | undefined;
    for (;;) {
      const s = await callTool<Status>(mcp.client, 'index_status', {});
      e = s.roots.find((r) => r.root === repo)?.embeddings;
      if (e && e.pending === 0 && e.embedded > 0) break;
      if (Date.now() > deadline) throw new Error(`embeddings not done: ${JSON.stringify(s)}`);
      await sleep(200);
    }
    assert.equal(e.model, `onnx:${modelDir}`);
    assert.equal(e.coverage, 1);
    assert.equal(e.eta_seconds, 0);
    const r = await callTool<{ mode: string; results: { path: string }[]; note?: string }>(
      mcp.client,
      'search_code',
      {
        query: 'parse the config file',
        mode: 'semantic',
        limit: 5,
      },
    );
    assert.equal(r.mode, 'semantic');
    assert.ok(r.results.length > 0);
    assert.equal(r.note, undefined);
  });

  test('changing the model: an unchanged re-index re-embeds with the new model, then the old vectors go', async () => {
    await mcp.close();
    // Back to the hashed model: files are unchanged, so only the embedding job has work.
    const hashEnv: Record<string, string> = { ...env.env, CODEINDEX_EMBEDDINGS_MODEL: 'local-hash' };
    delete hashEnv.CODEINDEX_EMBED_MODEL_DIR;
    mcp = await startMcpClient(hashEnv);
    const t = await callTool(mcp.client, 'index_repository', { path: repo });
    assert.equal((await waitForTask(mcp.client, String(t.task_id))).state, 'SUCCESS');
    const deadline = Date.now() + 60_000;
    let e: Embeddings | undefined;
    for (;;) {
      const s = await callTool<Status>(mcp.client, 'index_status', {});
      e = s.roots.find((r) => r.root === repo)?.embeddings;
      if (e && e.pending === 0 && e.embedded > 0) break;
      if (Date.now() > deadline) throw new Error(`re-embedding not done: ${JSON.stringify(s)}`);
      await sleep(200);
    }
    assert.equal(e.model, 'local-hash-v1-512');
    const store = openIndexAt(env.env.CODEINDEX_DATABASE_URL ?? join(env.home, 'index.db'), {
      readonly: true,
    });
    try {
      // The job drops the old model's vectors right after its last batch.
      const until = Date.now() + 10_000;
      while ((await store.vectorCoverage(repo, `onnx:${modelDir}`)).embedded > 0 && Date.now() < until)
        await sleep(100);
      assert.equal((await store.vectorCoverage(repo, `onnx:${modelDir}`)).embedded, 0);
    } finally {
      await store.close();
    }
  });
});
