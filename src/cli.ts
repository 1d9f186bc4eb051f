#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describePool, startLocalPool } from '../workers/local-pool.js';
import { createProgressReporter } from './cli/progress.js';
import { renderSummary } from './cli/summary.js';
import { checkEnv } from './config/env-check.js';
import { type ConfigFlags, loadConfig } from './config/load.js';
import { indexDbPath } from './config/paths.js';
import type { Config } from './config/schema.js';
import { resolveCommandDirectory } from './discovery/index.js';
import { CodeindexError, errorMessage, isCodeindexError } from './errors.js';
import { SYMBOL_KINDS, type SymbolKind } from './indexer/types.js';
import { createLogger, type Logger } from './log.js';
import { isUnder } from './mcp/scope.js';
import { createCodeindexServer } from './mcp/server.js';
import { StdioLineTransport } from './mcp/stdio-transport.js';
import { searchSymbolGroups } from './mcp/symbol-groups.js';
/**
 * `codeindex serve | worker | index <path> | search <query> | status | cleanup | stop-redis`.
 * Results go to stdout; logs, progress and errors go to stderr (stdout is the MCP protocol for serve).
 */
import { numberedLines, readSymbolSource, sourceHeading, symbolSourceOut } from './mcp/symbol-source.js';
import { renderSymbol, symbolToOut } from './mcp/tools/search-symbols.js';
import { allowedRootsFile } from './queue/allowed-roots.js';
import { connectTaskClient } from './queue/connect.js';
import { JOBS, QUEUES } from './queue/names.js';
import { formatCount, formatEta, formatRate } from './queue/progress-rate.js';
import { checkCleanupCron, keepSchedules } from './queue/schedules.js';
import { shipsSources, type TaskInfo, type TaskProgress } from './queue/task-client.js';
import { resolveRedisUrl, stopEmbeddedRedis } from './redis/embedded.js';
import { integrityProblems, quarantineIndex, rootsOfDamaged } from './store/corruption.js';
import { openStore } from './store/index.js';
import type { WatchManager } from './watch/types.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const HELP = `codeindex ${VERSION}: a live code index for AI assistants, with indexing as BullMQ jobs

