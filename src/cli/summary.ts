/** Renders a repository summary for humans. */
export function renderSummary(s: Record<string, unknown>, seconds: number): string {
  const n = (k: string) => Number(s[k] ?? 0);
  const obj = (k: string) => Object.entries((s[k] ?? {}) as Record<string, number>);
  const lines = [
    `indexed ${s.root}`,
    `  files: ${n('files_scanned')} scanned, ${n('files_indexed')} indexed, ${n('files_unchanged')} unchanged, ${n('files_skipped')} skipped, ${n('files_failed')} failed, ${n('files_removed')} removed`,
  ];
  const skipped = obj('skipped_by_reason');
  if (skipped.length) lines.push(`  skipped: ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`  symbols: ${n('symbols')}, references: ${n('refs')}, chunks: ${n('chunks')}`);
  const langs = obj('languages');
  if (langs.length) lines.push(`  languages: ${langs.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const failed = (s.failed_files ?? []) as { path: string; error: string }[];
  for (const f of failed.slice(0, 10)) lines.push(`  failed: ${f.path}: ${f.error}`);
  if (n('failed_batches'))
    lines.push(
      `  failed batches: ${n('failed_batches')}, ${n('files_not_indexed')} files not indexed (see list_tasks state=dead)`,
    );
  const errors = (s.first_errors ?? []) as { batch: string; first_file: string | null; error: string }[];
  for (const e of errors) lines.push(`  batch ${e.batch} (${e.first_file ?? 'no files'}, ...): ${e.error}`);
  lines.push(`  time: ${seconds.toFixed(2)} s`);
  return lines.join('\n');
}
