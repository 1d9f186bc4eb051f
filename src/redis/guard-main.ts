/**
 * Process entry of the private redis-server's guard (see `guardRedis`), started detached next to
 * the server by `startEmbeddedRedis`: `node guard-main.js <socket> <dir> <idle-ms> <pid-file> [check-ms|-] [server-pid]`.
 * It exits once the server is gone.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { guardRedis } from './guard.js';

const [socket, dir, idle, pidFile, check, serverPid] = process.argv.slice(2);
if (!socket || !dir || !pidFile || !/^\d+$/.test(idle ?? '')) {
  process.stderr.write(
    'usage: guard-main.js <socket> <dir> <idle-ms> <pid-file> [check-ms|-] [server-pid]\n',
  );
  process.exit(2);
}
writeFileSync(pidFile, `${process.pid}\n`);
const positive = (v: string | undefined) => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : null);
const checkMs = positive(check);
const pid = positive(serverPid);
await guardRedis({
  socket,
  dir,
  idleMs: Number(idle),
  ...(checkMs ? { checkMs } : {}),
  ...(pid ? { serverPid: pid } : {}),
});
try {
  if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile, { force: true });
} catch {
  // Gone with its directory.
}
