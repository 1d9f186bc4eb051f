/**
 * Exponential backoff with equal jitter and a cap (Celery's retry_backoff, retry_jitter,
 * retry_backoff_max): attempt n waits between half and all of min(cap, base * 2^(n-1)).
 */
export function backoffDelay(
  attemptsMade: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/** The BullMQ backoff type name our workers register. */
export const BACKOFF_TYPE = 'codeindex';