Usage:
  codeindex serve [--workers N] [--roots DIRS]   MCP server on stdio (+ worker pool, + watcher)
  codeindex worker [--queues indexing,embeddings,maintenance]
                                                  a worker process (Celery's -Q); run several
  codeindex index <path> [--force] [--workers N] [--json] [--no-upkeep]
                                                  index a repository, show progress, print a summary
  codeindex search <query> [--kind K] [--limit N] [--path DIR] [--json]
                                                  search symbols in the index (--path: only under DIR)
  codeindex show <symbol> [--path DIR] [--kind K] [--max-lines N] [--json]
                                                  print a definition's source (Class.method, pkg.Func), as get_symbol
  codeindex search --code <words> [--mode text|semantic|hybrid] [--limit N] [--path DIR] [--json]
                                                  search code by words or a question (files, best first)
  codeindex watch [path]                          watch a folder and re-index files on save (no MCP)
  codeindex status [--json]                       queues, workers, dead letters, indexed roots
  codeindex cleanup [--days N] [--dry-run]        drop indexes unused for N days
  codeindex stop-redis                            stop the private redis-server of the data dir
  codeindex migrate-store --to postgres://... [--root DIR] [--force] [--json]
                                                  move the SQLite index of the data dir into PostgreSQL
  codeindex doctor [--repair]                     check the index file and Redis; --repair sets a
                                                  damaged index aside and rebuilds it
  codeindex dashboard [--port 5555] [--host H] [--workers N]
                                                  web dashboard, bull-board, HTTP API, /metrics, MCP over HTTP
  codeindex serve --http PORT [--host H]          serve also runs that HTTP server next to stdio
                                                  (a --host other than loopback needs CODEINDEX_DASHBOARD_TOKEN)

Common options (each also an environment variable, see README):
  --redis-url URL     REDIS_URL (default: private redis-server on a unix socket, else 127.0.0.1:6379)
  --database-url URL  CODEINDEX_DATABASE_URL (postgres://...: the index in PostgreSQL; default SQLite in the data dir)
  --home DIR          CODEINDEX_HOME (data dir)
  --roots A:B         CODEINDEX_ROOTS (allowed roots)
  --workers N         CODEINDEX_WORKERS (worker processes to spawn; 0 = use external workers)
  --batch-size N      CODEINDEX_BATCH_SIZE     --max-file-bytes N   CODEINDEX_MAX_FILE_BYTES
  --queue-prefix P    CODEINDEX_QUEUE_PREFIX   --log-level L        CODEINDEX_LOG_LEVEL
  --config FILE       JSON config file (CODEINDEX_CONFIG)
  --no-watch          do not watch indexed roots (serve)
  -h, --help          this help
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  'no-upkeep': { type: 'boolean' },
  repair: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'no-watch': { type: 'boolean' },
  queues: { type: 'string' },
  kind: { type: 'string' },
  limit: { type: 'string' },
  'max-lines': { type: 'string' },
  code: { type: 'boolean' },
  mode: { type: 'string' },
  days: { type: 'string' },
  to: { type: 'string' },
  root: { type: 'string' },
  path: { type: 'string' },
  'redis-url': { type: 'string' },
  'database-url': { type: 'string' },
  home: { type: 'string' },
  roots: { type: 'string' },
  workers: { type: 'string' },
  'batch-size': { type: 'string' },
  'max-file-bytes': { type: 'string' },
  'queue-prefix': { type: 'string' },
  'log-level': { type: 'string' },
  config: { type: 'string' },
  // HTTP server (dashboard, serve --http): see src/http/.
  port: { type: 'string' },
  host: { type: 'string' },
  http: { type: 'string' },
} as const;

/**
 * node's parseArgs errors in one line that says what to do. Its "argument is ambiguous." kept the
 * fix on lines we dropped (a value that starts with a dash goes after `=`), and its unknown option
 * message ran on about positionals.
 */
function parseArgsMessage(err: unknown): string {
  const msg = errorMessage(err);
  const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(msg);
  if (ambiguous)
    return `${ambiguous[1]} got a value that starts with a dash: write it as ${ambiguous[1]}=VALUE`;
  const unknown = /^Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown option ${unknown[1]}`;
  return msg.split('\n')[0]!.replace(/\.$/, '');
}

/** How many words each command takes after its name (search and show join theirs into one query). */
const POSITIONALS_TAKEN: Readonly<Record<string, number>> = {
  serve: 0,
  worker: 0,
  index: 1,
  watch: 1,
  status: 0,
  cleanup: 0,
  dashboard: 0,
  doctor: 0,
  'migrate-store': 0,
  'stop-redis': 0,
};

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function flagsOf(v: Values): ConfigFlags {
  return {
    config: v.config,
    redisUrl: v['redis-url'],
    databaseUrl: v['database-url'],
    home: v.home,
    roots: v.roots ? v.roots.split(':').filter(Boolean) : undefined,
    workers: v.workers,
    batchSize: v['batch-size'],
    maxFileBytes: v['max-file-bytes'],
    queuePrefix: v['queue-prefix'],
    logLevel: v['log-level'],
    watch: v['no-watch'] ? false : undefined,
  };
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`codeindex: ${parseArgsMessage(err)}; see codeindex --help\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  // A word a command does not take was dropped without a word: `codeindex index a b` indexed `a`
  // only, and `codeindex status --json` typed as `status json` printed text.
  const most = Object.hasOwn(POSITIONALS_TAKEN, command) ? POSITIONALS_TAKEN[command] : undefined;
  if (most !== undefined && rest.length > most) {
    process.stderr.write(
      `codeindex ${command}: unexpected argument ${rest[most]}: ${command} takes ${most === 0 ? 'no arguments' : 'one path'}; see codeindex --help\n`,
    );
    return 2;
  }
  const envCheck = checkEnv(process.env);
  for (const w of envCheck.warnings) process.stderr.write(`${w}\n`);
  if (envCheck.fatal) {
    process.stderr.write(`codeindex: ${envCheck.fatal}\n`);
    return 2;
  }
  let cfg: Config;
  try {
    cfg = loadConfig(flagsOf(values));
    checkCleanupCron(cfg);
  } catch (err) {
    process.stderr.write(`codeindex: ${errorMessage(err)}\n`);
    return 2;
  }
  const log = createLogger('codeindex', cfg.logLevel);
  switch (command) {
    case 'serve':
      return serve(cfg, log, values);
    case 'worker': {
      const { parseQueues, runWorkerProcess } = await import('../workers/worker.js');
      // Checked before anything starts: an unknown queue name was a stack trace and exit 1.
      try {
        if (parseQueues(values.queues).length === 0)
          throw new Error(`no queue named in --queues ${values.queues}`);
      } catch (err) {
        process.stderr.write(
          `codeindex worker: ${errorMessage(err).replace(/: use .*$/, '')}: use --queues with one or more of ${QUEUES.join(', ')}\n`,
        );
        return 2;
      }
      if (cfg.redisUrl) void sayWhileRedisAway(cfg.redisUrl, log);
      return runWorkerProcess(values.queues, cfg);
    }
    case 'index':
      return indexCommand(cfg, log, rest[0], values);
    case 'search':
      return searchCommand(cfg, rest.join(' '), values, log);
    case 'show':
      return showCommand(cfg, rest.join(' '), values);
    case 'status':
      return statusCommand(cfg, log, values);
    case 'cleanup':
      return cleanupCommand(cfg, values);
    case 'watch': {
      const { runWatchCommand } = await import('./watch/command.js');
      return runWatchCommand(cfg, log, rest[0] ?? '.');
    }
    case 'dashboard': {
      const { runDashboardCommand } = await import('./http/command.js');
      return runDashboardCommand(cfg, log, { port: values.port, host: values.host, version: VERSION });
    }
    case 'doctor':
      return doctorCommand(cfg, log, values);
    case 'migrate-store': {
      const { runMigrateStore } = await import('./cli/migrate-store.js');
      return runMigrateStore(cfg, {
        to: values.to,
        root: values.root,
        force: Boolean(values.force),
        json: Boolean(values.json),
      });
    }
    case 'stop-redis': {
      const stopped = await stopEmbeddedRedis(cfg.home);
      process.stdout.write(
        stopped ? 'stopped the private redis-server\n' : 'no private redis-server was running\n',
      );
      return 0;
    }
    default:
      process.stderr.write(`codeindex: unknown command ${command}; see codeindex --help\n`);
      return 2;
  }
}

/**
 * `worker` waits for Redis however long it is away (an operator may start workers first), but it
 * waited without a word: a wrong REDIS_URL looked like an idle worker. One line says what it waits
 * for, and one more when Redis answers.
 */
async function sayWhileRedisAway(url: string, log: Logger): Promise<void> {
  const { createRedis, withRedisDeadline } = await import('./redis/connection.js');
  const conn = createRedis(url, 'client', { retryStrategy: () => 1000 });
  conn.on('error', () => {});
  let warned = false;
  try {
    for (;;) {
      try {
        await withRedisDeadline(url, () => conn.ping(), 5000, conn);
        if (warned) log.warn('Redis answers: the worker takes jobs');
        return;
      } catch (err) {
        if (!warned) {
          const why = errorMessage(err).replace(/; query tools still answer from the index$/, '');
          log.warn(`waiting for Redis: ${why}`);
          warned = true;
        }
        await new Promise((r) => setTimeout(r, 1000).unref());
      }
    }
  } finally {
    conn.disconnect();
  }
}

/** `serve`: the MCP server on stdio, plus a supervised worker pool unless --workers 0. */
async function serve(cfg: Config, log: Logger, v?: Values): Promise<number> {
  // --- serve --http <port>: the HTTP server (src/http) next to stdio; flags checked before anything starts.
  let httpFlags: { port: number; host: string } | null = null;
  if (v?.http !== undefined) {
    const { checkHttpFlags } = await import('./http/command.js');
    const checked = checkHttpFlags('--http', v.http, v.host, 0);
    if ('error' in checked) {
      process.stderr.write(`codeindex serve: ${checked.error}\n`);
      return 2;
    }
    httpFlags = checked;
  }
  // --- end serve --http
  let redisUrl: Promise<string> | null = null;
  const getRedisUrl = () => {
    redisUrl ??= resolveRedisUrl(cfg, log).catch((err) => {
      redisUrl = null;
      throw err;
    });
    return redisUrl;
  };
  let watcher = null as WatchManager | null;
  const earlyRoots = new Set<string>();
  const { server, ctx, search, cleanup } = createCodeindexServer({
    cfg,
    log,
    redisUrl: getRedisUrl,
    version: VERSION,
    hooks: {
      onRootIndexed: (root) => {
        // Roots indexed before the watcher exists (background start-up) are watched once it does.
        if (!watcher) earlyRoots.add(root);
        void watcher
          ?.watchRoot(root)
          .catch((e) => log.warn('cannot watch root', { root, error: errorMessage(e) }));
      },
      onRootRemoved: (root) => void watcher?.unwatchRoot(root).catch(() => {}),
      rootNotes: (root) => (watcher ? { watch: watcher.notes(root) } : {}),
    },
  });
  let pool = null as import('../workers/supervisor.js').WorkerPool | null;
  // Set once the client has gone: what the background start-up fails at after that is no news.
  let stopping = false;
  // Background start-up: the protocol must answer at once, even while Redis is away.
  const startBackground = async () => {
    const url = await getRedisUrl();
    pool = await startLocalPool(cfg, url, log);
    const tasks = await ctx.tasks();
    // Registered again whenever Redis comes back (it may come back empty).
    await keepSchedules(cfg, tasks, log).registered.catch((err) => {
      // A client that closes right after its calls stops the server under this: no warning then.
      if (!stopping) log.warn('could not register schedules', { error: errorMessage(err) });
    });
    // The indexed roots this client may touch: watched, and their embedding resumed.
    const allowed = await ctx.allowedRoots().catch(() => [] as string[]);
    let served: string[] = [];
    try {
      // `store()` throws when nothing is indexed yet.
      served = (await ctx.store().listRoots())
        .map((r) => r.path)
        .filter((p) => allowed.some((a) => isUnder(a, p)));
    } catch {
      // Nothing indexed yet: nothing to resume or to watch.
    }
    if (cfg.watch) {
      const { createWatchManager } = await import('./watch/manager.js');
      watcher = createWatchManager({
        cfg,
        log: log.child('watch'),
        tasks,
        ownerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      });
      // Keep indexed roots fresh from the start (only those this client may touch).
      for (const r of served) ctx.onRootIndexed?.(r);
      for (const r of earlyRoots) ctx.onRootIndexed?.(r);
      earlyRoots.clear();
    }
    // After the watcher: saves are indexed whatever this takes.
    if (!stopping && served.length > 0) {
      const { resumeEmbeddings } = await import('../workers/processors/repository.js');
      // A client that closes right after its calls stops the server under this: no warning then.
      const quiet: Logger = {
        ...log,
        warn: (msg, fields) => {
          if (!stopping) log.warn(msg, fields);
        },
      };
      await resumeEmbeddings({ cfg, log: quiet, tasks, store: ctx.store() }, served);
    }
  };
  const transport = new StdioLineTransport({ log });
  await server.connect(transport);
  log.info('codeindex MCP server ready on stdio', { workers: cfg.workers });
  // --- serve --http: same Redis, producer, index and watcher hooks as the stdio server.
  let http: { close(): Promise<void> } | null = null;
  if (httpFlags) {
    const { startHttpServer } = await import('./http/server.js');
    http = await startHttpServer({
      cfg,
      log,
      ...httpFlags,
      version: VERSION,
      redisUrl: getRedisUrl,
      tasks: ctx.tasks,
      store: ctx.store,
      search,
      hooks: ctx,
    }).catch((err) => {
      // stdio keeps serving: the assistant should not lose its tools because a port is taken.
      log.error(`HTTP server not started: ${errorMessage(err)}`);
      return null;
    });
  }
  // --- end serve --http
  // Query tools answer from SQLite whatever happens here; job tools report Redis problems per call.
  void startBackground().catch((err) => {
    if (!stopping) log.warn(errorMessage(err));
  });
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    process.stdin.once('end', done);
    process.stdin.once('close', done);
    transport.onclose = done;
  });
  stopping = true;
  const deadline = setTimeout(() => process.exit(0), 15_000);
  deadline.unref();
  await http?.close();
  await watcher?.close();
  await pool?.stop(10_000);
  await cleanup();
  return 0;
}

