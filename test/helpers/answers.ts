import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callTool } from './env.js';

// Questions about the `langs` fixture, asked of several servers that must answer alike.

/** The same question asked of several servers. */
export const SYMBOL_QUERIES = [
  'UserRepository',
  'Greeter',
  'normalize_name',
  'Policy',
  'serve',
  'lookup',
  'usrrepo',
];
export const OUTLINES = [
  'ts/sample.ts',
  'python/models.py',
  'go/store.go',
  'java/com/example/store/Store.java',
];
export const REFERENCES = ['UserRepository', 'normalize_name', 'Store', 'helper'];
export const CODE_QUERIES = [
  'user repository cache',
  'normalize name',
  'store lookup by key',
  'greet the user',
];

/** Answers of one server to every question above, in a comparable form. */
export async function answers(client: Client, repo: string) {
  const out: Record<string, unknown> = {};
  for (const q of SYMBOL_QUERIES)
    out[`symbols ${q}`] = (
      await callTool<{ symbols: unknown[] }>(client, 'search_symbols', { query: q, limit: 20 })
    ).symbols;
  for (const f of OUTLINES)
    out[`outline ${f}`] = (
      await callTool<{ symbols: unknown[] }>(client, 'get_file_outline', { path: join(repo, f) })
    ).symbols;
  for (const name of REFERENCES)
    out[`refs ${name}`] = (
      await callTool<{ references: unknown[] }>(client, 'find_references', { symbol: name, limit: 50 })
    ).references;
  return out;
}

/** The files of a text search, best first. */
export async function codeFiles(client: Client, query: string): Promise<string[]> {
  const r = await callTool<{ files: { path: string }[]; mode: string }>(client, 'search_code', {
    query,
    mode: 'text',
    limit: 5,
  });
  assert.equal(r.mode, 'text');
  return r.files.map((f) => f.path);
}
