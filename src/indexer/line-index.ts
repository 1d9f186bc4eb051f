/**
 * Offsets to line/column positions without asking tree-sitter: one `indexOf('\n')` pass builds a
 * table of line starts, and lookups are binary searches. Reading `node.startPosition` for every
 * capture is a native call plus an object allocation; `node.startIndex` is one call, and the rest
 * happens here. Rows and columns match tree-sitter's (rows split on `\n` only, columns count UTF-16
 * code units as the node binding reports them).
 */

/** Line lookups over one source string. */
export interface LineIndex {
  /** Number of lines (a trailing newline starts one more, empty, line). */
  readonly lineCount: number;
  /** 0-based row of a string offset. */
  rowOf(offset: number): number;
  /** Offset where a 0-based row starts. */
  rowStart(row: number): number;
  /** Offset of the end of a 0-based row, excluding its `\n`. */
  rowEnd(row: number): number;
}

/** Builds the line table for `source`. */
export function createLineIndex(source: string): LineIndex {
  const starts: number[] = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) {
    starts.push(i + 1);
  }
  const lineCount = starts.length;
  const rowStart = (row: number): number => starts[Math.max(0, Math.min(row, lineCount - 1))] ?? 0;
  return {
    lineCount,
    rowOf(offset: number): number {
      let lo = 0;
      let hi = lineCount - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
    rowStart,
    rowEnd(row: number): number {
      return row + 1 < lineCount ? (starts[row + 1] ?? source.length) - 1 : source.length;
    },
  };
}
