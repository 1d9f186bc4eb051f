import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callTool, makeTestEnv, startMcpClient, type TestEnv } from '../helpers/env.js';

const FILES = 1000;

/** A repository of `FILES` small TypeScript modules, each importing the one before it. */
function writeRepository(dir: string): void {
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `pkg${Math.floor(i / 100)}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      join(sub, `mod${i}.ts`),
      `${i > 0 ? `import { value${i - 1} } from './mod${i - 1}';\n` : ''}` +
        `/** Module ${i}. */\nexport class Service${i} {\n  run(n: number): number {\n    return n + ${i};\n  }\n}\n` +
        `export const value${i} = ${i > 0 ? `value${i - 1} + ` : ''}1;\n`,
    );
  }
}

/** `412 files/s` -> 412 (`1,000` -> 1000). */
function rateOf(message: string): number | null {
  const m = / ([\d,]+(?:\.\d)?) files\/s/.exec(message);
  return m ? Number(m[1]!.replaceAll(',', '')) : null;
}

/**
 * `index_repository` with `wait: true` over the built server on stdio, one worker, small batches:
 * the progress notifications carry files/s and an ETA, and task_status carries the run's rate.
 */
describe('progress notifications carry files/s and an ETA', () => {
  let env: TestEnv;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;
  let repo: string;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_BATCH_SIZE: '5' });
    repo = join(env.tmp, 'many');
    writeRepository(repo);
    env.env.CODEINDEX_ROOTS = repo;
    mcp = await startMcpClient(env.env);
  });

  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('while running: status · N files/s · ETA; at the end: done · the run average', async () => {
    const seen: { progress: number; total?: number | undefined; message?: string | undefined; at: number }[] =
      [];
    const r = await mcp.client.callTool(
      { name: 'index_repository', arguments: { path: repo, wait: true } },
      undefined,
      { onprogress: (p) => seen.push({ ...p, at: Date.now() }), timeout: 120_000 },
    );
    assert.notEqual(r.isError, true, JSON.stringify(r.content));
    const sc = r.structuredContent as {
      task_id: string;
      state: string;
      progress: { current: number; total: number; rate?: number | null; eta_seconds?: number | null };
      result: { files_indexed: number; duration_ms: number };
    };
    assert.equal(sc.state, 'SUCCESS');
    assert.equal(sc.result.files_indexed, FILES);
    assert.ok(seen.length >= 2, `only ${seen.length} notifications: ${JSON.stringify(seen)}`);

    // Every notification with a known total says files/s and ETA (a number, or '-' before one).
    const running = seen.slice(0, -1).filter((n) => (n.total ?? 0) > 0);
    for (const n of running)
      assert.match(n.message ?? '', /^indexing.* · (-|[\d,.]+) files\/s · ETA (-|\d+s|\d+m\d\ds|\d+h\d\dm)$/);
    // Some notification while the batches ran had a measured rate and an ETA in seconds.
    const measured = running.filter((n) => n.progress < FILES && (rateOf(n.message ?? '') ?? 0) > 0);
    assert.ok(measured.length >= 1, `no running notification with a rate: ${JSON.stringify(seen)}`);
    for (const n of measured) assert.match(n.message ?? '', / files\/s · ETA \d+(s|m\d\ds)$/);

    // The last one: everything done, and the run's average (files over the time since the scan
    // began), which cannot beat the files over the run's own measured duration.
    const last = seen.at(-1)!;
    assert.equal(last.progress, FILES);
    assert.equal(last.total, FILES);
    assert.match(last.message ?? '', /^done · [\d,.]+ files\/s$/);
    const finalRate = rateOf(last.message ?? '') ?? 0;
    const ceiling = (FILES * 1000) / sc.result.duration_ms;
    assert.ok(finalRate > 0 && finalRate <= ceiling + 1, `rate ${finalRate}, at most ${ceiling}`);
    assert.ok(finalRate >= ceiling / 2, `rate ${finalRate} far below ${ceiling}`);

    // Re-sent at least once a second while running (here: at least one per 2 s, for a loaded machine).
    const spanS = (last.at - seen[0]!.at) / 1000;
    assert.ok(seen.length >= Math.floor(spanS / 2), `${seen.length} notifications over ${spanS} s`);

    // The tool's own answer and task_status carry the same whole-run rate, and no time left.
    assert.ok(sc.progress.rate && Math.abs(sc.progress.rate - finalRate) <= 1, JSON.stringify(sc.progress));
    assert.equal(sc.progress.eta_seconds, 0);
    const status = await callTool<{ progress: { rate: number; eta_seconds: number } }>(
      mcp.client,
      'task_status',
      { task_id: sc.task_id },
    );
    assert.equal(status.progress.rate, sc.progress.rate);
    assert.equal(status.progress.eta_seconds, 0);
  });
});
