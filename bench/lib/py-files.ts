import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.py` file under `dir`, in sorted path order; symbolic links are not followed. */
export function pyFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) pyFiles(p, out);
    else if (st.isFile() && name.endsWith('.py')) out.push(p);
  }
  return out;
}
