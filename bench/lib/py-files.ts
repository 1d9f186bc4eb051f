import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` whose name ends with `extension`, in sorted path order; symbolic links are not followed. */
export function filesWithExtension(dir: string, extension: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) filesWithExtension(p, extension, out);
    else if (st.isFile() && name.endsWith(extension)) out.push(p);
  }
  return out;
}

/** Every `.py` file under `dir`, in sorted path order; symbolic links are not followed. */
export function pyFiles(dir: string, out: string[] = []): string[] {
  return filesWithExtension(dir, '.py', out);
}
