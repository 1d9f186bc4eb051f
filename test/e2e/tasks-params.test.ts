import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, McpError, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { makeTestEnv, startMcpClient, type TestEnv } from '../helpers/env.js';

/**
 * The parameters of the protocol's task requests (`tasks/get`, `tasks/result`, `tasks/cancel`,
 * `tasks/list`) are checked before the SDK's zod parse: a bad one is invalid params (-32602) in
 * one line, not an internal error (-32603) with a dump of zod issues; and an error the server
 * answers says `MCP error -32602:` once, as the client adds it, not twice.
 */
describe('MCP Tasks: malformed request parameters', () => {
  let env: TestEnv;
  let mcp: Awaited<ReturnType<typeof startMcpClient>>;

  /** The protocol error a raw request gets (the SDK client checks no outgoing parameters). */
  const rpcError = async (method: string, params: unknown): Promise<McpError> => {
    try {
      await mcp.client.request({ method, params } as never, ResultSchema);
    } catch (err) {
      if (err instanceof McpError) return err;
      throw err;
    }
    throw new Error(`${method} ${JSON.stringify(params)} succeeded`);
  };

  before(async () => {
    env = makeTestEnv({ CODEINDEX_WATCH: 'false' });
    mcp = await startMcpClient(env.env, ['--workers', '0']);
  });
  after(async () => {
    await mcp?.close();
    await env?.cleanup();
  });

  test('a missing or non-string taskId is -32602 "taskId must be a string", in one line', async () => {
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel'])
      for (const params of [{}, { taskId: 5 }, { taskId: null }, { taskId: ['idx_x'] }]) {
        const err = await rpcError(method, params);
        const what = `${method} ${JSON.stringify(params)}`;
        assert.equal(err.code, ErrorCode.InvalidParams, `${what}: ${err.message}`);
        assert.equal(err.message, 'MCP error -32602: taskId must be a string', what);
      }
    const list = await rpcError('tasks/list', { cursor: 7 });
    assert.equal(list.code, ErrorCode.InvalidParams);
    assert.equal(list.message, 'MCP error -32602: cursor must be a string');
  });

  test('an unknown task id says "MCP error -32602:" once', async () => {
    const id = `idx_${'0'.repeat(32)}`;
    const get = await rpcError('tasks/get', { taskId: id });
    assert.equal(get.code, ErrorCode.InvalidParams);
    assert.equal(get.message, 'MCP error -32602: Failed to retrieve task: Task not found');
    for (const method of ['tasks/result', 'tasks/cancel']) {
      const err = await rpcError(method, { taskId: id });
      assert.equal(err.code, ErrorCode.InvalidParams, method);
      assert.equal(err.message, `MCP error -32602: Task not found: ${id}`, method);
    }
    // The task-augmented tool call the server routes itself, too.
    const forbidden = await rpcError('tools/call', {
      name: 'search_symbols',
      arguments: { query: 'x' },
      task: {},
    });
    assert.equal(forbidden.code, ErrorCode.MethodNotFound);
    assert.match(forbidden.message, /^MCP error -32601: tool search_symbols does not run as a task/);
  });

  test('well-formed requests still work: tasks/list answers', async () => {
    const r = await mcp.client.request({ method: 'tasks/list', params: {} } as never, ResultSchema);
    assert.deepEqual((r as { tasks: unknown[] }).tasks, []);
  });
});
