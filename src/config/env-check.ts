import { editDistance } from './closest.js';
import { ENV_VARS } from './load.js';

/** Variables read outside the settings table (paths, tokens, process plumbing). */
const OTHER_VARS = [
  'CODEINDEX_CONFIG',
  'CODEINDEX_DASHBOARD_TOKEN',
  'CODEINDEX_EMBEDDINGS_API_KEY',
  'CODEINDEX_NATIVE',
  'CODEINDEX_NATIVE_REQUIRED',
  'CODEINDEX_RESOLVED_CONFIG',
  'CODEINDEX_SHUTDOWN_DEADLINE_MS',
];

/** Settings whose absence weakens security: a near-miss of one is fatal while it is unset. */
const SECURITY_VARS = new Set(['CODEINDEX_SECRET']);

/** What a look at the environment found. */
export interface EnvCheck {
  /** One line per unknown CODEINDEX_* variable, naming the closest known one. */
  warnings: string[];
  /** Set when a near-miss stands in for an unset security setting: the process must not start. */
  fatal?: string;
}

/** The known variable closest to `name`: fewest edits, ties broken by a shared word. */
function closest(name: string, known: string[]): string {
  const words = new Set(name.split('_').filter((w) => w && w !== 'CODEINDEX'));
  const score = (k: string) =>
    editDistance(name, k) - 4 * k.split('_').filter((w) => w !== 'CODEINDEX' && words.has(w)).length;
  return known.reduce((best, k) => (score(k) < score(best) ? k : best));
}

/**
 * Finds CODEINDEX_* variables nobody reads (a typo silently leaves the default in force). A
 * near-miss of a security setting that is itself unset is fatal: `CODEINDEX_JOB_SECRET=...`
 * must not start workers that accept unsigned jobs.
 */
export function checkEnv(env: NodeJS.ProcessEnv): EnvCheck {
  const known = [...Object.keys(ENV_VARS).filter((k) => k.startsWith('CODEINDEX_')), ...OTHER_VARS];
  const out: EnvCheck = { warnings: [] };
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('CODEINDEX_') || known.includes(name)) continue;
    const guess = closest(name, known);
    out.warnings.push(`codeindex: unknown environment variable ${name} is ignored; did you mean ${guess}?`);
    if (SECURITY_VARS.has(guess) && env[guess] === undefined && out.fatal === undefined) {
      out.fatal = `${name} is set but ${guess} is not: jobs would run unsigned; rename it to ${guess} (or unset ${name})`;
    }
  }
  return out;
}
