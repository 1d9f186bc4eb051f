import { appendFileSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { isInside } from '../discovery/paths.js';

/**
 * Which directories workers may read, whoever put a job in Redis.
 *
 * A job names its root; a worker reads files only under a root that the installation allows:
 * `CODEINDEX_ROOTS`, a root a producer of this data dir registered (the MCP server, the HTTP API
 * and the CLI register a root when they queue work for it, after their own root checks), or a root
 * already in the index. Registrations are lines in `<data dir>/allowed-roots`, a file on this
 * host: something that can only write to Redis cannot add to it. A worker on another host with its
 * own data dir needs `CODEINDEX_ROOTS`.
 */
export function allowedRootsFile(cfg: Pick<Config, 'home'>): string {
  return join(cfg.home, 'allowed-roots');
}

/** Real path when it exists (symlinks followed), else the lexical absolute path. */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

const registered = new Map<string, Set<string>>();

/** Records that a producer of this data dir queued work for `root` (idempotent, cheap when repeated). */
export function registerAllowedRoot(cfg: Pick<Config, 'home'>, root: string): void {
  const file = allowedRootsFile(cfg);
  let seen = registered.get(file);
  if (!seen) {
    seen = new Set(readLines(file));
    registered.set(file, seen);
  }
  const r = real(root);
  if (seen.has(r)) return;
  mkdirSync(cfg.home, { recursive: true });
  // One short append per root: lines from concurrent producers never interleave.
  appendFileSync(file, `${r}\n`, { mode: 0o600 });
  seen.add(r);
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('/'));
  } catch {
    return [];
  }
}

/** A worker's check of the roots its jobs name. */
export class RootGuard {
  private fileStamp = '';
  private fileRoots: string[] = [];
  private readonly configured: string[];

  constructor(
    private readonly cfg: Pick<Config, 'home' | 'roots'>,
    private readonly indexedRoots: () => Promise<string[]>,
  ) {
    this.configured = cfg.roots.map(real);
  }

  /** Null when `root` lies inside an allowed root, else the one-line reason to refuse the job. */
  async check(root: string): Promise<string | null> {
    const r = real(root);
    const inside = (roots: readonly string[]) => roots.some((a) => isInside(a, r));
    if (inside(this.configured) || inside(this.registered())) return null;
    if (inside((await this.indexedRoots()).map(real))) return null;
    return `root ${root} is not allowed here: it is not in CODEINDEX_ROOTS, not registered by a codeindex server or command of this data dir, and not indexed (a job put into Redis by something else?)`;
  }

  private registered(): string[] {
    const file = allowedRootsFile(this.cfg);
    let stamp = '';
    try {
      const st = statSync(file);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      stamp = 'none';
    }
    if (stamp !== this.fileStamp) {
      this.fileRoots = readLines(file);
      this.fileStamp = stamp;
    }
    return this.fileRoots;
  }
}
