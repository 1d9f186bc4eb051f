import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { DashboardData } from './dashboard-data.js';
import { CLIENT_RENDERERS, esc, renderDashboard } from './dashboard-render.js';

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111827;background:#f8fafc}
header{display:flex;align-items:center;gap:1.5rem;padding:.8rem 1.5rem;background:#0f172a;color:#fff}
header h1{font-size:1.1rem;margin:0}header nav a{color:#cbd5e1;margin-right:1rem;text-decoration:none}header nav a:hover{color:#fff}
main{padding:1rem 1.5rem;max-width:1400px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:.6rem 1rem;margin-bottom:1rem;overflow-x:auto}
h2{font-size:1rem;margin:.2rem 0 .6rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #f1f5f9;vertical-align:top}
th{font-weight:600;color:#475569;font-size:.8rem;text-transform:uppercase;letter-spacing:.02em}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#6b7280}.small{font-size:.8rem}.bad{color:#b91c1c;font-weight:600}.error{color:#b91c1c}
.pills{display:flex;gap:.5rem;align-items:center;margin-bottom:1rem}.pill{padding:.15rem .6rem;border-radius:999px;font-size:.8rem;font-weight:600}
.pill-ok{background:#dcfce7;color:#166534}.pill-bad{background:#fee2e2;color:#991b1b}
.bar{display:inline-block;width:160px;height:10px;background:#e5e7eb;border-radius:5px;vertical-align:middle;overflow:hidden}.bar div{height:100%;background:#2563eb}
.state{font-size:.75rem;font-weight:600;padding:.05rem .4rem;border-radius:4px;background:#e0e7ff;color:#3730a3}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}@media (max-width:1000px){.cols{grid-template-columns:1fr}}
.legend{margin-right:1rem;font-size:.8rem}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
svg .axis{font-size:10px;fill:#6b7280}details.failed{margin-top:.3rem;font-size:.8rem}details.failed li{color:#7f1d1d}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
`;

/** JSON inside a script element: `<` escaped so no `</script>` can end it early. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replaceAll('<', '\\u003c');
}

/** The full page: server-rendered content, plus a script that re-renders from /dashboard.json every 2 s. */
export function renderDashboardPage(d: DashboardData, nonce: string): string {
  const fns = CLIENT_RENDERERS.map((f) => f.toString()).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>codeindex dashboard</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><header><h1>codeindex <span class="muted small">${esc(d.version)}</span></h1>
<nav><a href="./">Index</a><a href="queues">Queues (bull-board)</a><a href="metrics">Metrics</a><a href="healthz">Health</a></nav>
<span class="small" id="poll-status"></span></header>
<main id="app">${renderDashboard(d)}</main>
<script nonce="${nonce}">
${fns}
(function () {
  var status = document.getElementById('poll-status');
  async function poll() {
    try {
      var r = await fetch('dashboard.json', { credentials: 'same-origin', cache: 'no-store' });
      if (r.ok) {
        var d = await r.json();
        var open = Array.from(document.querySelectorAll('details[open]')).map(function (e) { return e.closest('[data-root]')?.getAttribute('data-root'); });
        document.getElementById('app').innerHTML = renderDashboard(d);
        open.forEach(function (root) { document.querySelectorAll('[data-root]').forEach(function (row) { if (row.getAttribute('data-root') === root) { var det = row.querySelector('details'); if (det) det.open = true; } }); });
        status.textContent = '';
      } else {
        status.textContent = 'refresh failed: HTTP ' + r.status;
      }
    } catch (e) {
      status.textContent = 'refresh failed: server unreachable';
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 2000);
})();
</script></body></html>`;
}

/** `GET /`: the page, with a per-response CSP nonce (inline script allowed only with it). */
export function dashboardPageHandler(collect: () => Promise<DashboardData>): RequestHandler {
  return async (_req, res) => {
    const nonce = randomBytes(16).toString('base64');
    const data = await collect();
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderDashboardPage(data, nonce));
  };
}
