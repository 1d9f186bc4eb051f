import { describePool, startLocalPool, untilSignal } from '../../workers/local-pool.js';
import type { Config } from '../config/schema.js';
import { errorMessage, isCodeindexError } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveRedisUrl } from '../redis/embedded.js';
import { checkBindSecurity } from './security.js';
import { type RunningHttpServer, startHttpServer, tokenFromEnv } from './server.js';

/** Default port of `codeindex dashboard` (Flower's, for Celery users' muscle memory). */
export const DEFAULT_DASHBOARD_PORT = 5555;

/** Parses a --port / --http value: an integer 0..65535. */
export function parsePort(value: string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n <= 65535 ? n : null;
}

/**
 * Checks the --host/--port flags and the token rule before anything starts. Returns an error line
 * (the caller prints it and exits 2) or the parsed values.
 */
export function checkHttpFlags(
  flag: string,
  portValue: string | undefined,
  hostValue: string | undefined,
  fallbackPort: number,
): { port: number; host: string } | { error: string } {
  const port = parsePort(portValue, fallbackPort);
  if (port === null)
    return { error: `${flag} wants a port number (0-65535), got ${JSON.stringify(portValue)}` };
  const host = hostValue ?? '127.0.0.1';
  try {
    checkBindSecurity(host, tokenFromEnv());
  } catch (err) {
    return { error: errorMessage(err) };
  }
  return { port, host };
}

/**
 * `codeindex dashboard [--port 5555] [--host 127.0.0.1] [--workers N]`: the HTTP server on its own,
 * with a supervised worker pool unless --workers 0 (operators who run workers elsewhere).
 */
export async function runDashboardCommand(
  cfg: Config,
  log: Logger,
  flags: { port?: string | undefined; host?: string | undefined; version: string },
): Promise<number> {
  const checked = checkHttpFlags('--port', flags.port, flags.host, DEFAULT_DASHBOARD_PORT);
  if ('error' in checked) {
    process.stderr.write(`codeindex dashboard: ${checked.error}\n`);
    return 2;
  }
  let url: string;
  try {
    url = await resolveRedisUrl(cfg, log);
  } catch (err) {
    process.stderr.write(`codeindex dashboard: ${errorMessage(err)}\n`);
    return 1;
  }
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      cfg,
      log,
      port: checked.port,
      host: checked.host,
      version: flags.version,
      redisUrl: async () => url,
    });
  } catch (err) {
    process.stderr.write(`codeindex dashboard: ${errorMessage(err)}\n`);
    return isCodeindexError(err, 'CONFIG_INVALID') ? 2 : 1;
  }
  const pool = await startLocalPool(cfg, url, log);
  process.stderr.write(
    `codeindex dashboard: ${http.url}/ (queues at ${http.url}/queues, MCP at ${http.url}/mcp), ${describePool(cfg, pool)}\n`,
  );
  await untilSignal();
  const deadline = setTimeout(() => process.exit(0), 15_000);
  deadline.unref();
  await http.close();
  await pool?.stop(10_000);
  return 0;
}
