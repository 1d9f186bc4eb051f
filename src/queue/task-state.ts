/** Celery's task states, plus REVOKED for cancelled tasks. */
export const TASK_STATES = [
  'PENDING',
  'STARTED',
  'PROGRESS',
  'RETRY',
  'SUCCESS',
  'FAILURE',
  'REVOKED',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** The marker a cancelled job fails or completes with, so its state reads REVOKED. */
export const REVOKED_MARKER = 'REVOKED:';

export interface JobFacts {
  bullState: string;
  attemptsMade: number;
  hasProgress: boolean;
  failedReason?: string | undefined;
  returnRevoked?: boolean;
}

/**
 * Maps a BullMQ job state onto Celery's names:
 * waiting/prioritized/waiting-children(before start) -> PENDING, delayed after a failure -> RETRY,
 * active -> STARTED or PROGRESS once progress was reported, waiting-children of a started
 * repository job -> PROGRESS, completed -> SUCCESS, failed -> FAILURE; cancelled -> REVOKED.
 */
export function toTaskState(f: JobFacts): TaskState {
  switch (f.bullState) {
    case 'completed':
      return f.returnRevoked ? 'REVOKED' : 'SUCCESS';
    case 'failed':
      return f.failedReason?.startsWith(REVOKED_MARKER) ? 'REVOKED' : 'FAILURE';
    case 'active':
      return f.hasProgress ? 'PROGRESS' : 'STARTED';
    case 'waiting-children':
      return 'PROGRESS';
    case 'delayed':
      return f.attemptsMade > 0 ? 'RETRY' : 'PENDING';
    default:
      return f.attemptsMade > 0 ? 'RETRY' : 'PENDING';
  }
}

/** Parses a Celery-style rate limit (`100/m`) into BullMQ's limiter `{max, duration}`. */
export function parseRateLimit(spec: string): { max: number; duration: number } {
  const m = /^(\d+)\s*\/\s*([smh])$/.exec(spec.trim());
  if (!m) throw new Error(`bad rate limit ${spec}: use N/s, N/m or N/h`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  return { max: Number(m[1]), duration: unit };
}
