import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { copyFixture, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { http, type RunningDashboard, startDashboard, waitForHttpTask } from './helpers.js';

function family(all: PromFamily[], name: string): PromFamily {
  const f = all.find((x) => x.name === name);
  assert.ok(f, `metric ${name} missing; have ${all.map((x) => x.name).join(', ')}`);
  return f;
}

/** The value of the sample whose labels include `labels`. */
function value(f: PromFamily, labels: Record<string, string> = {}): number {
  const s = f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.ok(s, `${f.name}${JSON.stringify(labels)} missing`);
  return Number(s.value);
}

async function scrape(url: string): Promise<PromFamily[]> {
  const r = await fetch(`${url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await r.text());
}

describe('GET /metrics (Prometheus text format)', () => {
  let env: TestEnv;
  let repo: string;
  let srv: RunningDashboard;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false' });
    repo = copyFixture('langs', env.tmp);
    env.env.CODEINDEX_ROOTS = repo;
    srv = await startDashboard(env.env, { expectWorkers: true });
  });
  after(async () => {
    await srv?.stop();
    await env?.cleanup();
  });

  test('before any job: zero counts, workers connected, Redis and SQLite readable', async () => {
    const m = await scrape(srv.url);
    assert.equal(family(m, 'codeindex_queue_jobs').type, 'GAUGE');
    assert.equal(value(family(m, 'codeindex_queue_jobs'), { queue: 'indexing', state: 'completed' }), 0);
    assert.equal(value(family(m, 'codeindex_queue_workers'), { queue: 'indexing' }), 1);
    assert.equal(value(family(m, 'codeindex_up'), { source: 'redis' }), 1);
    assert.equal(value(family(m, 'codeindex_up'), { source: 'sqlite' }), 1);
    assert.equal(value(family(m, 'codeindex_dead_letter_jobs')), 0);
  });

  test('after an index: completed jobs, durations and per-root figures are real values', async () => {
    const r = await http('POST', `${srv.url}/index`, { path: repo });
    const done = await waitForHttpTask(srv.url, String(r.body.task_id));
    assert.equal(done.state, 'SUCCESS');
    const summary = done.result as { files_indexed: number; symbols: number };
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const m = parsePrometheusTextFormat(text);

    // index-repository + at least one index-batch, on the indexing queue.
    assert.ok(value(family(m, 'codeindex_queue_jobs'), { queue: 'indexing', state: 'completed' }) >= 2);
    const completed = family(m, 'codeindex_jobs_completed_total');
    assert.equal(completed.type, 'COUNTER');
    assert.ok(value(completed, { queue: 'indexing' }) >= 2);
    assert.equal(value(family(m, 'codeindex_jobs_failed_total'), { queue: 'indexing' }), 0);

    // parse-prometheus-text-format folds a histogram's labelled series into one (it only knows
    // `le`), so the family is checked with it and the per-series lines from the text itself.
    const hist = family(m, 'codeindex_job_duration_seconds');
    assert.equal(hist.type, 'HISTOGRAM');
    assert.ok(Object.keys(hist.metrics[0]?.buckets ?? {}).includes('+Inf'));
    const series = (suffix: string, name: string) => {
      const line = new RegExp(
        `^codeindex_job_duration_seconds_${suffix}\\{[^}]*queue="indexing",name="${name}"[^}]*\\} (\\S+)$`,
        'm',
      ).exec(text);
      assert.ok(line, `${suffix} of ${name} missing`);
      return Number(line[1]);
    };
    assert.equal(series('count', 'index-repository'), 1);
    assert.ok(series('sum', 'index-repository') > 0);
    assert.ok(series('count', 'index-batch') >= 1);

    const files = family(m, 'codeindex_index_files');
    assert.equal(value(files, { root: repo, status: 'indexed' }), summary.files_indexed);
    assert.equal(value(files, { root: repo, status: 'failed' }), 0);
    assert.ok(value(family(m, 'codeindex_index_symbols'), { root: repo }) > 10);
    assert.ok(value(family(m, 'codeindex_index_chunks'), { root: repo }) > 0);
    const last = value(family(m, 'codeindex_index_last_indexed_timestamp_seconds'), { root: repo });
    assert.ok(Math.abs(last - Date.now() / 1000) < 120, String(last));

    // A second scrape does not count the same jobs twice.
    const again = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(
      again,
      /^codeindex_job_duration_seconds_count\{queue="indexing",name="index-repository"\} 1$/m,
    );
  });
});
