/**
 * A separate process that registers the periodic schedules, as `codeindex serve` does at start:
 * `node ensure-schedules-child.js` with the test's env. Waits for "go" on stdin so several
 * processes can be released at the same moment. With `CLOSE_DURING=1` the connection is closed
 * while the schedule is being registered (a client that quits right after starting the server).
 */
import { loadConfig } from '../../src/config/load.js';
import { ensureSchedules } from '../../src/queue/schedules.js';
import { TaskClient } from '../../src/queue/task-client.js';
import { createRedis } from '../../src/redis/connection.js';

const cfg = loadConfig();
const url = cfg.redisUrl ?? 'redis://127.0.0.1:6379';
const conn = createRedis(url, 'client', { maxRetriesPerRequest: null });
const tasks = new TaskClient(cfg, conn, url);
await tasks.queues.maintenance.waitUntilReady();
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.destroy();
if (process.env.CLOSE_DURING === '1') {
  const registering = ensureSchedules(cfg, tasks).then(
    () => 'registered',
    (e: Error) => `refused: ${e.message}`,
  );
  conn.disconnect();
  process.stdout.write(`${await registering}\n`);
  // What BullMQ does with the closed connection afterwards happens on later ticks.
  await new Promise((r) => setTimeout(r, 300));
} else await ensureSchedules(cfg, tasks);
process.stdout.write('done\n');
await tasks.close();
conn.disconnect();