/**
 * The upkeep job a large run queues at its SUCCESS (`optimize-index`: the full-text merge, planner
 * statistics and WAL checkpoint; a plain VACUUM on PostgreSQL), finished by this command's own
 * workers before they stop. Stopping them under it would cut it off, and the index would stay
 * unmerged until some other worker picked it up (none, for a user who only runs `index` and a
 * server with external workers). Polls the maintenance queue; returns at once when none is queued,
 * and after the job's own hard time limit at the latest. Ctrl-C or `--no-upkeep` skips it (the
 * job then waits for the next worker).
 */
async function finishUpkeep(
  tasks: ReturnType<typeof connectTaskClient>['tasks'],
  limitMs: number,
): Promise<void> {
  const pending = async () =>
    (await tasks.queues.maintenance.getJobs(['active', 'waiting', 'prioritized', 'delayed'], 0, 100)).some(
      (j) => j?.name === JOBS.optimizeIndex,
    );
  if (!(await pending())) return;
  const started = Date.now();
  process.stderr.write(
    'codeindex index: optimizing the index (full-text merge, planner statistics, common-word lists; Ctrl-C skips)...\n',
  );
  while ((await pending()) && Date.now() - started < limitMs) await new Promise((r) => setTimeout(r, 200));
  process.stderr.write(`codeindex index: optimized in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** `index <path>`: enqueue, follow progress, print the summary; spawns its own workers. */
async function indexCommand(
  cfg: Config,
  log: Logger,
  pathArg: string | undefined,
  v: Values,
): Promise<number> {
  if (!pathArg) {
    process.stderr.write('codeindex index: give the folder to index, e.g. codeindex index .\n');
    return 2;
  }
  let root: string;
  try {
    root = await resolveCommandDirectory(pathArg, cfg.roots);
  } catch (err) {
    process.stderr.write(`codeindex index: ${errorMessage(err)}\n`);
    return isCodeindexError(err) ? 1 : 2;
  }
  const started = Date.now();
  const url = await resolveRedisUrl(cfg, log);
  const { tasks, close } = connectTaskClient(cfg, url);
  const pool = await startLocalPool(cfg, url, log);
  const progress = createProgressReporter();
  let exit = 0;
  // The first Ctrl-C (or SIGTERM) stops the run cleanly; a second one is node's: exit at once.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    const taskId = await tasks.enqueue(JOBS.indexRepository, {
      root,
      force: Boolean(v.force),
      priority: 'normal',
    });
    process.stderr.write(`task ${taskId}: indexing ${root} with ${describePool(cfg, pool)}\n`);
    let info = await tasks.getTask(taskId);
    while (!['SUCCESS', 'FAILURE', 'REVOKED'].includes(info.state) && !interrupted) {
      progress.update(info.state, info.progress);
      await new Promise((r) => setTimeout(r, 200));
      info = await tasks.getTask(taskId);
    }
    if (interrupted && !['SUCCESS', 'FAILURE', 'REVOKED'].includes(info.state)) {
      // Ctrl-C left the task queued without a word, to run at full force whenever a worker next
      // started (a later `serve`, say). It is the user's stop: the task is cancelled, and said so.
      progress.done();
      await tasks.cancel(taskId).catch(() => {});
      process.stderr.write(
        `codeindex index: interrupted: task ${taskId} cancelled; what it indexed stays (run codeindex index again to finish)\n`,
      );
      return 130;
    }
    progress.done(info.state, info.progress);
    // A run that left batches unindexed ends FAILURE with what it did index as its result.
    const partial = info.state === 'FAILURE' && info.result != null;
    if (info.state !== 'SUCCESS' && !partial) {
      process.stderr.write(`codeindex index: task ${taskId} ended ${info.state}: ${info.error ?? ''}\n`);
      exit = 1;
    } else if (v.json) {
      const shipped = shipsSources(cfg)
        ? {
            shipped: {
              files_read: tasks.shipped.files,
              bytes_read: tasks.shipped.bytesRead,
              blobs_sent: tasks.shipped.blobs,
              bytes_sent: tasks.shipped.bytesShipped,
            },
          }
        : {};
      process.stdout.write(
        `${JSON.stringify({ task_id: taskId, ...(info.result as object), wall_ms: Date.now() - started, ...shipped })}\n`,
      );
    } else {
      process.stdout.write(
        `${renderSummary(info.result as Record<string, unknown>, (Date.now() - started) / 1000)}\n`,
      );
      if (shipsSources(cfg)) {
        const mb = (n: number) => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`);
        const s = tasks.shipped;
        process.stdout.write(
          `  shipped: ${s.files} files read (${mb(s.bytesRead)}), ${mb(s.bytesShipped)} sent to Redis in ${s.blobs} blobs\n`,
        );
      }
    }
    // An index with failed batches is incomplete: scripts must not read it as a clean run.
    if (partial) {
      process.stderr.write(`codeindex index: ${info.error ?? 'incomplete'}\n`);
      exit = 1;
    }
    if (pool && info.state === 'SUCCESS' && !v['no-upkeep'])
      await finishUpkeep(tasks, cfg.policies.maintenance.hardTimeLimitMs);
  } catch (err) {
    process.stderr.write(`codeindex index: ${errorMessage(err)}\n`);
    exit = 1;
  } finally {
    // Also after an error: the bar's redraw timer must not write over the message.
    progress.done();
    await pool?.stop(10_000);
    await close();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
  return exit;
}

