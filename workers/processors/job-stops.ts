/** Why a running job stopped before its end, other than an error of its own. */

/** Signals a soft time limit (Celery's SoftTimeLimitExceeded): partial work is saved, then retried. */
export class SoftTimeLimitExceeded extends Error {
  override readonly name = 'SoftTimeLimitExceeded';
}

/**
 * The abort reason when the worker process stops (SIGTERM, the server closing, recycling) while a
 * job runs: the job goes back to the queue as it is, without using an attempt, and runs again on
 * the next worker; what it saved stays saved. Neither a cancel nor a failure.
 */
export class WorkerShutdown extends Error {
  override readonly name = 'WorkerShutdown';
}

/**
 * Thrown by a processor that saved its progress and should run again from there, without using an
 * attempt: an embedding run past its soft time limit yields the worker to other jobs this way.
 */
export class ContinueLater extends Error {
  override readonly name = 'ContinueLater';
}
