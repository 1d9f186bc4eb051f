import { createHmac, timingSafeEqual } from 'node:crypto';

/** Canonical JSON (sorted keys) so a payload signs the same in every process. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Where a job lives: its queue (with the installation's prefix), kind and id. A signature is bound
 * to it, so a signed job copied under another id, queue or installation is rejected. Jobs a
 * scheduler produces get ids BullMQ chooses; they are bound to `scheduler:<scheduler id>`.
 */
export interface JobIdentity {
  prefix: string;
  queue: string;
  name: string;
  id: string;
}

/** The identity of a job a worker holds (scheduler jobs by their scheduler). */
export function identityOf(
  prefix: string,
  queue: string,
  job: { name: string; id?: string; repeatJobKey?: string },
): JobIdentity {
  return {
    prefix,
    queue,
    name: job.name,
    id: job.repeatJobKey ? `scheduler:${job.repeatJobKey}` : (job.id ?? ''),
  };
}

/** `job.data` without its signature: everything else is signed, step state included. */
function unsigned(data: Record<string, unknown>): Record<string, unknown> {
  const { _sig: _, ...rest } = data;
  return rest;
}

function mac(secret: string, who: JobIdentity, data: Record<string, unknown>): string {
  return createHmac('sha256', secret)
    .update(
      `codeindex-job-v2\n${who.prefix}\n${who.queue}\n${who.name}\n${who.id}\n${canonical(unsigned(data))}`,
    )
    .digest('hex');
}

/**
 * Signs a job's data (Celery's message signing, bound to the job): HMAC-SHA256 over the
 * identity, the payload and every bookkeeping key (`_state`, `_iat`...). `_iat` (issued at, ms)
 * is set when absent, except for scheduler templates, which are re-run for as long as the
 * schedule exists. Every later change of the data must be signed again ({@link resignJobData}).
 */
export function signJobData(
  secret: string,
  who: JobIdentity,
  data: Record<string, unknown>,
  now = Date.now(),
): Record<string, unknown> {
  const out = unsigned(data);
  if (!who.id.startsWith('scheduler:') && typeof out._iat !== 'number') out._iat = now;
  out._sig = mac(secret, who, out);
  return out;
}

/** New data for a job that was signed before (a step's state, a retry): `_iat` is kept unless `fresh`. */
export function resignJobData(
  secret: string | undefined,
  who: JobIdentity,
  data: Record<string, unknown>,
  opts: { fresh?: boolean } = {},
): Record<string, unknown> {
  if (!secret) return data;
  const base = unsigned(data);
  if (opts.fresh) delete base._iat;
  return signJobData(secret, who, base);
}

/**
 * Why a job's signature does not hold, or null when it does: missing or wrong (forged, tampered,
 * copied under another id, queue or installation), or issued more than `maxAgeMs` ago (a replay
 * of an old job). Constant-time comparison.
 */
export function checkJobSignature(
  secret: string,
  who: JobIdentity,
  data: Record<string, unknown>,
  maxAgeMs: number,
  now = Date.now(),
): string | null {
  const sig = data._sig;
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return 'missing payload signature';
  const want = Buffer.from(mac(secret, who, data), 'hex');
  const got = Buffer.from(sig, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    return 'bad payload signature (forged, changed, or copied from another job)';
  }
  if (!who.id.startsWith('scheduler:')) {
    const iat = data._iat;
    if (typeof iat !== 'number') return 'signature without an issue time';
    if (now - iat > maxAgeMs) {
      return `signed ${Math.round((now - iat) / 3_600_000)} h ago, past the ${Math.round(maxAgeMs / 3_600_000)} h limit (a replayed job; retry_task issues it anew)`;
    }
  }
  return null;
}
