import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protocolStatus, statusMessage, toProtocolTask } from '../../src/mcp/tasks/status.js';
import type { TaskInfo } from '../../src/queue/task-client.js';
import { TASK_STATES } from '../../src/queue/task-state.js';

const base: TaskInfo = {
  task_id: `idx_${'a'.repeat(32)}`,
  name: 'index-repository',
  queue: 'indexing',
  state: 'PENDING',
  attempts: 0,
  created_at: '2026-01-01T00:00:00.000Z',
};

/** How our Celery-style states read as MCP Tasks statuses. */
describe('MCP task status from the job state', () => {
  test('every state maps: running ones to working, the three ends to completed, failed, cancelled', () => {
    const mapped = Object.fromEntries(TASK_STATES.map((s) => [s, protocolStatus(s)]));
    assert.deepEqual(mapped, {
      PENDING: 'working',
      STARTED: 'working',
      PROGRESS: 'working',
      RETRY: 'working',
      SUCCESS: 'completed',
      FAILURE: 'failed',
      REVOKED: 'cancelled',
    });
  });

  test('the status message says where the task is', () => {
    const progress = (current: number, total: number, status: string) => ({
      ...base,
      state: 'PROGRESS' as const,
      progress: { current, total, status },
    });
    assert.equal(statusMessage(progress(312, 739, 'indexing: 3/8 batches done')), '312/739 files');
    assert.equal(statusMessage(progress(0, 0, 'scanning files')), 'scanning files');
    assert.equal(
      statusMessage({
        ...base,
        state: 'PROGRESS',
        progress: { current: 312, total: 739, status: 'indexing', rate: 41.6, eta_seconds: 11 },
      }),
      '312/739 files · 42 files/s · ETA 11s',
    );
    assert.equal(statusMessage({ ...base, state: 'RETRY', error: 'disk full' }), 'retrying after: disk full');
    assert.equal(
      statusMessage({ ...base, state: 'FAILURE', error: 'PATH_NOT_FOUND: gone' }),
      'PATH_NOT_FOUND: gone',
    );
    assert.equal(statusMessage({ ...base, state: 'SUCCESS' }), undefined);
  });

  test('timestamps, ttl and poll interval come from the record and the job', () => {
    const task = toProtocolTask(
      {
        ...base,
        state: 'SUCCESS',
        started_at: '2026-01-01T00:00:01.000Z',
        finished_at: '2026-01-01T00:00:09.000Z',
      },
      {
        taskId: base.task_id,
        owner: 'local',
        tool: 'index_repository',
        ttlMs: 60_000,
        pollIntervalMs: 1000,
        createdAt: Date.parse('2026-01-01T00:00:00.000Z'),
        meta: {},
      },
    );
    assert.deepEqual(task, {
      taskId: base.task_id,
      status: 'completed',
      ttl: 60_000,
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUpdatedAt: '2026-01-01T00:00:09.000Z',
      pollInterval: 1000,
    });
  });
});
