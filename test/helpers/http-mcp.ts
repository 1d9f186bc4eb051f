import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, startMcpClient } from './env.js';
import { waitFor } from './wait.js';

export type Serve = Awaited<ReturnType<typeof startMcpClient>> & { url: string };

/**
 * `codeindex serve --http PORT --workers 0` (stdio stays connected as `client`), up once /healthz
 * answers. With `CODEINDEX_DASHBOARD_TOKEN` in `env`, /healthz is asked with that token.
 * `args` replaces `--workers 0` (`[]`: the configured worker pool).
 */
export async function startServe(env: Record<string, string>, args = ['--workers', '0']): Promise<Serve> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const s = await startMcpClient(env, ['--http', String(port), ...args]);
  const token = env.CODEINDEX_DASHBOARD_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await waitFor(
    `serve --http on ${port}`,
    () =>
      fetch(`${url}/healthz`, { headers }).then(
        // 503 without workers is fine: it listens.
        (r) => r.status !== 401,
        () => false,
      ),
    15_000,
    100,
  ).catch(async (err: unknown) => {
    await s.close();
    throw err;
  });
  return { ...s, url };
}

/** An SDK client over Streamable HTTP to a server's /mcp, with the bearer token when given. */
export async function connectHttp(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'codeindex-tasks-http-test', version: '0.0.0' });
  const requestInit: RequestInit = token ? { headers: { authorization: `Bearer ${token}` } } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit }));
  return client;
}
