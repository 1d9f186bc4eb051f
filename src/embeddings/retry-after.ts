/**
 * How long a rate-limited client should wait, from the response headers, in whole milliseconds;
 * null when the server gave no usable hint. Consulted in this order:
 * 1. `retry-after-ms` (OpenAI, Azure): milliseconds.
 * 2. `Retry-After` (RFC 9110): delay-seconds or an HTTP-date (in the past counts as 0).
 * 3. `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (OpenAI): durations such as
 *    `1s`, `6m0s`, `20ms`, `1h2m3.5s` or bare seconds; the longer of the two.
 */
export function parseRetryAfterMs(headers: Headers, nowMs: number = Date.now()): number | null {
  const ms = parseNonNegative(headers.get('retry-after-ms'));
  if (ms !== null) return Math.ceil(ms);

  const ra = headers.get('retry-after')?.trim();
  if (ra) {
    const secs = parseNonNegative(ra);
    if (secs !== null) return Math.ceil(secs * 1000);
    // An HTTP-date names a weekday and month; Date.parse alone would read "-3" as a year.
    const at = /[a-z]/i.test(ra) ? Date.parse(ra) : Number.NaN;
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil(at - nowMs));
  }

  let reset: number | null = null;
  for (const name of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
    const d = parseDurationMs(headers.get(name));
    if (d !== null) reset = Math.max(reset ?? 0, d);
  }
  return reset === null ? null : Math.ceil(reset);
}

/** `6m0s`, `1.5s`, `20ms`, `1h`, or a bare number of seconds → milliseconds; null when unparseable. */
export function parseDurationMs(value: string | null | undefined): number | null {
  const v = value?.trim();
  if (!v) return null;
  const bare = parseNonNegative(v);
  if (bare !== null) return bare * 1000;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = part.exec(v); m !== null; m = part.exec(v)) {
    total += Number(m[1]) * (unitMs[m[2] ?? ''] ?? 0);
    end = part.lastIndex;
  }
  return end === v.length ? total : null;
}

function parseNonNegative(value: string | null | undefined): number | null {
  const v = value?.trim();
  if (!v || !/^\d+(?:\.\d+)?$/.test(v)) return null;
  return Number(v);
}
