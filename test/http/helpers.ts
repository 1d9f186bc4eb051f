import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, freePort, REPO_ROOT } from '../helpers/env.js';

export interface RunningDashboard {
  url: string;
  port: number;
  proc: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `codeindex dashboard` (the built CLI, a real process with its own worker pool) on a free
 * port and waits until it answers. `expectWorkers` also waits for /healthz to report them.
 */
export async function startDashboard(
  env: Record<string, string>,
  opts: { args?: string[]; headers?: Record<string, string>; expectWorkers?: boolean } = {},
): Promise<RunningDashboard> {
  const port = await freePort();
  const proc = spawn(process.execPath, [CLI, 'dashboard', '--port', String(port), ...(opts.args ?? [])], {
    env,
    cwd: env.CODEINDEX_CWD ?? REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.CODEINDEX_TEST_SHOW_STDERR) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };
  // A worker process loads every grammar before it reports: on a loaded 2-core machine that took
  // over 20 s once. A ready dashboard is seen at once, so the wait costs nothing otherwise.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`dashboard exited ${proc.exitCode}: ${err}`);
    try {
      const r = await fetch(`${url}/healthz`, { headers: opts.headers ?? {} });
      if (!opts.expectWorkers || r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dashboard did not become ready: ${err}`);
    }
    await sleep(100);
  }
  return { url, port, proc, stderr: () => err, stop };
}

/** JSON request helper: returns status, headers and parsed body. */
export async function http(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers }, redirect: 'manual' };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** Polls GET /tasks/:id until the task ends. */
export async function waitForHttpTask(
  base: string,
  taskId: string,
  headers: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await http('GET', `${base}/tasks/${taskId}`, undefined, headers);
    if (r.status !== 200) throw new Error(`GET /tasks/${taskId}: ${r.status} ${JSON.stringify(r.body)}`);
    if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(String(r.body.state))) return r.body;
    if (Date.now() > end) throw new Error(`task ${taskId} still ${r.body.state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Writes a repository of `files` small TypeScript files in `dirs` folders (a few symbols and
 * cross-references each), big enough that indexing takes a few seconds.
 */
export function generateRepo(into: string, files: number, dirs = 20): string {
  const root = join(into, 'generated-repo');
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${i % dirs}`);
    if (i < dirs) mkdirSync(dir, { recursive: true });
    const prev = i > 0 ? `import { helper${i - 1} } from './m${i - 1}';\n` : '';
    const methods = Array.from(
      { length: 8 },
      (_, k) => `  method${k}(n: number): number {
    const total = helper${i}(n) + ${k};
    return total > ${k * 10} ? total : this.method${k === 0 ? 0 : k - 1}(n + 1);
  }
`,
    ).join('');
    writeFileSync(
      join(dir, `m${i}.ts`),
      `${prev}/** Helper number ${i}. */
export function helper${i}(x: number): number {
  return x * ${i} + 1;
}

export interface Shape${i} {
  id: number;
  label: string;
}

export type Kind${i} = 'a${i}' | 'b${i}';

export class Widget${i} implements Shape${i} {
  id = ${i};
  label = 'widget ${i}';
  render(): string {
    return this.label + String(helper${i}(this.id));
  }
${methods}}
`,
    );
  }
  return root;
}
