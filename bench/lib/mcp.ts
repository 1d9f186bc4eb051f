/** A real `codeindex serve` over stdio with the MCP SDK client, for stdio latency and server RSS. */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { REPO_ROOT } from '../corpora.js';

export const CLI = join(REPO_ROOT, 'dist/src/cli.js');

export interface McpServer {
  client: Client;
  pid: number;
  /** Calls a tool; throws when it reports isError. */
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  stderr(): string;
  close(): Promise<void>;
}

export async function startMcpServer(env: Record<string, string>, args: string[] = []): Promise<McpServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const client = new Client({ name: 'codeindex-bench', version: '0.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  if (!pid) throw new Error('codeindex serve did not start');
  return {
    client,
    pid,
    async call(name, args) {
      const r = await client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content).slice(0, 300)}`);
      return (r.structuredContent ?? {}) as Record<string, unknown>;
    },
    stderr: () => err,
    async close() {
      await client.close().catch(() => {});
    },
  };
}
