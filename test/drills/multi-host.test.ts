import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answers, CODE_QUERIES, codeFiles } from '../helpers/answers.js';
import {
  callTool,
  copyFixture,
  makeTestEnv,
  REPO_ROOT,
  startMcpClient,
  type TestEnv,
  waitForTask,
} from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { createTestDatabase, type TestDatabase } from '../store/helpers/pg.js';

type Mcp = Awaited<ReturnType<typeof startMcpClient>>;

/**
 * Runs `command` in a mount namespace of its own where an empty tmpfs covers `hide`: what a
 * process on another host, without the source tree, sees. Null when namespaces are not available
 * (not root, no unshare).
 */
function hiddenArgs(hide: string, command: string): string[] {
  return [
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    `mount -t tmpfs tmpfs "${hide}" && ${command}`,
  ];
}

function namespacesWork(hide: string): string | null {
  if (process.getuid?.() !== 0) return 'needs root (unshare --mount)';
  const r = spawnSync('unshare', hiddenArgs(hide, `ls -A "${hide}"`), { encoding: 'utf8' });
  if (r.status !== 0) return `unshare --mount failed: ${(r.stderr || String(r.error)).trim()}`;
  return null;
}

/** Source files under a directory (what the fixture holds). */
function countFiles(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    n += statSync(p).isDirectory() ? countFiles(p) : 1;
  }
  return n;
}

/** A network namespace joined to this one by a veth pair: a second host on a /30 link. */
interface Netns {
  name: string;
  hostIp: string;
  remove(): void;
}

function ip(...args: string[]): string | null {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return r.status === 0 ? null : `ip ${args.join(' ')}: ${(r.stderr || String(r.error)).trim()}`;
}

