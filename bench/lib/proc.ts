/** Process memory sampling from /proc (Linux): RSS now, peak RSS (VmHWM), and child pids. */
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
