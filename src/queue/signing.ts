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

/** HMAC-SHA256 of a job's name and payload (Celery's message signing). */
export function signPayload(secret: string, name: string, payload: unknown): string {
  return createHmac('sha256', secret)
    .update(`${name}\n${canonical(payload)}`)
    .digest('hex');
}

/** Constant-time check of a payload signature. */
export function verifyPayload(secret: string, name: string, payload: unknown, sig: unknown): boolean {
  if (typeof sig !== 'string' || sig.length !== 64) return false;
  const want = Buffer.from(signPayload(secret, name, payload), 'hex');
  const got = Buffer.from(sig, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
