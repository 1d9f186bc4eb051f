import { Worker } from 'node:worker_threads';
import { idleTimer } from './idle-timer.js';

/** Why a thread's requests in flight failed. */
export type ThreadFailure = { error: Error } | { exitCode: number } | { closed: true };

export interface RequestThreadOptions {
  url: URL;
  workerData: unknown;
  /** Stop the thread after this long without a request in flight (unset: keep it). */
  idleMs?: number | undefined;
  /** The error that requests in flight fail with when their thread fails, exits or is closed. */
  failure: (why: ThreadFailure) => Error;
  /** Told when a thread emits an error, after its requests in flight failed. */
  onThreadError?: (err: Error) => void;
}

/** Requests answered by a worker thread, matched to their replies by `id`. */
export interface RequestThread<Req extends object, Rep extends { id: number }> {
  /** Starts the thread unless it runs; throws what `new Worker` throws. */
  start(): void;
  /** Sends a request (starting the thread if needed) and resolves with its reply. */
  request(body: Req): Promise<Rep>;
  /** Whether a thread (and what it holds) is alive now. */
  resident(): boolean;
  /** Fails the requests in flight and stops the thread. */
  close(): Promise<void>;
}

/**
 * A worker thread that answers requests by id, the mechanism of the model thread (local
 * embeddings) and of the vector search thread: started on the first request; referenced only while
 * a request waits for its reply, so an idle thread never keeps the process alive; with `idleMs`,
 * stopped after that long without a request, and what it holds goes with it; after it exits, the
 * next request starts a new one. Each thread keeps its own requests in flight: a thread stopped for
 * idleness may still be exiting when the next request starts its successor, and its exit must not
 * fail the successor's requests.
 */
export function createRequestThread<Req extends object, Rep extends { id: number }>(
  opts: RequestThreadOptions,
): RequestThread<Req, Rep> {
  type Pending = Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>;
  interface Thread {
    w: Worker;
    pending: Pending;
  }
  let current: Thread | null = null;
  let nextId = 1;
  const idle = idleTimer<Thread>(opts.idleMs, (t) => {
    if (current === t && t.pending.size === 0) {
      current = null;
      void t.w.terminate();
    }
  });
  const failAll = (pending: Pending, why: ThreadFailure) => {
    if (pending.size === 0) return;
    const err = opts.failure(why);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = (): Thread => {
    if (current !== null) return current;
    const w = new Worker(opts.url, { workerData: opts.workerData });
    const t: Thread = { w, pending: new Map() };
    w.on('message', (reply: Rep) => {
      const p = t.pending.get(reply.id);
      if (p === undefined) return;
      t.pending.delete(reply.id);
      if (t.pending.size === 0) {
        w.unref();
        idle.arm(t);
      }
      p.resolve(reply);
    });
    w.on('error', (err) => {
      if (current === t) current = null;
      failAll(t.pending, { error: err });
      opts.onThreadError?.(err);
    });
    w.on('exit', (code) => {
      if (current === t) current = null;
      failAll(t.pending, { exitCode: code });
    });
    // After the listeners: adding one refs the worker again.
    w.unref();
    current = t;
    return t;
  };
  return {
    start: () => {
      start();
    },
    request(body) {
      const t = start();
      idle.cancel();
      const id = nextId++;
      return new Promise<Rep>((resolve, reject) => {
        if (t.pending.size === 0) t.w.ref();
        t.pending.set(id, { resolve, reject });
        t.w.postMessage({ ...body, id });
      });
    },
    resident: () => current !== null,
    async close() {
      idle.cancel();
      const t = current;
      current = null;
      if (t !== null) {
        failAll(t.pending, { closed: true });
        await t.w.terminate();
      }
    },
  };
}
