/** Queue names (BullMQ prefixes them with the configured `queuePrefix`). */
export const QUEUES = ['indexing', 'embeddings', 'maintenance'] as const;
export type QueueName = (typeof QUEUES)[number];
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Job names per queue. */
export const JOBS = {
  indexRepository: 'index-repository',
  indexBatch: 'index-batch',
  indexFile: 'index-file',
  removeFiles: 'remove-files',
  embedChunks: 'embed-chunks',
  cleanup: 'cleanup',
  optimizeIndex: 'optimize-index',
  testSleep: 'test-sleep',
  testFail: 'test-fail',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** Which queue each job kind runs on. */
export const QUEUE_OF: Readonly<Record<JobName, QueueName>> = {
  'index-repository': 'indexing',
  'index-batch': 'indexing',
  'index-file': 'indexing',
  'remove-files': 'indexing',
  'embed-chunks': 'embeddings',
  cleanup: 'maintenance',
  'optimize-index': 'maintenance',
  'test-sleep': 'maintenance',
  'test-fail': 'maintenance',
};

/** Task ids carry their queue in a short prefix so `task_status` needs no global lookup. */
export const TASK_ID_PREFIX: Readonly<Record<QueueName, string>> = {
  indexing: 'idx_',
  embeddings: 'emb_',
  maintenance: 'mnt_',
};

/** The queue a task id belongs to, or null when it is not one of ours. */
export function queueOfTaskId(taskId: string): QueueName | null {
  for (const q of QUEUES) if (taskId.startsWith(TASK_ID_PREFIX[q])) return q;
  return null;
}

// A random UUID's hex: its version digit is 4 and its variant digit one of 8, 9, a, b.
const ISSUED_SHAPE = new RegExp(
  `^(dl_)?(${QUEUES.map((q) => TASK_ID_PREFIX[q]).join('|')})[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}(b\\d+)?$`,
);

/**
 * Whether a task id has the shape of those this system issues: a queue's prefix and a random
 * UUID's 32 hex digits (`newTaskId`), a repository's batch (`<id>b<n>`), a dead letter
 * (`dl_<id>`). Such an id with no record in Redis was issued and then lost, not mistyped.
 */
export function hasIssuedShape(taskId: string): boolean {
  return ISSUED_SHAPE.test(taskId);
}

/** BullMQ priorities: lower runs first, 0 means none. */
export const PRIORITY = { high: 1, normal: 5, low: 10 } as const;
export type PriorityName = keyof typeof PRIORITY;
