import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { rootsOnce, type ToolContext } from '../context.js';
import { rootTextPaths, runTool, toolResult } from '../results.js';
import { queryScope } from '../scope.js';
import {
  MAX_SOURCE_CHARS,
  numberedLines,
  readSymbolSource,
  sourceHeading,
  splitQualified,
  symbolSourceOut,
} from '../symbol-source.js';
import { kindIn, languageIn, scopeIn, scopeOf, symbolOut } from './schemas.js';
import { renderSymbol } from './search-symbols.js';

/** `get_symbol`: a definition's source, found by name. */
export function registerGetSymbolTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'get_symbol',
    {
      title: 'Read a definition',
      description:
        "The source of one definition, found by its name (`make_response`) or qualified name (`Flask.make_response`, `net::connect`, `App\\Http\\Kernel`), with its doc comment and decorators, read from disk: a function or class without reading its whole file. The best match as search_symbols ranks it (in the qualifier's class or module first; when none is, the best other definition, said so) is shown; the other definitions of the name are listed with their paths and lines (pass one's file as `path` to read it). A class longer than max_lines is cut there: read its members by qualified name.",
      inputSchema: {
        symbol: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .describe('A name or a qualified name: Class.method, pkg.Func'),
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
        qualifier_matched: z
          .boolean()
          .optional()
          .describe(
            'false when no definition of the name is in a class or module named as the qualifier, nor in a class it extends',
          ),
        doc_lines: z
          .array(z.number())
          .optional()
          .describe('first and last line of a doc comment above the definition too long to show'),
        inherited_from: z
          .string()
          .optional()
          .describe("the qualifier's class does not define the name itself but inherits it from this class"),
        more_definitions: z
          .number()
          .optional()
          .describe('definitions of the name not listed in other_definitions (search_symbols lists them)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ symbol, kind, language, max_lines, ...scopeArgs }) =>
      runTool(async () => {
        const store = rootsOnce(ctx.store());
        const asked = scopeOf(scopeArgs);
        const scope = await queryScope({ allowedRoots: () => ctx.allowedRoots(), store: () => store }, asked);
        const src = await readSymbolSource(store, {
          symbol,
          kind,
          language,
          scope,
          asked,
          allowedRoots: await ctx.allowedRoots(),
          maxLines: max_lines,
        });
        const { best, name, to, offset } = src;
        const out = symbolSourceOut(src);
        const paths = await rootTextPaths(store, [best.path, ...src.others.map((h) => h.path)]);
        const parts = [
          `${sourceHeading(src, paths.show)}${
            src.stale
              ? ` (the file changed since it was indexed: shown where the definition is now${offset === 0 ? '' : `, ${offset > 0 ? '+' : ''}${offset} lines`})`
              : ''
          }`,
          numberedLines(src).join('\n'),
        ];
        if (src.unmatchedQualifier !== null)
          parts.splice(
            1,
            0,
            `(no ${name} is defined in a class or module named ${src.unmatchedQualifier}, nor in a class it extends as far as the index knows: this is the best other definition of ${name})`,
          );
        if (src.docSkipped !== null)
          parts.splice(
            1,
            0,
            `(its ${src.docSkipped[1] - src.docSkipped[0] + 1}-line doc comment, lines ${src.docSkipped[0]}-${src.docSkipped[1]}, is not shown)`,
          );
        if (src.inheritedFrom !== null)
          parts.splice(
            1,
            0,
            `(${src.best.container ? `${src.best.container}.` : ''}${name}: ${splitQualified(symbol).qualifier} inherits it from ${src.inheritedFrom})`,
          );
        if (out.truncated)
          parts.push(
            `(cut at ${src.cutAtChars ? `${MAX_SOURCE_CHARS} characters` : `max_lines ${max_lines}`}: the definition ends at line ${src.endRow + 1}; ${
              src.container
                ? `read a member as get_symbol ${best.name}.<member> (get_file_outline lists them)${src.cutAtChars ? '' : ', or raise max_lines'}`
                : src.cutAtChars
                  ? `read lines ${to + 2}-${src.endRow + 1} from the file`
                  : 'raise max_lines to read the rest'
            })`,
          );
        if (src.moreLines.length > 0)
          parts.push(
            `(${best.container ? `${best.container}.` : ''}${name} is defined again in this file at line${src.moreLines.length === 1 ? '' : 's'} ${src.moreLines.join(', ')}: an overload, a setter or another branch's definition, not shown)`,
          );
        if (src.others.length > 0)
          parts.push(
            `other definitions of ${name}:\n${out.other_definitions.map((s) => renderSymbol(s, paths.show)).join('\n')}`,
          );
        if (src.unlisted > 0)
          parts.push(
            `(${src.unlisted}${src.morePossible ? '+' : ''} more ${src.unlisted === 1 && !src.morePossible ? 'definition' : 'definitions'} named ${name}${src.others.length > 0 ? '' : ' elsewhere'}: search_symbols lists them)`,
          );
        if (paths.header !== null) parts.unshift(paths.header);
        // Roots queried recently are kept by the cleanup (only paths that are roots are recorded).
        for (const r of scope ?? (await ctx.allowedRoots())) await store.touchQueried(r);
        return toolResult(out, parts.join('\n'));
      }),
  );
}
