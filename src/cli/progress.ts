import type { TaskProgress } from '../queue/task-client.js';

/** Progress on stderr: a redrawn bar on a TTY, plain lines (at most one per second) otherwise. */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr) {
  let lastLine = '';
  let lastAt = 0;
  return {
    update(state: string, p: TaskProgress | undefined): void {
      const pct = p && p.total > 0 ? Math.floor((100 * p.current) / p.total) : 0;
      const text = p ? `${state} ${p.current}/${p.total} ${p.status}` : state;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round((width * pct) / 100);
        const cols = Math.min(stream.columns || 100, 120) - 1;
        stream.write(
          `\r${`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${text}`.slice(0, cols).padEnd(cols)}`,
        );
      } else if (text !== lastLine && Date.now() - lastAt > 1000) {
        stream.write(`${text}\n`);
        lastLine = text;
        lastAt = Date.now();
      }
    },
    done(): void {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
