import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { QUEUE_OF, TASK_ID_PREFIX } from '../../queue/names.js';
import { guardBullConnections } from '../../queue/quiet-connections.js';
import { createRedis } from '../../redis/connection.js';

/** The queues of the job tools' jobs (index-repository, index-file, cleanup). */
const TASK_QUEUES = [...new Set([QUEUE_OF['index-repository'], QUEUE_OF['index-file'], QUEUE_OF.cleanup])];
/** Ids of jobs a tool call created; batches (`<id>b<n>`) and other children never are protocol tasks. */
const TOOL_TASK_ID = new RegExp(`^(${TASK_QUEUES.map((q) => TASK_ID_PREFIX[q]).join('|')})[0-9a-f]{32}$`);

/** Called with the id of a job that just ended (completed, failed or removed). */
export type TaskEndListener = (taskId: string) => void;

/**
 * Relays BullMQ queue events to MCP servers: whichever process ran or cancelled the job, every
 * server sharing the Redis hears that it ended, so it can send `notifications/tasks/status` to its
 * client. One relay per process (the HTTP endpoint shares one among its sessions); it starts on
 * first use and holds one Redis connection per queue.
 */
export class TaskEventRelay {
  private readonly listeners = new Set<TaskEndListener>();
  private started: Promise<void> | null = null;
  private readonly events: QueueEvents[] = [];
  private conn: Redis | null = null;
  /** Final: a closed relay never listens again (a start still in flight stops at its next step). */
  private closed = false;

  constructor(
    private readonly cfg: Config,
    private readonly redisUrl: () => Promise<string>,
    private readonly log: Logger,
  ) {}

  /** Listens until the returned function is called. */
  subscribe(listener: TaskEndListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts listening to the queues; resolves once it listens (never rejects: without events, tasks
   * still work, clients just poll). Idempotent; a failed start is retried on the next call.
   */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.started ??= this.listen().catch((err) => {
      this.log.warn('task status notifications are off: cannot listen to queue events', {
        error: errorMessage(err),
      });
      this.started = null;
    });
    return this.started;
  }

  private async listen(): Promise<void> {
    const url = await this.redisUrl();
    if (this.closed) return;
    // QueueEvents blocks on XREAD: a connection without a per-request retry limit, which it duplicates.
    this.conn ??= createRedis(url, 'worker');
    this.conn.on('error', (e) => this.log.debug('redis error (queue events)', { error: e.message }));
    for (const q of TASK_QUEUES) {
      // From the stream's current last entry, not BullMQ's default `$`: `$` is sent again on every
      // blocking read that timed out, so an event written between two reads would be missed.
      const lastEventId = await lastStreamId(this.conn, `${this.cfg.queuePrefix}:${q}:events`);
      if (this.closed) return;
      const ev = new QueueEvents(q, { connection: this.conn, prefix: this.cfg.queuePrefix, lastEventId });
      ev.on('error', (e) => this.log.debug('queue events error', { queue: q, error: errorMessage(e) }));
      guardBullConnections(ev);
      const ended = ({ jobId }: { jobId: string }) => {
        if (!TOOL_TASK_ID.test(jobId)) return;
        for (const l of this.listeners) l(jobId);
      };
      ev.on('completed', ended);
      ev.on('failed', ended);
      ev.on('removed', ended);
      this.events.push(ev);
    }
    await Promise.all(this.events.map((e) => e.waitUntilReady()));
  }

  /** Stops listening; never waits for a start that cannot reach Redis. */
  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await Promise.allSettled(this.events.map((e) => e.close()));
    this.events.length = 0;
    this.conn?.disconnect();
    this.conn = null;
  }
}

/** The id of a stream's last entry; `0-0` (everything from its first entry) when it has none. */
async function lastStreamId(conn: Redis, key: string): Promise<string> {
  const last = (await conn.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return last[0]?.[0] ?? '0-0';
}
