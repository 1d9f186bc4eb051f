/**
 * Bare BullMQ worker for the queue-overhead baseline: an empty processor, default options,
 * concurrency 1 (like a codeindex worker). `node dist/bench/bare-worker.js <queue> <prefix>`.
 * Says `ready` over IPC once connected; exits on SIGTERM or when the parent goes away.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [queue, prefix] = process.argv.slice(2);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
if (!queue || !prefix) {
  process.stderr.write('usage: bare-worker <queue> <prefix>\n');
  process.exit(2);
}
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(queue, async () => undefined, { connection, prefix, concurrency: 1 });
worker.on('error', () => {});
await worker.waitUntilReady();
process.send?.({ type: 'ready' });
const stop = async () => {
  await worker.close();
  connection.disconnect();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
