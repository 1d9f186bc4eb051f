import pg from 'pg';
import type { RootRow } from '../types.js';

/** The channel the `roots` table's trigger notifies on every change (schema v4). */
export const ROOTS_CHANNEL = 'codeindex_roots';
/** After the listener could not connect, reads go to the database this long before it tries again. */
const RETRY_AFTER_MS = 5000;
/** How long the probe notification may take to come back before the listener is given up. */
const PROBE_TIMEOUT_MS = 2000;

/** The socket under a client (pg does not expose it in its types). */
function streamOf(client: pg.Client): { ref?: () => void; unref?: () => void } | undefined {
  return (client as unknown as { connection?: { stream?: { ref?: () => void; unref?: () => void } } })
    .connection?.stream;
}

/**
 * The roots list of a query process (an MCP or HTTP server), kept between calls and dropped on
 * every change any host makes. Every query tool reads the roots (scope check, `stale`, relative
 * paths): on PostgreSQL that was one round trip per call. A trigger on `roots` notifies
 * {@link ROOTS_CHANNEL} on each insert, update or delete (a write batch bumps its root's chunks
 * version, so every write counts); a connection of its own LISTENs and drops the list on each
 * notification.
 *
 * Correctness: the list is kept only while the listener is connected and its LISTEN proved to
 * work (a probe sent from another connection must reach it: behind a transaction pooler
 * notifications do not reach a session reliably, and then nothing is cached). A read that overlaps a notification is not kept. A lost listener
 * drops the list; reads go to the database until a new listener works. A notification is sent at
 * commit, before the writer reports its job done, so a caller that saw a task finish sees its roots.
 */
export class RootsCache {
  private listener: pg.Client | null = null;
  private connecting: Promise<boolean> | null = null;
  private retryAt = 0;
  private cached: RootRow[] | null = null;
  private epoch = 0;
  private closed = false;
  /** Reads that went to the database (tests and diagnostics). */
  reads = 0;

  constructor(
    private readonly url: string,
    private readonly read: () => Promise<RootRow[]>,
    /** Sends a notification on another connection (the pool's): the listener's probe. */
    private readonly notify: (channel: string, payload: string) => Promise<void>,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Every root, by path: the kept list when it is current, else read (and kept when it can be). */
  async list(): Promise<RootRow[]> {
    const live = await this.listen();
    if (live && this.cached !== null) return this.cached.map((r) => ({ ...r }));
    const epoch = this.epoch;
    this.reads++;
    const rows = await this.read();
    if (live && this.listener !== null && epoch === this.epoch) this.cached = rows.map((r) => ({ ...r }));
    return rows;
  }

  /** Drops the kept list (the next call reads). */
  invalidate(): void {
    this.epoch++;
    this.cached = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.invalidate();
    const l = this.listener;
    this.listener = null;
    await this.connecting?.catch(() => false);
    const client = l ?? this.listener;
    if (client === null) return;
    // The socket was unref'd: ref it again, or a process with nothing else to do exits before the
    // connection has ended, in the middle of this await (its caller's next steps never run).
    streamOf(client)?.ref?.();
    await client.end().catch(() => {});
  }

  /** True while a working listener is connected; connects one when none is (not more often than every 5 s). */
  private listen(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.listener !== null) return Promise.resolve(true);
    if (this.connecting !== null) return this.connecting;
    if (Date.now() < this.retryAt) return Promise.resolve(false);
    this.connecting = this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<boolean> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    const probe = `probe-${process.pid}-${Math.random().toString(36).slice(2)}`;
    let probed: () => void = () => {};
    const probeSeen = new Promise<void>((resolve) => {
      probed = resolve;
    });
    client.on('notification', (n) => {
      if (n.payload === probe) probed();
      else this.invalidate();
    });
    const lost = () => {
      if (this.listener === client) this.listener = null;
      this.invalidate();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${ROOTS_CHANNEL}`);
      await this.notify(ROOTS_CHANNEL, probe);
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        probeSeen.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!ok || this.closed) throw new Error('no notification came back');
      // The socket must not keep a process alive on its own (the pool's idle connections do not).
      streamOf(client)?.unref?.();
      this.invalidate();
      this.listener = client;
      return true;
    } catch {
      this.retryAt = Date.now() + RETRY_AFTER_MS;
      await client.end().catch(() => {});
      return false;
    }
  }
}
