/**
 * Runs `onIdle(x)` once `idleMs` has passed since the last `arm(x)`; with `idleMs` undefined it
 * never runs. The timer is unref'd, so it never keeps the process alive. A request thread (the model
 * thread, the vector thread: `./request-thread.ts`) uses it to stop after a quiet spell (the next
 * request starts it again).
 */
export function idleTimer<T>(
  idleMs: number | undefined,
  onIdle: (armedFor: T) => void,
): { arm(x: T): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    arm(x) {
      if (idleMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => onIdle(x), idleMs);
      timer.unref();
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}
