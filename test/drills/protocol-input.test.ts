import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CLI, makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

interface RpcReply {
  id?: string | number;
  result?: { tools?: unknown[] } & Record<string, unknown>;
  error?: { code: number; message: string };
}

/**
 * Drill: oversized and malformed protocol input on stdin. The built server is spawned as a client
 * would spawn it and raw bytes are written to its stdin. Every bad message gets a JSON-RPC error
 * (when its id can be read) or one log line, and the next request is answered.
 */
describe('drill: oversized and malformed input on stdin', () => {
  let env: TestEnv;
  let proc: ChildProcessWithoutNullStreams;
  let stdout = Buffer.alloc(0);
  let stderr = '';
  let exit: number | null | undefined;
  const replies: RpcReply[] = [];

  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) => proc.stdin.write(data, (err) => (err ? reject(err) : resolve())));
  const reply = (id: string | number) =>
    waitFor(
      `the reply to request ${JSON.stringify(id)}`,
      async () => replies.find((r) => r.id === id),
      20_000,
    );
  const logLines = () => stderr.split('\n').filter((l) => /stdin/.test(l));
  /** A request that must work after whatever came before it. */
  const stillServes = async (id: number) => {
    await write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' })}\n`);
    const r = await reply(id);
    assert.ok((r.result?.tools?.length ?? 0) > 5, JSON.stringify(r).slice(0, 300));
    assert.equal(exit, undefined, 'the server exited');
  };

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WORKERS: '0', CODEINDEX_WATCH: 'false', CODEINDEX_LOG_LEVEL: 'warn' });
    proc = spawn(process.execPath, [CLI, 'serve'], { env: env.env, cwd: REPO_ROOT });
    proc.stdout.on('data', (d: Buffer) => {
      stdout = Buffer.concat([stdout, d]);
      for (let nl = stdout.indexOf(10); nl >= 0; nl = stdout.indexOf(10)) {
        replies.push(JSON.parse(stdout.subarray(0, nl).toString('utf8')) as RpcReply);
        stdout = stdout.subarray(nl + 1);
      }
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.stdin.on('error', () => {}); // EPIPE once the server is gone; the assertions say so
    proc.on('exit', (code) => {
      exit = code;
    });
    await write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'drill', version: '0' },
        },
      })}\n`,
    );
    await reply(0);
    await write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  });

  after(async () => {
    proc?.kill('SIGTERM');
    await env?.cleanup();
  });

  test('a line over 10 MiB gets an error reply with its id, and the next request works', async () => {
    const padding = 'x'.repeat(11 * 1024 * 1024);
    // The SDK's clients put the id last; write it in pieces as a pipe would deliver it.
    const line = `{"method":"tools/call","params":{"name":"search_code","arguments":{"query":"${padding}"}},"jsonrpc":"2.0","id":"big-1"}\n`;
    for (let i = 0; i < line.length; i += 1024 * 1024) await write(line.slice(i, i + 1024 * 1024));
    const r = await reply('big-1');
    assert.equal(r.error?.code, -32600);
    assert.match(r.error?.message ?? '', /exceeds the 10\.0 MiB limit/);
    assert.ok(
      logLines().some((l) => /rejected a message on stdin \(id "big-1"\)/.test(l)),
      stderr,
    );
    await stillServes(1);
  });

  test('an oversized line without a readable id is dropped with a log line', async () => {
    await write(`[${'1,'.repeat(6 * 1024 * 1024)}1]\n`);
    await waitFor('the log line', async () =>
      logLines().some((l) => /dropped a message on stdin: message of/.test(l)),
    );
    await stillServes(2);
  });

  test('bad JSON with a readable id gets a parse error; without one it is logged and dropped', async () => {
    await write('{"jsonrpc":"2.0","id":17,"method":"tools/list","params":{\n');
    const r = await reply(17);
    assert.equal(r.error?.code, -32700);
    await write('this is not json\n');
    await waitFor('the log line', async () =>
      logLines().some((l) => /dropped a message on stdin: message is not valid JSON/.test(l)),
    );
    await stillServes(3);
  });

  test('invalid UTF-8 gets a parse error', async () => {
    const bytes = Buffer.concat([
      Buffer.from(
        '{"jsonrpc":"2.0","id":18,"method":"tools/call","params":{"name":"search_symbols","arguments":{"query":"',
      ),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}}}\n'),
    ]);
    await write(bytes);
    const r = await reply(18);
    assert.equal(r.error?.code, -32700);
    assert.match(r.error?.message ?? '', /not valid UTF-8/);
    await stillServes(4);
  });

  test('JSON that is not JSON-RPC: an invalid request with an id gets -32600, the rest is logged', async () => {
    await write('{"jsonrpc":"2.0","id":19,"method":42}\n');
    const r = await reply(19);
    assert.equal(r.error?.code, -32600);
    const before = logLines().length;
    await write('{"hello":"world"}\n[1,2,3]\n"just a string"\n');
    await waitFor('three log lines', async () => logLines().length >= before + 3);
    await stillServes(5);
    assert.ok(!replies.some((x) => x.id === undefined), 'no reply without an id');
  });

  test('a request with wrong params gets -32602 saying which, in one line', async () => {
    const cases: [number, unknown, RegExp][] = [
      [
        31,
        { method: 'tools/call', params: { name: 'search_symbols', arguments: ['q'] } },
        /arguments must be a JSON object/,
      ],
      [32, { method: 'tools/call', params: { arguments: {} } }, /needs params\.name/],
      [
        33,
        { method: 'tools/list', params: { _meta: { progressToken: { a: 1 } } } },
        /progressToken .*string or an integer/,
      ],
      [34, { method: 'tools/list', params: 'all' }, /params of tools\/list must be a JSON object/],
    ];
    for (const [id, body] of cases)
      await write(`${JSON.stringify({ jsonrpc: '2.0', id, ...(body as object) })}\n`);
    for (const [id, , message] of cases) {
      const r = await reply(id);
      assert.equal(r.error?.code, -32602, JSON.stringify(r));
      assert.match(r.error?.message ?? '', message);
      assert.ok(!(r.error?.message ?? '').includes('\n'));
    }
    await stillServes(35);
  });

  test('hundreds of answers waiting on a full stdout are all written, with no listener-leak warning', async () => {
    proc.stdout.pause();
    const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
    await write(
      ids.map((id) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' })}\n`).join(''),
    );
    // Long enough for the answers to fill the pipe and wait on its drain.
    await new Promise((r) => setTimeout(r, 1500));
    proc.stdout.resume();
    await waitFor('every answer', async () => ids.every((id) => replies.some((r) => r.id === id)), 30_000);
    assert.doesNotMatch(stderr, /MaxListenersExceeded/);
    await stillServes(36);
  });
});
