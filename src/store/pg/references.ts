import { nameKey } from '../identifiers.js';
import { scopeFilter } from '../paths.js';
import { paging } from '../query-context.js';
import { REF_KIND_BIT } from '../ref-sites.js';
import {
  CONTAINER_MATCH_SQL,
  classWords,
  containerMatch,
  containerOf,
  IMPORT_BINDINGS_SQL,
  type ImportBindingRow,
  importBindings,
  lineOf,
  moduleOf,
  pageRefSites,
  type RefRowLike,
  rankRefRows,
  refHit,
  refName,
  SUBCLASS_DEPTH,
  subclassNames,
  TOP_LEVEL_DEFINERS_SQL,
} from '../references.js';
import type { RefQuery, RefSearchResult } from '../types.js';
import { preparedRows, type Queryable } from './context.js';
import { scopeOfPg } from './scope.js';

/**
 * References to a name, as `findReferences` of the SQLite engine: the same rows in (root, path)
 * order, the same relevance tiers and paging (shared), and each line's text from the smallest
 * chunk covering it, read for the whole page in one query.
 */
export async function findReferencesPg(db: Queryable, q: RefQuery): Promise<RefSearchResult> {
  const { limit, offset } = paging(q.limit, q.offset);
  const name = refName(q.symbol);
  if (name.length === 0 || limit === 0) return { hits: [], hasMore: false };
  const scope = await scopeOfPg(db, q.pathPrefix);
  const filter = scope === null ? { sql: '', params: [] } : scopeFilter(scope);
  // The reference rows, the languages that define the name and the accepted containers do not
  // depend on each other: one round trip for the three (each on a connection of the pool).
  const container = containerOf(q.symbol);
  const [allRows, defRows, accepted] = await Promise.all([
    preparedRows<RefRowLike>(
      db,
      `SELECT rf.name, rf.sites, f.id AS file_id, f.path AS rel, r.path AS root, f.language, f.size, f.mtime_ms
       FROM refs rf JOIN files f ON f.id = rf.file_id JOIN roots r ON r.id = f.root_id
       WHERE rf.name = ?${filter.sql === '' ? '' : ` AND ${filter.sql}`}
       ORDER BY r.path, f.path`,
      [name, ...filter.params],
    ),
    preparedRows<{ language: string | null }>(
      db,
      // name_key first: the name's rows come from the name index (see the SQLite engine).
      container === null
        ? 'SELECT DISTINCT f.language FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name_key = ? AND s.name = ?'
        : `SELECT DISTINCT f.language FROM symbols s JOIN files f ON f.id = s.file_id
           WHERE s.name_key = ? AND s.name = ? AND ${CONTAINER_MATCH_SQL('ILIKE')}`,
      container === null ? [nameKey(name), name] : [nameKey(name), name, ...containerMatch(container)],
    ),
    container === null ? Promise.resolve(null) : classAndSubclasses(db, container),
  ]);
  const rows = allRows.filter((r) => q.language === undefined || r.language === q.language);
  const defLanguages = new Set(defRows.map((l) => l.language));
  // The files' import-bound names (see `importBindings`), for `Class.method` only.
  const importRows =
    accepted === null ? [] : await preparedRows<ImportBindingRow>(db, IMPORT_BINDINGS_SQL, [name]);
  const bindings = accepted === null ? undefined : importBindings(importRows);
  const module =
    container === null
      ? undefined
      : moduleOf(
          container,
          name,
          await preparedRows<{ path: string }>(db, TOP_LEVEL_DEFINERS_SQL, [nameKey(name), name]),
          importRows,
        );
  const { picked, hasMore } = pageRefSites(
    rankRefRows(rows, defLanguages, accepted, bindings, module),
    offset,
    limit,
  );
  const texts = await lineTexts(
    db,
    picked.map(({ row, site }) => [row.file_id, site[0]]),
  );
  const words = classWords(accepted);
  const hits = picked.map(({ row, site }, i) => refHit(row, site, texts[i] ?? null, words));
  return { hits, hasMore };
}

/** For each (file id, line): the line's text from the smallest chunk of the file covering it. */
async function lineTexts(db: Queryable, sites: readonly [number, number][]): Promise<(string | null)[]> {
  if (sites.length === 0) return [];
  const rows = await preparedRows<{ n: number; start_line: number; content: string }>(
    db,
    `SELECT q.n, c.start_line, c.content
     FROM unnest(?::bigint[], ?::int[]) WITH ORDINALITY AS q(file_id, line, n)
     CROSS JOIN LATERAL (
       SELECT start_line, content FROM chunks
       WHERE file_id = q.file_id AND start_line <= q.line AND end_line >= q.line
       ORDER BY end_line - start_line, id LIMIT 1
     ) AS c`,
    [sites.map((s) => s[0]), sites.map((s) => s[1])],
  );
  const out: (string | null)[] = sites.map(() => null);
  for (const r of rows) out[r.n - 1] = lineOf(r.content, sites[r.n - 1]![1] - r.start_line);
  return out;
}

/** A class and its subclasses a few levels down, from `inherit` references (as SQLite). */
async function classAndSubclasses(db: Queryable, name: string): Promise<Set<string>> {
  const out = new Set([name]);
  let level = [name];
  for (let depth = 0; depth < SUBCLASS_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const parent of level) {
      const rows = await preparedRows<{ sites: string }>(
        db,
        `SELECT sites FROM refs WHERE name = ? AND kinds & ${REF_KIND_BIT.inherit} != 0`,
        [parent],
      );
      for (const child of subclassNames(rows.map((r) => r.sites))) {
        if (!out.has(child)) {
          out.add(child);
          next.push(child);
        }
      }
    }
    level = next;
  }
  return out;
}
