import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Lease length; a killed holder is replaced within about this long (plus one retry tick). */
export const LEASE_TTL_MS = 5000;
/** How often the holder renews (well inside the TTL, so one slow round trip cannot lose it). */
export const LEASE_RENEW_MS = 1500;
/** How often a non-holder tries to take the lease over. */
export const LEASE_RETRY_MS = 1000;

// Compare-and-renew / compare-and-delete: only the owner may extend or drop its lease.
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** The Redis key of a root's watcher lease (hashed: roots can be long and contain anything). */
export function leaseKey(queuePrefix: string, root: string): string {
  const h = createHash('sha256').update(root).digest('hex').slice(0, 32);
  return `${queuePrefix}:ci:watch:lease:${h}`;
}

/**
 * A per-root lease in Redis: `SET NX PX` to take it, compare-and-renew to keep it,
 * compare-and-delete to give it back. The value is the owner id, so others can say who watches.
 */
export class RootLease {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly owner: string,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  /** True when this owner now holds the lease (taken, or already ours and renewed). */
  async tryAcquire(): Promise<boolean> {
    const ok = await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX');
    if (ok === 'OK') return true;
    return this.renew();
  }

  /** Extends the lease; false when it is no longer ours (expired and taken by someone else). */
  async renew(): Promise<boolean> {
    const n = await this.redis.eval(RENEW_LUA, 1, this.key, this.owner, String(this.ttlMs));
    return Number(n) === 1;
  }

  /** Gives the lease back if it is still ours. */
  async release(): Promise<void> {
    await this.redis.eval(RELEASE_LUA, 1, this.key, this.owner);
  }

  /** The current holder's owner id, or null when nobody holds it. */
  async holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
