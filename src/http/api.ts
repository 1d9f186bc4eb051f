import { realpathSync } from 'node:fs';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { isInside, resolveAllowedPath, toRelative } from '../discovery/index.js';
import type { CodeSearch } from '../mcp/code-search.js';
import { staleChecker } from '../mcp/context.js';
import { indexedRootOf } from '../mcp/indexed-root.js';
import { decodeCursor, encodeCursor } from '../mcp/results.js';
import { confineToRoots } from '../mcp/scope.js';
import { searchSymbolGroups } from '../mcp/symbol-groups.js';
import { readSymbolSource, symbolSourceOut } from '../mcp/symbol-source.js';
import { kindIn, languageIn, priorityIn, scopeOf } from '../mcp/tools/schemas.js';
import { chunkHitToOut } from '../mcp/tools/search-code.js';
import { symbolToOut } from '../mcp/tools/search-symbols.js';
import { JOBS } from '../queue/names.js';
import type { HttpAppDeps } from './deps.js';
import { describeZodError, sendError } from './errors.js';

const indexBody = z.strictObject({
  path: z.string().min(1, 'path is required').max(4096),
  force: z.boolean().default(false),
  priority: priorityIn.default('normal'),
});
const indexFileBody = z.strictObject({
  path: z.string().min(1, 'path is required').max(4096),
  priority: priorityIn.default('high'),
});
const taskIdParam = z.string().min(1).max(200);
const limit = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);
const symbolsQuery = z.strictObject({
  q: z.string().min(1, 'q (the name to look for) is required').max(200),
  kind: kindIn.optional(),
  language: languageIn.optional(),
  path_prefix: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  limit: limit(20, 100),
  cursor: z.string().optional(),
});
const symbolQuery = z.strictObject({
  name: z.string().trim().min(1, "name (a definition's name or qualified name) is required").max(200),
  kind: kindIn.optional(),
  language: languageIn.optional(),
  path_prefix: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  max_lines: limit(200, 2000),
});
const codeQuery = z.strictObject({
  q: z.string().min(1, 'q (the text to look for) is required').max(500),
  mode: z.enum(['text', 'semantic', 'hybrid']).default('hybrid'),
  language: languageIn.optional(),
  path_prefix: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  limit: limit(10, 50),
  cursor: z.string().optional(),
});

/**
 * Parses with zod and answers 400 with the first issue, or returns the data. The query strings are
 * strict as the MCP tools' arguments are: a parameter no route reads (`path=` before it was taken,
 * `limt=5`) was dropped without a word, and the search ran over every root or with the default.
 */
function parseOr400<T>(schema: z.ZodType<T>, input: unknown, what: string, res: Response): T | undefined {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const unknown = r.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys' && schema instanceof z.ZodObject) {
    const known = Object.keys(schema.shape as object);
    const s = unknown.keys.length > 1 ? 's' : '';
    sendError(
      res,
      400,
      'INVALID_PAYLOAD',
      `unknown ${what === 'body' ? 'field' : 'parameter'}${s} ${unknown.keys.join(', ')}: this route takes ${known.join(', ')}`,
    );
    return undefined;
  }
  const hint =
    what === 'body' && (input === undefined || typeof input !== 'object')
      ? ' (send JSON with Content-Type: application/json)'
      : '';
  sendError(res, 400, 'INVALID_PAYLOAD', `${describeZodError(r.error, what)}${hint}`);
  return undefined;
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Express 5 forwards rejected promises to the error handler; this only narrows the type. */
type AsyncHandler = (req: Request, res: Response) => Promise<void>;
const route = (h: AsyncHandler) => h;

/**
 * The HTTP API for editors and scripts: the same validation, path rules and errors as the MCP
 * tools (`index_repository`, `index_file`, `task_status`, `cancel_task`, `search_symbols`,
 * `get_symbol`, `search_code`), as JSON over HTTP.
 */
