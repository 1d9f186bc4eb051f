/** Process sampling from /proc (Linux): RSS now, peak RSS (VmHWM), CPU time, and child pids. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** `VmRSS` and `VmHWM` of a process in MB, or null when it is gone. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`, 100 on Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time a process has used so far, in ms, or null when it is gone. */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond() : null;
  } catch {
    return null;
  }
}

/** CPU ms used so far by each of `pids` that is alive. */
export function cpuSnapshot(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const ms = cpuMsOf(pid);
    if (ms !== null) out.set(pid, ms);
  }
  return out;
}

/** Direct children of a process (from /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process exited.
  }
  return out;
}

/**
 * Samples the peak RSS of a changing set of processes every `intervalMs` until stopped. VmHWM is
 * the kernel's own high-water mark, so short spikes between samples are not missed while the
 * process lives; the last sample is kept for processes that exit early.
 */
export function startMemorySampler(pids: () => number[], intervalMs = 100) {
  const peak = new Map<number, number>();
  const sample = () => {
    for (const pid of pids()) {
      const m = memoryOf(pid);
      if (m) peak.set(pid, Math.max(peak.get(pid) ?? 0, m.hwmMb, m.rssMb));
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): Map<number, number> {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * User and system CPU (ms) of this process's children that have exited and been waited for,
 * each with the CPU of its own waited-for children (`cutime`/`cstime` of /proc/self/stat). The
 * difference across a child's run is that child's CPU plus its workers', exactly.
 */
export function reapedChildrenCpuMs(): {
  userMs: number;
  systemMs: number;
  minorFaults: number;
  majorFaults: number;
} {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // After "(comm)": cminflt is field 11, cmajflt 13, cutime 16 and cstime 17 (8, 10, 13, 14 here).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / ticksPerSecond();
  return {
    userMs: Number(fields[13]) * tick,
    systemMs: Number(fields[14]) * tick,
    minorFaults: Number(fields[8]),
    majorFaults: Number(fields[10]),
  };
}
