/**
 * The dashboard's HTML, rendered by the same functions on the server (first paint) and in the
 * browser (every poll): dashboard-page.ts embeds their source text in the page. So each function
 * here must be self-contained: no imports, no module constants, only calls to the others.
 */
import type { DashboardData, DashboardRoot } from './dashboard-data.js';

export function esc(v: unknown): string {
  return String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function fmtNum(n: number): string {
  return Number(n ?? 0).toLocaleString('en-US');
}

export function fmtAge(iso: string | null, now: string): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function renderTasks(d: DashboardData): string {
  if (d.active.length === 0) return '<p class="muted" id="no-tasks">No running tasks.</p>';
  const rows = d.active.map((t) => {
    const p = t.progress;
    const pct = p && p.total > 0 ? Math.min(100, Math.round((p.current / p.total) * 100)) : null;
    const bar =
      pct === null
        ? '<span class="muted">—</span>'
        : `<div class="bar" title="${pct}%"><div style="width:${pct}%"></div></div> <span class="progress-text">${fmtNum(p!.current)} / ${fmtNum(p!.total)}</span>`;
    return `<tr class="task" data-task="${esc(t.task_id)}"><td><code>${esc(t.task_id)}</code></td><td>${esc(t.name)}</td><td>${esc(t.queue)}</td><td><span class="state s-${esc(t.state)}">${esc(t.state)}</span></td><td>${bar}<div class="muted small">${esc(p?.status ?? '')}</div></td><td class="small">${esc(t.worker ?? '')}</td></tr>`;
  });
  return `<table><thead><tr><th>Task</th><th>Job</th><th>Queue</th><th>State</th><th>Progress</th><th>Worker</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderQueues(d: DashboardData): string {
  if (d.redis_error) return `<p class="error">Redis: ${esc(d.redis_error)}</p>`;
  const rows = d.queues.map((q) => {
    const c = q.counts;
    return `<tr data-queue="${esc(q.queue)}"><td>${esc(q.queue)}</td><td class="num">${fmtNum(c.active)}</td><td class="num">${fmtNum(c.waiting)}</td><td class="num">${fmtNum(c.delayed)}</td><td class="num">${fmtNum(c.waiting_children)}</td><td class="num q-completed">${fmtNum(c.completed)}</td><td class="num${c.failed ? ' bad' : ''}">${fmtNum(c.failed)}</td><td class="num q-workers" title="${esc(q.workers.join('\n'))}">${q.queue === 'dead-letter' ? '<span class="muted">—</span>' : fmtNum(q.workers.length)}</td></tr>`;
  });
  return `<table><thead><tr><th>Queue</th><th>Active</th><th>Waiting</th><th>Delayed</th><th>Waiting children</th><th>Completed</th><th>Failed</th><th>Workers</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderChart(d: DashboardData): string {
  const colors = ['#2563eb', '#16a34a', '#d97706', '#9333ea'];
  const series = d.queues
    .filter((q) => q.queue !== 'dead-letter')
    .map((q) => {
      // Newest first from the server; minutes without data are zero.
      const newest = q.completed_per_minute.slice(0, 15);
      while (newest.length < 15) newest.push(0);
      return { queue: q.queue, points: newest.reverse() };
    });
  const n = 15;
  const w = 640;
  const h = 180;
  const padL = 40;
  const padB = 24;
  const max = Math.max(1, ...series.flatMap((s) => s.points));
  const x = (i: number, len: number) => padL + ((w - padL - 10) * (n - len + i)) / (n - 1);
  const y = (v: number) => h - padB - ((h - padB - 10) * v) / max;
  const grid = [0, 0.5, 1]
    .map((f) => {
      const v = Math.round(max * f);
      return `<line x1="${padL}" x2="${w - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${padL - 6}" y="${y(v) + 4}" text-anchor="end" class="axis">${v}</text>`;
    })
    .join('');
  const lines = series
    .map((s, k) => {
      const pts = s.points.map((v, i) => `${x(i, s.points.length).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      return pts
        ? `<polyline fill="none" stroke="${colors[k % colors.length]}" stroke-width="2" points="${pts}" data-queue="${esc(s.queue)}"/>`
        : '';
    })
    .join('');
  const legend = series
    .map(
      (s, k) =>
        `<span class="legend"><i style="background:${colors[k % colors.length]}"></i>${esc(s.queue)} (${fmtNum(s.points.at(-1) ?? 0)} this minute)</span>`,
    )
    .join('');
  return `<svg id="throughput" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="Jobs completed per minute, per queue, last 15 minutes">${grid}<text x="${padL}" y="${h - 6}" class="axis">-15 min</text><text x="${w - 10}" y="${h - 6}" text-anchor="end" class="axis">now</text>${lines}</svg><div>${legend}</div>`;
}

export function renderRoot(r: DashboardRoot, now: string): string {
  const skipped = Object.entries(r.skipped_by_reason)
    .map(([k, v]) => `${esc(k)} ${fmtNum(v)}`)
    .join(', ');
  const emb = r.embeddings;
  const embTotal = emb ? emb.embedded + emb.pending : 0;
  const cov = emb
    ? `${embTotal ? Math.round((emb.embedded / embTotal) * 100) : 100}% (${fmtNum(emb.embedded)} / ${fmtNum(embTotal)})`
    : 'off';
  const watch = r.watch
    ? r.watch.watching
      ? `watching${r.watch.mode ? ` (${esc(r.watch.mode)})` : ''}`
      : r.watch.leaseHolder
        ? `watched by ${esc(r.watch.leaseHolder)}`
        : 'not watching'
    : '<span class="muted">n/a</span>';
  const failed = r.failed_files.length
    ? `<details class="failed"><summary>${fmtNum(r.files.failed)} failed files</summary><ul>${r.failed_files
        .map((f) => `<li><code>${esc(f.path)}</code>: ${esc(f.error)}</li>`)
        .join('')}</ul></details>`
    : '';
  return `<tr class="root" data-root="${esc(r.root)}"><td><code>${esc(r.root)}</code>${failed}</td><td class="num files-indexed">${fmtNum(r.files.indexed)}</td><td class="num symbols">${fmtNum(r.symbols)}</td><td class="num">${fmtNum(r.refs)}</td><td class="num chunks">${fmtNum(r.chunks)}</td><td>${cov}</td><td class="num">${fmtNum(r.files.skipped)}${skipped ? `<div class="muted small">${skipped}</div>` : ''}</td><td class="num${r.files.failed ? ' bad' : ''}">${fmtNum(r.files.failed)}</td><td title="${esc(r.last_indexed_at ?? '')}">${fmtAge(r.last_indexed_at, now)}</td><td class="small">${watch}</td></tr>`;
}

export function renderRoots(d: DashboardData): string {
  const err = d.index_error ? `<p class="error">Index: ${esc(d.index_error)}</p>` : '';
  if (d.roots.length === 0) return `${err}<p class="muted" id="no-roots">Nothing indexed yet.</p>`;
  return `${err}<table><thead><tr><th>Root</th><th>Files</th><th>Symbols</th><th>Refs</th><th>Chunks</th><th>Embeddings</th><th>Skipped</th><th>Failed</th><th>Last indexed</th><th>Watcher</th></tr></thead><tbody>${d.roots
    .map((r) => renderRoot(r, d.generated_at))
    .join('')}</tbody></table>`;
}

export function renderDashboard(d: DashboardData): string {
  // One worker process opens a connection per queue it consumes: the busiest queue's count is the
  // best estimate of processes that Redis can give.
  const workers = Math.max(0, ...d.queues.map((q) => q.workers.length));
  const dead = d.queues.find((q) => q.queue === 'dead-letter');
  const deadCount = dead ? dead.counts.waiting + dead.counts.completed + dead.counts.failed : 0;
  const pills = `<span class="pill ${d.redis_error ? 'pill-bad' : 'pill-ok'}">Redis ${d.redis_error ? 'down' : 'up'}</span><span class="pill ${workers ? 'pill-ok' : 'pill-bad'}" id="worker-count">${workers} worker${workers === 1 ? '' : 's'}</span><span class="pill ${deadCount ? 'pill-bad' : 'pill-ok'}">${deadCount} dead letters</span><span class="muted small" id="updated">updated ${esc(d.generated_at.slice(11, 19))} UTC</span>`;
  return `<div class="pills">${pills}</div><section><h2>Running tasks</h2><div id="tasks">${renderTasks(d)}</div></section><section><h2>Indexed roots</h2><div id="roots">${renderRoots(d)}</div></section><div class="cols"><section><h2>Queues</h2><div id="queues">${renderQueues(d)}</div></section><section><h2>Throughput <span class="muted small">jobs completed per minute</span></h2><div id="chart">${renderChart(d)}</div></section></div>`;
}

/** The functions the page ships to the browser, in dependency order. */
export const CLIENT_RENDERERS = [
  esc,
  fmtNum,
  fmtAge,
  renderTasks,
  renderQueues,
  renderChart,
  renderRoot,
  renderRoots,
  renderDashboard,
] as const;