export function createApiRouter(deps: HttpAppDeps, search: CodeSearch): Router {
  const r = Router();

  /**
   * The query scope: a path_prefix inside the allowed roots, else the allowed roots (undefined
   * when every indexed root is one of them). Projects of other clients never show up.
   */
  const scope = async (prefix: string | undefined) => {
    const roots = (await deps.allowedRoots()).map(realOrSelf);
    if (prefix)
      return { prefix: [(await resolveAllowedPath(prefix, roots, { expect: 'any' })).realPath], roots };
    return { prefix: await confineToRoots(roots, deps.store, undefined), roots };
  };

  r.post(
    '/index',
    route(async (req, res) => {
      const body = parseOr400(indexBody, req.body, 'body', res);
      if (!body) return;
      const p = await resolveAllowedPath(body.path, await deps.allowedRoots(), { expect: 'directory' });
      const tasks = await deps.tasks();
      const taskId = await tasks.enqueue(JOBS.indexRepository, {
        root: p.realPath,
        force: body.force,
        priority: body.priority,
      });
      deps.hooks?.onRootIndexed?.(p.realPath);
      const statusUrl = `/tasks/${encodeURIComponent(taskId)}`;
      res
        .status(202)
        .location(statusUrl)
        .json({ task_id: taskId, status_url: statusUrl, state: 'PENDING', root: p.realPath });
    }),
  );

  r.post(
    '/index-file',
    route(async (req, res) => {
      const body = parseOr400(indexFileBody, req.body, 'body', res);
      if (!body) return;
      const p = await resolveAllowedPath(body.path, await deps.allowedRoots(), { expect: 'file' });
      // Into the indexed project that holds the file, not a new root of the allowed one above it.
      const root = await indexedRootOf(deps.store, p.realPath, p.root);
      const tasks = await deps.tasks();
      const taskId = await tasks.enqueue(
        JOBS.indexFile,
        { root, path: toRelative(root, p.realPath) },
        { priority: body.priority },
      );
      const statusUrl = `/tasks/${encodeURIComponent(taskId)}`;
      res
        .status(202)
        .location(statusUrl)
        .json({ task_id: taskId, status_url: statusUrl, state: 'PENDING', path: p.realPath, root });
    }),
  );

  r.get(
    '/tasks/:id',
    route(async (req, res) => {
      const id = parseOr400(taskIdParam, req.params.id, 'task id', res);
      if (!id) return;
      res.json(await (await deps.tasks()).getTask(id));
    }),
  );

  r.delete(
    '/tasks/:id',
    route(async (req, res) => {
      const id = parseOr400(taskIdParam, req.params.id, 'task id', res);
      if (!id) return;
      res.json(await (await deps.tasks()).cancel(id));
    }),
  );

  r.get(
    '/search/symbols',
    route(async (req, res) => {
      const q = parseOr400(symbolsQuery, req.query, 'query string', res);
      if (!q) return;
      const store = deps.store();
      const offset = decodeCursor(q.cursor);
      const { prefix, roots } = await scope(scopeOf(q));
      const found = await searchSymbolGroups(store, {
        query: q.q,
        limit: q.limit,
        offset,
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.language ? { language: q.language } : {}),
        ...(prefix ? { pathPrefix: prefix } : {}),
      });
      const isStale = await staleChecker(
        store,
        found.groups.map((g) => g.hit),
      );
      const symbols = found.groups
        .filter((g) => prefix || roots.some((root) => isInside(root, g.hit.path)))
        .map((g) => symbolToOut(g.hit, isStale(g.hit.path), g.moreLines, g.moreFiles));
      res.json({ symbols, ...(found.hasMore ? { next_cursor: encodeCursor(offset + q.limit) } : {}) });
    }),
  );

  r.get(
    '/symbol',
    route(async (req, res) => {
      const q = parseOr400(symbolQuery, req.query, 'query string', res);
      if (!q) return;
      const asked = scopeOf(q);
      const { prefix, roots } = await scope(asked);
      const found = await readSymbolSource(deps.store(), {
        symbol: q.name,
        kind: q.kind,
        language: q.language,
        scope: prefix,
        asked,
        allowedRoots: roots,
        maxLines: q.max_lines,
      });
      res.json(symbolSourceOut(found));
    }),
  );

  r.get(
    '/search/code',
    route(async (req, res) => {
      const q = parseOr400(codeQuery, req.query, 'query string', res);
      if (!q) return;
      const store = deps.store();
      const offset = decodeCursor(q.cursor);
      const { prefix, roots } = await scope(scopeOf(q));
      const found = await search.search({
        query: q.q,
        mode: q.mode,
        pathPrefix: prefix,
        language: q.language,
        limit: q.limit,
        offset,
      });
      const isStale = await staleChecker(store, found.hits);
      const results = found.hits
        .filter((h) => prefix || roots.some((root) => isInside(root, h.path)))
        .map((h) => chunkHitToOut(h, isStale(h.path)));
      res.json({
        results,
        mode: found.mode,
        ...(found.note ? { note: found.note } : {}),
        ...(found.hasMore ? { next_cursor: encodeCursor(offset + q.limit) } : {}),
      });
    }),
  );

  return r;
}