/** Creates the namespace and the link, or says why it cannot. */
function makeNetns(): Netns | string {
  const id = randomBytes(3).toString('hex');
  const name = `ci-mh-${id}`;
  const [hostIf, nsIf] = [`cih${id}`, `ciw${id}`];
  const net = `10.213.${randomBytes(1)[0]!}.${(randomBytes(1)[0]! % 64) * 4}`.split('.');
  const at = (n: number) => [...net.slice(0, 3), Number(net[3]) + n].join('.');
  const remove = () => {
    ip('netns', 'del', name);
    ip('link', 'del', hostIf);
  };
  const failed =
    ip('netns', 'add', name) ??
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf) ??
    ip('link', 'set', nsIf, 'netns', name) ??
    ip('addr', 'add', `${at(1)}/30`, 'dev', hostIf) ??
    ip('link', 'set', hostIf, 'up') ??
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${at(2)}/30`, 'dev', nsIf) ??
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up') ??
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  if (failed !== null) {
    remove();
    return failed;
  }
  return { name, hostIp: at(1), remove };
}

/** Forwards TCP connections made to `host`:(a free port) to `target`: how the namespace reaches a service. */
async function tcpForward(
  host: string,
  target: { host: string; port: number },
): Promise<Server & { port: number }> {
  const server = createServer((sock) => {
    const up = connect(target.port, target.host);
    sock.pipe(up).pipe(sock);
    const drop = () => {
      sock.destroy();
      up.destroy();
    };
    sock.on('error', drop);
    up.on('error', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const addr = server.address();
  return Object.assign(server, { port: typeof addr === 'object' && addr ? addr.port : 0 });
}

/** Whether a process in namespace `ns` can open a TCP connection to `host`:`port` (exit 0). */
function reachableFrom(ns: string, host: string, port: number): boolean {
  const js = `require('net').connect(${port},'${host}').on('connect',()=>process.exit(0)).on('error',()=>process.exit(3))`;
  return spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', js], { timeout: 10_000 }).status === 0;
}

/** `url` with its host and port replaced. */
function via(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}

for (const variant of ['mount namespace', 'network and mount namespaces'] as const)
  describe(`a worker on a host that cannot see the source tree indexes it (sources shipped through Redis; its own ${variant})`, () => {
    const ownNetwork = variant === 'network and mount namespaces';
    let netns: Netns | null = null;
    const forwards: Server[] = [];
    let redisPort = 0;
    let db: TestDatabase | null = null;
    let skip: string | null = null;
    let repo = '';
    let srcParent = '';
    const envs: TestEnv[] = [];
    const servers: Mcp[] = [];
    let worker: ChildProcess | null = null;
    let workerLog = '';
    let first: Mcp;
    let reference: Mcp;

    before(async () => {
      db = await createTestDatabase();
      if (db === null) {
        skip = 'no PostgreSQL answers at 127.0.0.1:5432';
        return;
      }
      // The source tree lives under a directory of its own: the worker's namespace covers it.
      srcParent = mkdtempSync(join(tmpdir(), 'ci-mh-src-'));
      skip = namespacesWork(srcParent);
      if (skip) return;
      if (ownNetwork) {
        const made = makeNetns();
        if (typeof made === 'string') {
          skip = `no network namespace: ${made}`;
          return;
        }
        netns = made;
      }
      const server = makeTestEnv({ CODEINDEX_DATABASE_URL: db.url, CODEINDEX_WORKERS: '0' });
      envs.push(server);
      repo = copyFixture('langs', srcParent);
      server.env.CODEINDEX_ROOTS = repo;

      // The worker: same Redis, queue prefix and database; its own data dir, no roots configured or
      // registered, and the source tree covered by an empty tmpfs.
      const workerHome = mkdtempSync(join(tmpdir(), 'ci-mh-worker-'));
      const wenv: Record<string, string> = { ...server.env, CODEINDEX_HOME: workerHome, CODEINDEX_ROOTS: '' };
      const workerJs = join(REPO_ROOT, 'dist/workers/worker.js');
      const unshare = ['unshare', ...hiddenArgs(srcParent, `exec "${process.execPath}" "${workerJs}"`)];
      if (netns !== null) {
        // Its own network stack: Redis and PostgreSQL (on this side's loopback) only through the
        // link, as from another host.
        const redisUrl = new URL(server.env.REDIS_URL!);
        const pgUrl = new URL(db.url);
        redisPort = Number(redisUrl.port || 6379);
        const r = await tcpForward(netns.hostIp, { host: redisUrl.hostname, port: redisPort });
        const p = await tcpForward(netns.hostIp, { host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
        forwards.push(r, p);
        wenv.REDIS_URL = via(server.env.REDIS_URL!, netns.hostIp, r.port);
        wenv.CODEINDEX_DATABASE_URL = via(db.url, netns.hostIp, p.port);
      }
      const [cmd, ...args] = netns === null ? unshare : ['ip', 'netns', 'exec', netns.name, ...unshare];
      worker = spawn(cmd!, args, { env: wenv, stdio: ['ignore', 'ignore', 'pipe'] });
      worker.stderr?.on('data', (d: Buffer) => {
        workerLog += d.toString();
      });

      first = await startMcpClient(server.env);
      servers.push(first);
      // The same tree indexed the usual way (SQLite, a worker reading the disk), to compare against.
      const ref = makeTestEnv({ CODEINDEX_DATABASE_URL: '', CODEINDEX_ROOTS: repo });
      envs.push(ref);
      reference = await startMcpClient(ref.env);
      servers.push(reference);
    });

    after(async () => {
      for (const s of servers) await s.close().catch(() => {});
      if (worker && worker.exitCode === null) {
        worker.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 200));
        if (worker.exitCode === null) worker.kill('SIGKILL');
      }
      for (const f of forwards) f.close();
      netns?.remove();
      for (const e of envs) await e.cleanup();
      await db?.drop();
      if (srcParent) rmSync(srcParent, { recursive: true, force: true });
    });

    test('the worker indexes every file, and the answers equal those of a worker reading the disk', async (t) => {
      if (skip) return t.skip(skip);
      // The worker's side really is blind: in its namespace the tree is not there.
      const look = spawnSync('unshare', hiddenArgs(srcParent, `ls -A "${srcParent}" | wc -l`), {
        encoding: 'utf8',
      });
      assert.equal(look.stdout.trim(), '0');
      if (netns !== null) {
        // And in its own network: this side's loopback services are out of reach except through the link.
        assert.equal(reachableFrom(netns.name, '127.0.0.1', redisPort), false);
        assert.equal(
          reachableFrom(netns.name, netns.hostIp, (forwards[0]!.address() as { port: number }).port),
          true,
        );
      }

      const started = await callTool(first.client, 'index_repository', { path: repo });
      const end = await waitForTask(first.client, String(started.task_id), 120_000);
      assert.equal(end.state, 'SUCCESS', `${JSON.stringify(end)}\nworker: ${workerLog.slice(-2000)}`);
      const summary = end.result as { files_indexed: number; files_failed: number; files_scanned: number };
      assert.equal(summary.files_failed, 0, JSON.stringify(summary));

      const refStart = await callTool(reference.client, 'index_repository', { path: repo });
      const refEnd = await waitForTask(reference.client, String(refStart.task_id), 120_000);
      assert.equal(refEnd.state, 'SUCCESS', JSON.stringify(refEnd));
      const refSummary = refEnd.result as typeof summary;
      assert.equal(summary.files_indexed, refSummary.files_indexed);
      assert.equal(summary.files_scanned, refSummary.files_scanned);
      assert.ok(
        summary.files_indexed > 20 && summary.files_indexed <= countFiles(repo),
        JSON.stringify(summary),
      );

      const shipped = await answers(first.client, repo);
      const direct = await answers(reference.client, repo);
      for (const key of Object.keys(direct)) assert.deepEqual(shipped[key], direct[key], key);
      assert.ok((direct['symbols UserRepository'] as unknown[]).length > 0);
    });

    test('a second server with its own data dir answers exactly as the first', async (t) => {
      if (skip) return t.skip(skip);
      const other = makeTestEnv({
        CODEINDEX_DATABASE_URL: db!.url,
        CODEINDEX_WORKERS: '0',
        CODEINDEX_ROOTS: repo,
      });
      envs.push(other);
      mkdirSync(other.home, { recursive: true });
      const second = await startMcpClient(other.env);
      servers.push(second);
      assert.deepEqual(await answers(second.client, repo), await answers(first.client, repo));
      for (const q of CODE_QUERIES)
        assert.deepEqual(await codeFiles(second.client, q), await codeFiles(first.client, q), q);
    });

    test('a changed file is shipped again and the blind worker indexes the new content', async (t) => {
      if (skip) return t.skip(skip);
      appendFileSync(
        join(repo, 'python/models.py'),
        '\n\ndef shipped_after_save(value):\n    return value * 2\n',
      );
      const started = await callTool(first.client, 'index_file', { path: join(repo, 'python/models.py') });
      const end = await waitForTask(first.client, String(started.task_id), 60_000);
      assert.equal(end.state, 'SUCCESS', JSON.stringify(end));
      const found = await callTool<{ symbols: { name: string; path: string }[] }>(
        first.client,
        'search_symbols',
        {
          query: 'shipped_after_save',
        },
      );
      assert.deepEqual(
        found.symbols.map((s) => [s.name, s.path]),
        [['shipped_after_save', join(repo, 'python/models.py')]],
      );
      // A re-index of the repository now finds nothing to do: unchanged content is not parsed again.
      const again = await callTool(first.client, 'index_repository', { path: repo });
      const againEnd = await waitForTask(first.client, String(again.task_id), 60_000);
      assert.equal(againEnd.state, 'SUCCESS', JSON.stringify(againEnd));
      assert.equal(
        (againEnd.result as { files_indexed: number }).files_indexed,
        0,
        JSON.stringify(againEnd.result),
      );
    });

    test('a save seen by the watcher ships the saved bytes, and the blind worker indexes them', async (t) => {
      if (skip) return t.skip(skip);
      writeFileSync(
        join(repo, 'go/watched.go'),
        'package store\n\nfunc ShippedByWatcher() int {\n\treturn 7\n}\n',
      );
      const hit = await waitFor(
        'the watcher to ship go/watched.go and the worker to index it',
        async () => {
          const r = await callTool<{ symbols: { name: string; path: string }[] }>(
            first.client,
            'search_symbols',
            {
              query: 'ShippedByWatcher',
            },
          );
          return r.symbols.find((s) => s.name === 'ShippedByWatcher');
        },
        30_000,
        100,
      );
      assert.equal(hit.path, join(repo, 'go/watched.go'));
    });
  });