async function searchCommand(cfg: Config, query: string, v: Values, log: Logger): Promise<number> {
  if (!query) {
    process.stderr.write(
      `codeindex search: give ${v.code ? 'words or a question' : 'a symbol name'} to look for\n`,
    );
    return 2;
  }
  const scope = searchScope(v);
  if (scope === null) return 2;
  if (v.code) return codeSearchCommand(cfg, query, v, log, scope);
  // As search_symbols: a limit of 1-100 and a known kind. `Number('abc')` is NaN, and a NaN
  // limit never filled its page: the command searched forever.
  const limit = wholeNumberFlag(v, 'limit', 20, 1, 100, 'search');
  const kind = kindFlag(v, 'search');
  if (limit === null || kind === null) return 2;
  try {
    const store = openStore(cfg, { readonly: true });
    const r = await searchSymbolGroups(store, {
      query,
      limit,
      ...(kind ? { kind } : {}),
      ...(scope ? { pathPrefix: scope } : {}),
    });
    await store.close();
    if (v.json)
      process.stdout.write(
        `${JSON.stringify(r.groups.map((g) => ({ ...g.hit, moreLines: g.moreLines, moreFiles: g.moreFiles })))}\n`,
      );
    else
      for (const g of r.groups)
        process.stdout.write(`${renderSymbol(symbolToOut(g.hit, false, g.moreLines, g.moreFiles))}\n`);
    if (r.groups.length === 0 && !v.json)
      process.stderr.write(
        `codeindex search: no symbol matches "${query}"; to search code by words or a question: codeindex search --code "${query}"\n`,
      );
    return 0;
  } catch (err) {
    process.stderr.write(`codeindex search: ${commandWords(errorMessage(err))}\n`);
    return 1;
  }
}

