import type { EventEmitter } from 'node:events';

const GUARDED = Symbol('codeindex.guardedEmit');

/**
 * BullMQ 5.81 (taskforcesh/bullmq#3546): a `RedisConnection` closed while it is still
 * initializing removes its listeners, and the rejection of its in-flight `init()` is emitted
 * afterwards as an `'error'` with no listener, which kills the process ("Connection is closed.").
 * A worker process stopped while it starts, or a server closed right after it started, died that
 * way. Each connection of `obj` (a Queue, Worker or QueueEvents, and a queue's job scheduler or
 * repeat helper) drops an `'error'` nobody listens to instead. Call it after construction and
 * again before `close()`: a queue creates its scheduler's connection lazily.
 */
export function guardBullConnections(obj: object): void {
  const o = obj as {
    connection?: unknown;
    blockingConnection?: unknown;
    _jobScheduler?: { connection?: unknown };
    _repeat?: { connection?: unknown };
  };
  for (const c of [o.connection, o.blockingConnection, o._jobScheduler?.connection, o._repeat?.connection])
    guardEmitter(c);
}

function guardEmitter(c: unknown): void {
  if (c === null || typeof c !== 'object' || typeof (c as EventEmitter).emit !== 'function') return;
  const e = c as EventEmitter & { [GUARDED]?: true };
  if (e[GUARDED]) return;
  const emit = e.emit.bind(e);
  e.emit = (event: string | symbol, ...args: unknown[]) =>
    event === 'error' && e.listenerCount('error') === 0 ? false : emit(event, ...args);
  e[GUARDED] = true;
}
