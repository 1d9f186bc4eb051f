import { readFile } from 'node:fs/promises';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { CodeindexError, errorMessage } from '../../errors.js';
import type { SymbolKind } from '../../indexer/types.js';
import type { SymbolHit } from '../../store/types.js';
import { rootsOnce, staleChecker, type ToolContext } from '../context.js';
import { rootTextPaths, runTool, toolResult } from '../results.js';
import { queryScope } from '../scope.js';
import { searchSymbolGroups } from '../symbol-groups.js';
import { kindIn, languageIn, scopeIn, scopeOf, symbolOut } from './schemas.js';
import { renderSymbol, symbolToOut } from './search-symbols.js';

/** Candidates read to find the definitions named exactly like the query. */
const CANDIDATES = 50;
/** Other definitions of the name listed beside the one shown. */
const OTHERS = 10;
/** Lines of doc comments, decorators and attributes looked at above a definition. */
const LEADING_LINES = 40;
/** Kinds whose members can be read one at a time (`Class.method`). */
const CONTAINER_KINDS: ReadonlySet<SymbolKind> = new Set([
  'class',
  'struct',
  'interface',
  'trait',
  'enum',
  'module',
  'namespace',
]);
/** Characters of one source line shown (minified code). */
const LINE_WIDTH = 400;

/**
 * A line that belongs to the definition below it: a comment (`//`, `/*`, `*`, `#`, `--`, `///`),
 * a decorator or annotation (`@app.route(…)`, `@Override`), or an attribute (`#[derive(…)]`,
 * `[Serializable]`, `[[nodiscard]]`). Not a preprocessor line (`#include`, `#define`, `#if`).
 */
const LEADING =
  /^\s*(?:\/\/|\/\*|\*|#(?!\s*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|import)\b)|--|@|\[\[|\[[A-Z])/;

/** Whether a definition's class or module (its container's last name, or its file's) is `qualifier`'s last name. */
function qualifies(h: Pick<SymbolHit, 'container' | 'path'>, qualifier: string): boolean {
  const want = (qualifier.split('.').at(-1) ?? '').toLowerCase();
  const container = (h.container?.split('.').at(-1) ?? '').toLowerCase();
  const file = (h.path.split('/').at(-1) ?? '').replace(/\.[^.]*$/, '').toLowerCase();
  return want !== '' && (container === want || file === want);
}

/** The last name of a qualified query (`Flask.route`, `net::tcp::connect`, `App\Http\Kernel`) and what qualifies it. */
export function splitQualified(query: string): { name: string; qualifier: string | null } {
  const parts = query
    .trim()
    .split(/::|->|[.#\\/]/)
    .filter((p) => p !== '');
  const name = parts.at(-1) ?? query.trim();
  return { name, qualifier: parts.length > 1 ? parts.slice(0, -1).join('.') : null };
}

/**
 * The definitions the query names exactly, in search_symbols' order (a qualifier's class and its
 * ancestors first): the same name, else the same name in another case.
 */
export function exactDefinitions(hits: readonly SymbolHit[], name: string): SymbolHit[] {
  const same = hits.filter((h) => h.name === name);
  if (same.length > 0) return same;
  const lower = name.toLowerCase();
  return hits.filter((h) => h.name.toLowerCase() === lower);
}

/**
 * The first row of a definition's leading comments and decorators: from `startRow` (0-based) up
 * over lines that are such, stopping at a blank line or anything else.
 */
export function leadingStart(lines: readonly string[], startRow: number): number {
  let row = startRow;
  while (row > 0 && startRow - row < LEADING_LINES && LEADING.test(lines[row - 1] ?? '')) row--;
  return row;
}

/**
 * Where a definition is now in a file changed since it was indexed: the line holding its
 * signature's first line nearest to where it was, as an offset in lines; null when no line does.
 */
export function relocate(
  lines: readonly string[],
  hit: Pick<SymbolHit, 'line' | 'signature'>,
): number | null {
  const head = (hit.signature.split('\n')[0] ?? '').trim();
  if (head === '') return null;
  let best: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] ?? '').trim();
    if (text === '' || !(text.startsWith(head) || head.startsWith(text))) continue;
    if (text.length < Math.min(head.length, 8)) continue;
    const offset = i + 1 - hit.line;
    if (best === null || Math.abs(offset) < Math.abs(best)) best = offset;
  }
  return best;
}

