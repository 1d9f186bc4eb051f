import { z } from 'zod';
import { CodeindexError } from '../../errors.js';
import { LANGUAGE_IDS, SYMBOL_KINDS } from '../../indexer/types.js';
import { TASK_STATES } from '../../queue/task-state.js';

/**
 * A tool's arguments as an object that refuses keys it does not define, with a message naming the
 * ones it takes: a misspelt or guessed argument (`path` where the tool takes `path_prefix`) would
 * otherwise be dropped without a word, and the call would answer something else than was asked.
 */
export function strictArgs<S extends z.ZodRawShape>(tool: string, shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: ${tool} takes ${known.length > 0 ? known.join(', ') : 'no arguments'}`
        : undefined,
  });
}

/** Shapes shared by several tools' output schemas. */
export const symbolOut = z.object({
  name: z.string(),
  kind: z.string(),
  path: z.string(),
  line: z.number(),
  end_line: z.number(),
  container: z.string().nullable(),
  signature: z.string(),
  language: z.string().optional(),
  doc: z.string().nullable().optional(),
  more_lines: z
    .array(z.number())
    .optional()
    .describe(
      'lines of the same name defined again in this file and container (overloads, getter and setter)',
    ),
  more_files: z
    .number()
    .optional()
    .describe('other files that declare the same namespace statement (`namespace App\\Http;`)'),
  stale: z.boolean().optional(),
});

export const taskOut = z.object({
  task_id: z.string(),
  name: z.string().optional(),
  queue: z.string().optional(),
  state: z.enum(TASK_STATES),
  progress: z
    .object({
      current: z.number(),
      total: z.number(),
      status: z.string(),
      rate: z
        .number()
        .nullable()
        .optional()
        .describe(
          'Files (units of current) per second, averaged over the run so far; null before any progress',
        ),
      eta_seconds: z
        .number()
        .nullable()
        .optional()
        .describe('Seconds left at that rate; 0 once succeeded, null when unknown'),
    })
    .optional(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  attempts: z.number().optional(),
  created_at: z.string().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  worker: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/**
 * A list of strings that also takes one string (`focus: "Queue"` for `["Queue"]`): a caller that
 * has one item often passes it bare, and a union error about arrays and string lengths would not
 * say what to do. {@link listOf} turns the argument into the list.
 */
export function stringList(item: z.ZodString, max: number) {
  return z.union([item, z.array(item).max(max)]);
}

export function listOf(v: string | string[] | undefined): string[] | undefined {
  return typeof v === 'string' ? [v] : v;
}

export const kindIn = z.enum(SYMBOL_KINDS);
export const languageIn = z.enum(LANGUAGE_IDS);
export const limitIn = (def: number, max: number) => z.number().int().min(1).max(max).default(def);
export const priorityIn = z.enum(['high', 'normal', 'low']);

/**
 * The scope of a query tool, under either name: `search_code` and `search_symbols` called it
 * `path_prefix`, `find_references` and `repo_map` `path`. Each takes both, so a guess is right.
 */
export const scopeIn = (description: string) => ({
  path: z.string().optional().describe(description),
  path_prefix: z.string().optional().describe('Same as path'),
});

/** The one scope of `scopeIn`'s two names; both given and different is refused. */
export function scopeOf(args: {
  path?: string | undefined;
  path_prefix?: string | undefined;
}): string | undefined {
  const { path, path_prefix } = args;
  if (path !== undefined && path_prefix !== undefined && path !== path_prefix)
    throw new CodeindexError(
      'INVALID_PAYLOAD',
      `path and path_prefix disagree (${JSON.stringify(path)} and ${JSON.stringify(path_prefix)}): they are two names for the one scope, give one`,
    );
  return path ?? path_prefix;
}
