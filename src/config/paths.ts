import { join } from 'node:path';
import type { Config } from './schema.js';

/** The SQLite index file of a data dir. */
export function indexDbPath(cfg: Pick<Config, 'home'>): string {
  return join(cfg.home, 'index.db');
}