/** `get_symbol`: a definition's source, found by name. */
export function registerGetSymbolTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'get_symbol',
    {
      title: 'Read a definition',
      description:
        "The source of one definition, found by its name (`make_response`) or qualified name (`Flask.make_response`, `net::connect`, `App\\Http\\Kernel`), with its doc comment and decorators, read from disk: a function or class without reading its whole file. The best match as search_symbols ranks it (a qualifier's class, then its ancestors) is shown; the other definitions of the name are listed with their paths and lines (pass one's file as `path` to read it). A class longer than max_lines is cut there: read its members by qualified name.",
      inputSchema: {
        symbol: z.string().min(1).max(200).describe('A name or a qualified name: Class.method, pkg.Func'),
        kind: kindIn.optional(),
        language: languageIn.optional(),
        ...scopeIn('Only definitions under this path (a folder or a file)'),
        max_lines: z
          .number()
          .int()
          .min(1)
          .max(2000)
          .default(200)
          .describe(
            'Lines of the definition shown, from its first line (its doc comment above comes on top)',
          ),
      },
      outputSchema: {
        symbol: symbolOut,
        start_line: z.number(),
        end_line: z.number(),
        source: z.string(),
        truncated: z.boolean(),
        stale: z.boolean(),
        other_definitions: z.array(symbolOut),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ symbol, kind, language, max_lines, ...scopeArgs }) =>
      runTool(async () => {
        const store = rootsOnce(ctx.store());
        const asked = scopeOf(scopeArgs);
        const scope = await queryScope({ allowedRoots: () => ctx.allowedRoots(), store: () => store }, asked);
        const { name, qualifier } = splitQualified(symbol);
        const there = asked === undefined ? '' : ` under ${asked}`;
        const r = await searchSymbolGroups(store, {
          query: symbol,
          limit: CANDIDATES,
          offset: 0,
          ...(kind ? { kind } : {}),
          ...(language ? { language } : {}),
          ...(scope ? { pathPrefix: scope } : {}),
        });
        const found = exactDefinitions(
          r.groups.map((g) => g.hit),
          name,
        );
        const best = found[0];
        if (best === undefined) {
          const close = [
            ...new Set(r.groups.map((g) => (g.hit.container ? `${g.hit.container}.` : '') + g.hit.name)),
          ];
          throw new CodeindexError(
            'SYMBOL_NOT_FOUND',
            close.length > 0
              ? `no definition is named ${JSON.stringify(name)}${there}; closest: ${close.slice(0, 5).join(', ')} (search_symbols lists more)`
              : `no definition is named ${JSON.stringify(name)}${there}: for words from a body or a question, call search_code`,
          );
        }
        let text: string;
        try {
          text = await readFile(best.path, 'utf8');
        } catch (err) {
          throw new CodeindexError(
            'PATH_NOT_FOUND',
            `${best.path} (where ${name} was indexed) cannot be read here (${errorMessage(err)}): call index_file or index_repository to bring the index up to date`,
          );
        }
        const lines = text.split(/\r?\n/);
        const stale = (await staleChecker(store, [best]))(best.path);
        let offset = 0;
        if (stale) {
          const moved = relocate(lines, best);
          if (moved === null)
            throw new CodeindexError(
              'NOT_INDEXED',
              `${best.path} changed since it was indexed and ${name} is no longer where it was: call index_file on it, then get_symbol again`,
            );
          offset = moved;
        }
        const startRow = Math.min(lines.length - 1, Math.max(0, best.line - 1 + offset));
        const endRow = Math.min(lines.length - 1, Math.max(startRow, best.endLine - 1 + offset));
        const from = leadingStart(lines, startRow);
        // The doc comment above comes on top of max_lines (it is at most LEADING_LINES long).
        const to = Math.min(endRow, startRow + max_lines - 1);
        const width = String(to + 1).length;
        const shown = lines
          .slice(from, to + 1)
          .map((l) => (l.length > LINE_WIDTH ? `${l.slice(0, LINE_WIDTH - 1)}…` : l));
        // With a qualifier, the others listed are that class's (or module's) too; the rest are counted.
        const rest = found.slice(1);
        const others = (
          qualifier === null
            ? rest
            : rest.filter((h) => h.container === best.container || qualifies(h, qualifier))
        ).slice(0, OTHERS);
        const unlisted = rest.length - others.length;
        const otherStale = await staleChecker(store, others);
        const out = {
          symbol: symbolToOut(best, stale),
          start_line: from + 1,
          end_line: to + 1,
          source: shown.join('\n'),
          truncated: to < endRow,
          stale,
          other_definitions: others.map((h) => symbolToOut(h, otherStale(h.path))),
        };
        const paths = await rootTextPaths(store, [best.path, ...others.map((h) => h.path)]);
        const parts = [
          `${paths.show(best.path)}:${from + 1}-${to + 1} ${best.kind} ${best.container ? `${best.container}.` : ''}${best.name}${
            stale
              ? ` (the file changed since it was indexed: shown where the definition is now${offset === 0 ? '' : `, ${offset > 0 ? '+' : ''}${offset} lines`})`
              : ''
          }`,
          shown.map((l, i) => `${String(from + 1 + i).padStart(width)}: ${l}`).join('\n'),
        ];
        if (out.truncated)
          parts.push(
            `(cut at max_lines ${max_lines}: the definition ends at line ${endRow + 1}; ${
              CONTAINER_KINDS.has(best.kind)
                ? `read a member as get_symbol ${best.name}.<member> (get_file_outline lists them), or raise max_lines`
                : 'raise max_lines to read the rest'
            })`,
          );
        if (others.length > 0)
          parts.push(
            `other definitions of ${name}:\n${out.other_definitions.map((s) => renderSymbol(s, paths.show)).join('\n')}`,
          );
        if (unlisted > 0)
          parts.push(
            `(${unlisted}${r.hasMore ? '+' : ''} more definitions named ${name}${others.length > 0 ? '' : ' elsewhere'}: search_symbols lists them)`,
          );
        if (paths.header !== null) parts.unshift(paths.header);
        return toolResult(out, parts.join('\n'));
      }),
  );
}
