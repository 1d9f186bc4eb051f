/**
 * Memory of the real server: idle RSS of `codeindex serve` (its own process, workers excluded),
 * then a cold index through the `index_repository` tool with the server's own pool of 2
 * workers, sampling peak RSS (VmHWM) of the server and of each worker. Also reports that cold
 * index's wall time as seen by an MCP client (tool call → task_status SUCCESS, 50 ms polling).
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Corpus } from './corpora.js';
import { startMcpServer } from './lib/mcp.js';
import { childPids, memoryOf, startMemorySampler } from './lib/proc.js';
import { round } from './lib/stats.js';
import { deletePrefix, makeSystemEnv } from './lib/system.js';

export interface MemoryResult {
  corpus: string;
  workers: number;
  serverIdleRssMb: number;
  serverPeakRssMb: number;
  workerPeakRssMb: number[];
  mcpColdWallMs: number;
}

export async function measureMemory(corpus: Corpus, workers = 2): Promise<MemoryResult> {
  const sys = makeSystemEnv({ CODEINDEX_ROOTS: corpus.root, CODEINDEX_WORKERS: String(workers) });
  const server = await startMcpServer(sys.env);
  try {
    // Let the server finish its background start-up (Redis, pool, schedules) and settle.
    for (let i = 0; i < 100 && childPids(server.pid).length < workers; i++) await sleep(100);
    await sleep(3000);
    const serverIdleRssMb = memoryOf(server.pid)?.rssMb ?? Number.NaN;
    const workerPids = () => childPids(server.pid);
    const sampler = startMemorySampler(() => [server.pid, ...workerPids()], 100);
    const t0 = Date.now();
    const started = await server.call('index_repository', { path: corpus.root });
    const taskId = String(started.task_id);
    let state = '';
    while (!['SUCCESS', 'FAILURE', 'REVOKED'].includes(state)) {
      await sleep(50);
      state = String((await server.call('task_status', { task_id: taskId })).state);
    }
    const mcpColdWallMs = Date.now() - t0;
    const peaks = sampler.stop();
    if (state !== 'SUCCESS') throw new Error(`index_repository ended ${state}`);
    const serverPeak = peaks.get(server.pid) ?? Number.NaN;
    peaks.delete(server.pid);
    return {
      corpus: corpus.name,
      workers,
      serverIdleRssMb: round(serverIdleRssMb, 1),
      serverPeakRssMb: round(serverPeak, 1),
      workerPeakRssMb: [...peaks.values()].map((m) => round(m, 1)),
      mcpColdWallMs,
    };
  } finally {
    await server.close();
    await deletePrefix(sys.prefix);
    rmSync(sys.tmp, { recursive: true, force: true });
  }
}
