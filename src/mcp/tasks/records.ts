import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * What the protocol needs beside the job itself: who created the task (its owner), which tool,
 * the ttl and poll interval it was given. State, progress and result are never copied here: they
 * are read from the BullMQ job whose id is the task id.
 */
export interface ProtocolTaskRecord {
  taskId: string;
  /** `local` (stdio), `token:<digest>` or `session:<id>` (HTTP). */
  owner: string;
  tool: string;
  ttlMs: number;
  pollIntervalMs: number;
  /** Epoch milliseconds. */
  createdAt: number;
  /** What the tool's final result needs besides the job's return value (e.g. the root). */
  meta: Record<string, string>;
}

/** Members of an owner's list sort by creation time, then id: `<15-digit ms>:<task id>`. */
const MEMBER = /^\d{15}:[a-z]+_[0-9a-f]+$/;

/** Records of tasks created through the MCP Tasks protocol, in Redis next to the queues. */
export class ProtocolTaskRecords {
  constructor(
    private readonly conn: Redis,
    private readonly prefix: string,
    /** The longest ttl a record can have: the owner lists live at least this long after a write. */
    private readonly maxTtlMs: number,
  ) {}

  private recordKey(taskId: string): string {
    return `${this.prefix}:ci:mcp-task:${taskId}`;
  }

  /** Owners can be session ids or token digests: the key holds a digest of either. */
  private listKey(owner: string): string {
    return `${this.prefix}:ci:mcp-tasks:${createHash('sha256').update(owner).digest('hex').slice(0, 32)}`;
  }

  /** Saves a record that expires with the task's ttl, and lists it under its owner. */
  async save(rec: ProtocolTaskRecord): Promise<void> {
    const member = `${String(rec.createdAt).padStart(15, '0')}:${rec.taskId}`;
    await this.conn
      .multi()
      .hset(this.recordKey(rec.taskId), {
        owner: rec.owner,
        tool: rec.tool,
        ttl: String(rec.ttlMs),
        poll: String(rec.pollIntervalMs),
        created: String(rec.createdAt),
        meta: JSON.stringify(rec.meta),
      })
      .pexpire(this.recordKey(rec.taskId), rec.ttlMs)
      .zadd(this.listKey(rec.owner), 0, member)
      .pexpire(this.listKey(rec.owner), this.maxTtlMs)
      .exec();
  }

  /** The record, or null once its ttl passed (or when it never existed). */
  async get(taskId: string): Promise<ProtocolTaskRecord | null> {
    const h = await this.conn.hgetall(this.recordKey(taskId));
    if (!h.owner || !h.tool) return null;
    let meta: Record<string, string> = {};
    try {
      meta = JSON.parse(h.meta ?? '{}') as Record<string, string>;
    } catch {
      // A record written by a newer version: the result falls back to the job's own fields.
    }
    return {
      taskId,
      owner: h.owner,
      tool: h.tool,
      ttlMs: Number(h.ttl) || 0,
      pollIntervalMs: Number(h.poll) || 1000,
      createdAt: Number(h.created) || 0,
      meta,
    };
  }

  /**
   * One page of an owner's live tasks, oldest first. The cursor is the last member of the previous
   * page, so pages stay stable while tasks are added or expire; expired entries are dropped here.
   */
  async page(
    owner: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ ids: string[]; next?: string }> {
    let after = '-';
    if (cursor !== undefined) {
      const member = Buffer.from(cursor, 'base64url').toString();
      if (!MEMBER.test(member))
        throw new Error('bad cursor: pass the nextCursor of the previous tasks/list answer unchanged');
      after = `(${member}`;
    }
    const key = this.listKey(owner);
    const live: string[] = [];
    for (;;) {
      const want = limit + 1 - live.length;
      const members = await this.conn.zrangebylex(key, after, '+', 'LIMIT', 0, want);
      if (members.length === 0) break;
      const exists = await Promise.all(
        members.map((m) => this.conn.exists(this.recordKey(m.slice(m.indexOf(':') + 1)))),
      );
      const gone = members.filter((_, i) => exists[i] === 0);
      if (gone.length > 0) await this.conn.zrem(key, ...gone);
      live.push(...members.filter((_, i) => exists[i] === 1));
      after = `(${members.at(-1)}`;
      if (live.length > limit || members.length < want) break;
    }
    const shown = live.slice(0, limit);
    const ids = shown.map((m) => m.slice(m.indexOf(':') + 1));
    if (live.length > limit) return { ids, next: Buffer.from(shown.at(-1)!).toString('base64url') };
    return { ids };
  }
}