/**
 * An error written for MCP clients, in the command line's words: the store's "index it first
 * (index_repository)" reads "(`codeindex index`)" here.
 */
function commandWords(message: string): string {
  return message
    .replace(/\b(?:index_repository|index_file)\b/g, '`codeindex index`')
    .replace(/\bsearch_symbols\b/g, '`codeindex search`')
    .replace(/\bsearch_code\b/g, '`codeindex search --code`')
    .replace(/\bget_symbol\b/g, '`codeindex show`');
}

/**
 * A whole-number flag within `min..max` (`def` when absent); null, after saying what it takes,
 * when it is not one.
 */
function wholeNumberFlag(
  v: Values,
  name: 'limit' | 'days',
  def: number,
  min: number,
  max: number,
  command: string,
): number | null {
  const raw = v[name];
  if (raw === undefined) return def;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  process.stderr.write(`codeindex ${command}: --${name} is a whole number ${range}, not ${raw}\n`);
  return null;
}

/** `--kind`: one of the symbol kinds (undefined when absent); null, after naming them, when not. */
function kindFlag(v: Values, command: string): SymbolKind | undefined | null {
  if (v.kind === undefined) return undefined;
  if ((SYMBOL_KINDS as readonly string[]).includes(v.kind)) return v.kind as SymbolKind;
  process.stderr.write(`codeindex ${command}: --kind is one of ${SYMBOL_KINDS.join(', ')}, not ${v.kind}\n`);
  return null;
}

