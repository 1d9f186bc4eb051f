import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { describePool, startLocalPool, untilSignal } from '../../workers/local-pool.js';
import type { Config } from '../config/schema.js';
import { resolveCommandDirectory } from '../discovery/index.js';
import { errorMessage, isCodeindexError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectTaskClient } from '../queue/connect.js';
import { JOBS } from '../queue/names.js';
import { resolveRedisUrl } from '../redis/embedded.js';
import { openStore } from '../store/index.js';
import { createWatchManager } from './manager.js';

/** True when the root has an index (finished or in progress). */
async function isIndexed(cfg: Config, root: string): Promise<boolean> {
  try {
    const store = openStore(cfg, { readonly: true });
    try {
      return (await store.listRoots()).some((r) => r.path === root);
    } finally {
      await store.close();
    }
  } catch {
    return false;
  }
}

/**
 * `codeindex watch <path>`: keeps one folder's index fresh without MCP. Indexes it first when it
 * has no index, spawns workers (unless `--workers 0`), then watches until SIGINT/SIGTERM.
 * Returns the exit code.
 */
export async function runWatchCommand(cfg: Config, log: Logger, pathArg: string): Promise<number> {
  let root: string;
  try {
    root = await resolveCommandDirectory(pathArg, cfg.roots);
  } catch (err) {
    process.stderr.write(`codeindex watch: ${errorMessage(err)}\n`);
    return isCodeindexError(err) ? 1 : 2;
  }
  let url: string;
  try {
    url = await resolveRedisUrl(cfg, log);
  } catch (err) {
    process.stderr.write(`codeindex watch: ${errorMessage(err)}\n`);
    return 1;
  }
  const { tasks, close } = connectTaskClient(cfg, url);
  const pool = await startLocalPool(cfg, url, log);
  const manager = createWatchManager({
    cfg,
    log: log.child('watch'),
    tasks,
    ownerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  });
  let exit = 0;
  try {
    if (!(await isIndexed(cfg, root))) {
      const taskId = await tasks.enqueue(JOBS.indexRepository, { root, force: false, priority: 'normal' });
      process.stderr.write(`task ${taskId}: ${root} has no index yet; indexing it\n`);
    }
    await manager.watchRoot(root);
    const n = manager.notes(root);
    process.stderr.write(
      n.watching
        ? `watching ${root} with ${describePool(cfg, pool)}; Ctrl-C to stop\n`
        : `${root} is watched by ${n.leaseHolder ?? 'another process'}; this process takes over if it stops. Ctrl-C to quit\n`,
    );
    await untilSignal();
  } catch (err) {
    process.stderr.write(`codeindex watch: ${errorMessage(err)}\n`);
    exit = 1;
  } finally {
    const deadline = setTimeout(() => process.exit(exit), 15_000);
    deadline.unref();
    await manager.close();
    await pool?.stop(10_000);
    await close();
  }
  return exit;
}
