import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { cpuMsOf, cpuSnapshot } from '../../bench/lib/proc.js';

test('bench proc: cpuMsOf reads the CPU time a busy child has used, and null once it is gone', async () => {
  // The child spins until its own clock says 300 ms of CPU, then waits to be killed.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) < 300000) {}
       process.stdout.write('busy done\\n'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.match(chunk.toString(), /busy done/);
    const pid = child.pid!;
    const ms = cpuMsOf(pid);
    assert.ok(ms !== null && ms >= 280, `child used ${ms} ms of CPU`);
    // Node's start-up is a few hundred ms at most on top of the 300 ms spin.
    assert.ok(ms < 5_000, `child used ${ms} ms of CPU`);
    const snap = cpuSnapshot([pid, 2 ** 22 + 12345]);
    assert.deepEqual([...snap.keys()], [pid]);
  } finally {
    child.kill();
    await once(child, 'exit');
  }
  assert.equal(cpuMsOf(child.pid!), null);
});