/**
 * `search --path DIR`: the real path of DIR, to search only under it (undefined: every root of the
 * data dir); null, after saying why, when DIR does not exist.
 */
function searchScope(v: Values, command = 'search'): string | undefined | null {
  if (v.path === undefined) return undefined;
  try {
    return realpathSync(resolve(v.path));
  } catch {
    process.stderr.write(
      `codeindex ${command}: --path ${v.path} does not exist: give a folder or file of an indexed root\n`,
    );
    return null;
  }
}

/** `show`: what get_symbol answers, from the local index (every indexed root may be read). */
async function showCommand(cfg: Config, symbol: string, v: Values): Promise<number> {
  if (!symbol.trim()) {
    process.stderr.write('codeindex show: give a symbol name (Class.method, pkg.Func) to print\n');
    return 2;
  }
  const maxLines = Number(v['max-lines'] ?? 200);
  if (!Number.isInteger(maxLines) || maxLines < 1 || maxLines > 2000) {
    process.stderr.write(
      `codeindex show: --max-lines is a whole number from 1 to 2000, not ${v['max-lines']}\n`,
    );
    return 2;
  }
  const scope = searchScope(v, 'show');
  if (scope === null) return 2;
  const kind = kindFlag(v, 'show');
  if (kind === null) return 2;
  let store: ReturnType<typeof openStore> | null = null;
  try {
    const s = openStore(cfg, { readonly: true });
    store = s;
    const src = await readSymbolSource(s, {
      symbol,
      kind,
      scope,
      asked: v.path,
      allowedRoots: (await s.listRoots()).map((r) => r.path),
      maxLines,
      caller: 'cli',
    });
    if (v.json) process.stdout.write(`${JSON.stringify(symbolSourceOut(src))}\n`);
    else {
      process.stdout.write(`${[sourceHeading(src, (p) => p), ...numberedLines(src)].join('\n')}\n`);
      if (src.to < src.endRow)
        process.stderr.write(
          `codeindex show: cut at line ${src.to + 1} of ${src.endRow + 1} (--max-lines)\n`,
        );
      if (src.unmatchedQualifier !== null)
        process.stderr.write(
          `codeindex show: no ${src.name} is defined in a class or module named ${src.unmatchedQualifier}; shown: the best other definition\n`,
        );
      if (src.inheritedFrom !== null)
        process.stderr.write(`codeindex show: inherited from ${src.inheritedFrom}\n`);
      if (src.docSkipped !== null)
        process.stderr.write(
          `codeindex show: its doc comment, lines ${src.docSkipped[0]}-${src.docSkipped[1]}, is not shown\n`,
        );
      if (src.moreLines.length > 0)
        process.stderr.write(`codeindex show: defined again at line ${src.moreLines.join(', ')}\n`);
      for (const o of src.others)
        process.stderr.write(
          `codeindex show: also ${o.path}:${o.line} ${o.container ? `${o.container}.` : ''}${o.name}\n`,
        );
    }
    return 0;
  } catch (err) {
    process.stderr.write(`codeindex show: ${commandWords(errorMessage(err))}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

/** `search --code`: what the search_code tool answers, one file per entry with its best chunks. */
async function codeSearchCommand(
  cfg: Config,
  query: string,
  v: Values,
  log: Logger,
  scope: string | undefined,
): Promise<number> {
  const mode = v.mode ?? 'hybrid';
  if (mode !== 'text' && mode !== 'semantic' && mode !== 'hybrid') {
    process.stderr.write(`codeindex search: --mode is text, semantic or hybrid, not ${mode}\n`);
    return 2;
  }
  const limit = Number(v.limit ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    process.stderr.write(`codeindex search: --limit is a whole number from 1 to 100, not ${v.limit}\n`);
    return 2;
  }
  const { createCodeSearch } = await import('./mcp/code-search.js');
  let store: ReturnType<typeof openStore> | null = null;
  let search: ReturnType<typeof createCodeSearch> | null = null;
  try {
    const s = openStore(cfg, { readonly: true });
    store = s;
    search = createCodeSearch(cfg, () => s, log);
    const r = await search.search({
      query,
      mode,
      groupBy: 'file',
      limit,
      offset: 0,
      ...(scope ? { pathPrefix: scope } : {}),
    });
    if (v.json) process.stdout.write(`${JSON.stringify({ mode: r.mode, note: r.note, files: r.files })}\n`);
    else {
      for (const f of r.files ?? []) {
        process.stdout.write(`${f.path}  (${f.score})\n`);
        const best = f.hits[0];
        if (best) process.stdout.write(`${best.snippet.replace(/^/gm, '    ')}\n`);
      }
      if (r.note) process.stderr.write(`codeindex search: ${r.note}\n`);
      if ((r.files ?? []).length === 0)
        process.stderr.write(`codeindex search: no code matches "${query}"\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`codeindex search: ${commandWords(errorMessage(err))}\n`);
    return 1;
  } finally {
    await search?.close();
    await store?.close();
  }
}

