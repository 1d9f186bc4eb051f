import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { generateRepo, http, type RunningDashboard, startDashboard, waitForHttpTask } from './helpers.js';

/** The page's DOM as seen from functions that run in the browser (the tests compile without lib.dom). */
type Doc = { querySelector(s: string): { textContent: string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const FILES = 4000;

const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the browser test`;

/** The number in a cell, e.g. "1,234" -> 1234 (NaN when the cell is missing). */
async function cellNumber(page: Page, selector: string): Promise<number> {
  const t = await page
    .locator(selector)
    .first()
    .textContent({ timeout: 500 })
    .catch(() => null);
  return t === null ? Number.NaN : Number(t.replaceAll(',', ''));
}

describe('the dashboard in headless Chromium', { skip }, () => {
  let env: TestEnv;
  let repo: string;
  let srv: RunningDashboard;
  let browser: Browser;

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false', CODEINDEX_BATCH_SIZE: '100', CODEINDEX_EMBEDDINGS: 'off' });
    repo = generateRepo(env.tmp, FILES);
    env.env.CODEINDEX_ROOTS = repo;
    mkdirSync(ARTIFACTS, { recursive: true });
    [srv, browser] = await Promise.all([
      startDashboard(env.env, { expectWorkers: true }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    await env?.cleanup();
  });

  test('progress and counts appear and update while a repository is indexed; /queues lists the queues', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // bull-board's page asks Google Fonts for its typeface; offline it falls back to system fonts.
      if (m.type() === 'error' && !m.location().url.startsWith('https://fonts.googleapis.com/'))
        errors.push(`${m.text()} (${m.location().url})`);
    });

    await page.goto(`${srv.url}/`);
    assert.equal(await page.title(), 'codeindex dashboard');
    await page.locator('#no-roots').waitFor();
    assert.match((await page.locator('#worker-count').textContent()) ?? '', /^1 worker$/);

    const started = await http('POST', `${srv.url}/index`, { path: repo });
    assert.equal(started.status, 202);
    const taskId = String(started.body.task_id);

    // The running task shows up with a progress bar, from the page's own polling (no reload).
    const task = page.locator(`tr.task[data-task="${taskId}"]`);
    await task.waitFor({ timeout: 15_000 });
    const row = page.locator('tr.root');
    await row.waitFor({ timeout: 15_000 });
    await task.locator('.progress-text').waitFor({ timeout: 15_000 });
    const firstProgress = (await task.locator('.progress-text').textContent()) ?? '';
    assert.match(firstProgress, new RegExp(`^[\\d,]+ / ${FILES.toLocaleString('en-US')}$`));
    const firstFiles = await cellNumber(page, 'tr.root .files-indexed');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // Counts move while the workers write batches.
    await page.waitForFunction(
      (before) => {
        const cell = (globalThis as unknown as { document: Doc }).document.querySelector(
          'tr.root .files-indexed',
        );
        const n = cell ? Number((cell.textContent ?? '').replaceAll(',', '')) : Number.NaN;
        return Number.isFinite(n) && n > (Number.isFinite(before) ? before : -1);
      },
      firstFiles,
      { timeout: 20_000, polling: 200 },
    );

    const done = await waitForHttpTask(srv.url, taskId, {}, 60_000);
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    await page.waitForFunction(
      (total) => {
        const d = (globalThis as unknown as { document: Doc }).document;
        return (
          d.querySelector('tr.root .files-indexed')?.textContent === total &&
          d.querySelector('#no-tasks') !== null
        );
      },
      FILES.toLocaleString('en-US'),
      { timeout: 10_000, polling: 200 },
    );
    assert.ok((await cellNumber(page, 'tr.root .symbols')) >= FILES * 3);
    assert.equal(await page.locator('tr.root code').first().textContent(), repo);
    // The throughput chart has a line per queue, and the indexing queue reports completed jobs.
    assert.equal(await page.locator('#throughput polyline').count(), 3);
    assert.ok((await cellNumber(page, 'tr[data-queue="indexing"] .q-completed')) >= FILES / 100);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-done.png'), fullPage: true });

    // bull-board, mounted at /queues, lists our queues.
    await page.goto(`${srv.url}/queues`);
    for (const q of ['indexing', 'embeddings', 'maintenance', 'dead-letter']) {
      await page.getByText(q, { exact: true }).first().waitFor({ timeout: 15_000 });
    }
    // Open the indexing queue: its completed jobs are listed (retry/remove live on each job).
    await page.getByText('indexing', { exact: true }).first().click();
    await page
      .getByText(/index-(batch|repository)/)
      .first()
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'queues.png') });
    assert.deepEqual(errors, [], errors.join('\n'));
  });
});