async function statusCommand(cfg: Config, log: Logger, v: Values): Promise<number> {
  const out: Record<string, unknown> = {};
  try {
    const store = openStore(cfg, { readonly: true });
    out.roots = await store.rootStatus();
    await store.close();
  } catch (err) {
    out.roots = [];
    out.index_error = errorMessage(err);
  }
  try {
    const url = await resolveRedisUrl(cfg, log);
    const { tasks, close } = connectTaskClient(cfg, url);
    try {
      out.queues = (await tasks.stats()).queues;
      out.active = await tasks.listTasks({ state: 'active', limit: 20 });
    } finally {
      await close();
    }
  } catch (err) {
    out.redis_error = errorMessage(err);
  }
  if (v.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const q of (out.queues ?? []) as {
    queue: string;
    counts: Record<string, number>;
    workers: string[];
  }[]) {
    const c = q.counts;
    lines.push(
      `${q.queue.padEnd(12)} active ${c.active} waiting ${c.waiting} delayed ${c.delayed} failed ${c.failed} completed ${c.completed}  workers: ${q.workers.join(', ') || '-'}`,
    );
  }
  for (const t of (out.active ?? []) as TaskInfo[]) {
    lines.push(
      `  running ${t.task_id} ${t.name}${t.worker ? ` on ${t.worker}` : ''}${t.progress ? ` ${runningProgress(t.progress)}` : ''}`,
    );
  }
  if (out.redis_error) lines.push(`redis: ${out.redis_error}`);
  for (const r of out.roots as {
    root: string;
    files: { indexed: number; skipped: number; failed: number };
    symbols: number;
    lastIndexedAt: number | null;
  }[]) {
    lines.push(
      `${r.root}: ${r.files.indexed} files, ${r.symbols} symbols, ${r.files.skipped} skipped, ${r.files.failed} failed, last indexed ${r.lastIndexedAt ? new Date(r.lastIndexedAt).toISOString() : 'never'}`,
    );
  }
  if (out.index_error) lines.push(`index: ${out.index_error}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** `1,234/5,678 · 41 files/s · ETA 2m00s` for `status`: the rate is the run's average so far. */
function runningProgress(p: TaskProgress): string {
  const head = `${formatCount(p.current)}/${formatCount(p.total)}`;
  return p.rate === undefined
    ? head
    : `${head} · ${formatRate(p.rate)} · ${formatEta(p.eta_seconds ?? null)}`;
}

/**
 * `codeindex doctor [--repair]`: the index file's integrity (`PRAGMA integrity_check`, every page)
 * and whether Redis answers. With `--repair`, a damaged index is moved aside
 * (`index.db.corrupt-<time>`) and its roots are indexed again here. Exit 1 while a problem remains.
 */
async function doctorCommand(cfg: Config, log: Logger, v: Values): Promise<number> {
  let problems = 0;
  const path = indexDbPath(cfg);
  if (cfg.databaseUrl !== undefined) {
    // PostgreSQL keeps its own integrity; what can fail here is reaching it.
    const store = openStore(cfg, { readonly: true });
    try {
      const roots = await store.listRoots();
      process.stdout.write(`index: PostgreSQL answers (${roots.length} roots)\n`);
    } catch (err) {
      problems++;
      process.stdout.write(`index: ${errorMessage(err)}\n`);
    } finally {
      await store.close().catch(() => {});
    }
  } else if (!existsSync(path)) {
    process.stdout.write(`index: none yet at ${path}\n`);
  } else {
    const t0 = Date.now();
    const issues = integrityProblems(path);
    const mb = (statSync(path).size / 1e6).toFixed(1);
    if (issues.length === 0) {
      process.stdout.write(`index: ok (${path}, ${mb} MB, checked in ${Date.now() - t0} ms)\n`);
    } else {
      problems++;
      let roots = rootsOfDamaged(path);
      if (roots.length === 0 && existsSync(allowedRootsFile(cfg)))
        roots = readFileSync(allowedRootsFile(cfg), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('/'));
      roots = [...new Set(roots)].filter((r) => existsSync(r));
      process.stdout.write(
        `index: DAMAGED (${path}): ${issues[0]}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}\n`,
      );
      if (!v.repair) {
        process.stdout.write(
          `  run codeindex doctor --repair to move it aside and index its ${roots.length} root(s) again\n`,
        );
      } else {
        const moved = quarantineIndex(path, 0);
        process.stdout.write(`  moved to ${moved ?? '(already moved by another process)'}\n`);
        let failed = 0;
        for (const root of roots) {
          process.stdout.write(`  indexing ${root} again\n`);
          if ((await indexCommand(cfg, log, root, { ...v, force: true, json: false })) !== 0) failed++;
        }
        if (failed === 0) problems--;
      }
    }
  }
  try {
    const url = await resolveRedisUrl(cfg, log);
    const { tasks, close } = connectTaskClient(cfg, url);
    try {
      const stats = await tasks.stats();
      const workers = new Set(stats.queues.flatMap((q) => q.workers)).size;
      process.stdout.write(
        `redis: ok (${url.replace(/\/\/[^@]*@/, '//')}; ${workers} worker(s) connected)\n`,
      );
    } finally {
      await close();
    }
  } catch (err) {
    problems++;
    process.stdout.write(`redis: ${errorMessage(err)}\n`);
  }
  return problems > 0 ? 1 : 0;
}

async function cleanupCommand(cfg: Config, v: Values): Promise<number> {
  const days = wholeNumberFlag(v, 'days', cfg.cleanupDays, 0, Number.MAX_SAFE_INTEGER, 'cleanup');
  if (days === null) return 2;
  try {
    const store = openStore(cfg);
    const r = await store.cleanup({ days, dryRun: Boolean(v['dry-run']) });
    await store.close();
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`codeindex cleanup: ${errorMessage(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Open handles (Redis sockets closing) must not keep a finished command alive.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (err) => {
    process.stderr.write(
      `codeindex: ${err instanceof CodeindexError ? err.message : ((err as Error)?.stack ?? String(err))}\n`,
    );
    process.exit(1);
  },
);
