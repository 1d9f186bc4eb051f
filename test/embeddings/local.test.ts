import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmbeddingPermanentError } from '../../src/embeddings/errors.js';
import { embedLexical, stem } from '../../src/embeddings/local.js';
import { createEmbeddingProvider } from '../../src/embeddings/provider.js';
import { topK } from '../../src/embeddings/vector-search.js';

/** Chunks as the indexer would produce them: several languages, some near-misses, some noise. */
const SNIPPETS: Record<string, string> = {
  upload: `export async function uploadWithRetry(file: Blob, url: string, maxAttempts = 5) {
  let delay = 200;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try { return await putObject(url, file); }
    catch (err) { if (attempt === maxAttempts) throw err; await sleep(delay); delay = backoff(delay); }
  }
}`,
  argv: `def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Index a repository")
    parser.add_argument("--root", help="directory to index")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)`,
  password: `func HashPassword(password string) (string, error) {
	bytes, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(bytes), err
}`,
  config: `pub fn load_config(path: &Path) -> Result<Config, ConfigError> {
    let text = fs::read_to_string(path)?;
    let config: Config = toml::from_str(&text)?;
    Ok(config)
}`,
  debounce: `export function debounce<T extends (...args: unknown[]) => void>(fn: T, waitMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: Parameters<T>) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), waitMs); };
}`,
  pool: `public class DatabaseConnectionPool {
    private final HikariDataSource dataSource;
    public DatabaseConnectionPool(String jdbcUrl, int maxPoolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl); config.setMaximumPoolSize(maxPoolSize);
        this.dataSource = new HikariDataSource(config);
    }
    public Connection getConnection() throws SQLException { return dataSource.getConnection(); }
}`,
  email: `const EMAIL_PATTERN = /^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$/;
export function isValidEmail(address: string): boolean {
  return EMAIL_PATTERN.test(address.trim());
}`,
  sortUsers: `def sort_users_by_last_login(users):
    """Most recently active users first."""
    return sorted(users, key=lambda user: user.last_login, reverse=True)`,
  // Distractors: plausible code that answers none of the queries.
  button: `export function Button({ label, onClick }: ButtonProps) {
  return <button className="btn" onClick={onClick}>{label}</button>;
}`,
  router: `router.get('/api/files/:id', async (req, res) => {
  const file = await db.files.findById(req.params.id);
  if (!file) return res.status(404).json({ error: 'not found' });
  res.json(file);
});`,
  matrix: `fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let mut out = Matrix::zeros(a.rows, b.cols);
    for i in 0..a.rows { for j in 0..b.cols { for k in 0..a.cols { out[(i, j)] += a[(i, k)] * b[(k, j)]; } } }
    out
}`,
  logger: `class Logger:
    def __init__(self, level="info"):
        self.level = level
    def warn(self, message):
        print(f"[warn] {message}", file=sys.stderr)`,
};

/** Natural-language questions a user might ask, with the snippet that answers each. */
const QUERIES: [query: string, expected: string][] = [
  ['retry failed upload with backoff', 'upload'],
  ['parse command line arguments', 'argv'],
  ['hash a password with bcrypt', 'password'],
  ['read the configuration file from disk', 'config'],
  ['debounce function calls with a timer', 'debounce'],
  ['database connection pool', 'pool'],
  ['validate an email address', 'email'],
  ['sort users by last login date', 'sortUsers'],
];

/**
 * Written after the table above was tuned against, and never tuned against: rephrasings with
 * less word overlap. Reported, and held to the same bar together with the first set.
 */
const HELD_OUT: [query: string, expected: string][] = [
  ['wait before trying again after an error', 'upload'],
  ['argparse verbose flag', 'argv'],
  ['generate bcrypt hash', 'password'],
  ['toml parser', 'config'],
  ['clear timeout and schedule again', 'debounce'],
  ['hikari jdbc url max pool size', 'pool'],
  ['regex pattern for email', 'email'],
  ['most recently active users', 'sortUsers'],
];

describe('local lexical embeddings', () => {
  test(`rank the right snippet first: MRR over ${QUERIES.length} queries >= 0.75 (and the held-out set)`, async () => {
    const provider = createEmbeddingProvider({ provider: 'local' });
    assert.equal(provider.model, 'local-hash-v1-512');
    assert.equal(provider.dims, 512);
    const names = Object.keys(SNIPPETS);
    const docs = await provider.embed(Object.values(SNIPPETS), 'document');
    const matrix = new Float32Array(docs.length * 512);
    for (const [i, v] of docs.entries()) matrix.set(v, i * 512);

    const evaluate = async (pairs: [string, string][]) => {
      let reciprocalRanks = 0;
      const lines: string[] = [];
      for (const [query, expected] of pairs) {
        const [q] = await provider.embed([query], 'query');
        const ranked = topK(matrix, 512, q!, names.length).map((h) => names[h.index]);
        const rank = ranked.indexOf(expected) + 1;
        assert.ok(rank > 0);
        reciprocalRanks += 1 / rank;
        lines.push(`${rank} ${query} -> ${ranked.slice(0, 3).join(', ')}`);
      }
      return { mrr: reciprocalRanks / pairs.length, lines };
    };
    const main = await evaluate(QUERIES);
    const heldOut = await evaluate(HELD_OUT);
    console.log(`local-hash-v1-512 MRR = ${main.mrr.toFixed(3)}\n  ${main.lines.join('\n  ')}`);
    console.log(
      `local-hash-v1-512 held-out MRR = ${heldOut.mrr.toFixed(3)}\n  ${heldOut.lines.join('\n  ')}`,
    );
    assert.ok(main.mrr >= 0.75, `MRR ${main.mrr}`);
    assert.ok(heldOut.mrr >= 0.75, `held-out MRR ${heldOut.mrr}`);
    // The motivating example must be exact.
    assert.ok(main.lines[0]?.startsWith('1 '), main.lines[0]);
  });

  test('is deterministic, unit length and independent of batching', async () => {
    const p = createEmbeddingProvider({ provider: 'local', maxBatch: 2 });
    const texts = Object.values(SNIPPETS);
    const a = await p.embed(texts, 'document');
    const b = texts.map((t) => embedLexical(t));
    assert.deepEqual(a, b);
    for (const v of a) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    // Stable across releases: a changed value here means stored vectors no longer match (new model name).
    const v = embedLexical('uploadWithRetry backoff');
    const nonZero = [...v.entries()].filter(([, x]) => x !== 0).length;
    assert.ok(nonZero > 10, `${nonZero} non-zero buckets`);
    assert.deepEqual(embedLexical('uploadWithRetry backoff'), v);
  });

  test('splits identifiers: camelCase, snake_case, acronyms and digits meet plain words', () => {
    const cos = (x: string, y: string) => {
      const a = embedLexical(x);
      const b = embedLexical(y);
      return a.reduce((s, ai, i) => s + ai * b[i]!, 0);
    };
    assert.ok(cos('parseHTTPResponse2', 'parse http response') > 0.9);
    assert.ok(cos('load_config_file', 'LoadConfigFile') > 0.99);
    assert.ok(cos('retries', 'retry') > 0.5);
    assert.ok(cos('uploadFile', 'matrixMultiply') < 0.2);
    // Stopwords and keywords carry no signal.
    assert.deepEqual([...embedLexical('const let function return the of')], new Array(512).fill(0));
    assert.deepEqual([...embedLexical('')], new Array(512).fill(0));
  });

  test('stemmer', () => {
    assert.equal(stem('retries'), stem('retry'));
    assert.equal(stem('retried'), stem('retry'));
    assert.equal(stem('uploading'), stem('upload'));
    assert.equal(stem('failed'), stem('fail'));
    assert.equal(stem('parser'), stem('parse'));
    assert.equal(stem('parsing'), stem('parse'));
    assert.equal(stem('users'), stem('user'));
    assert.equal(stem('running'), 'run');
    assert.equal(stem('status'), 'status');
    assert.equal(stem('class'), 'class');
  });

  test('model name and dims agree; bad settings fail', () => {
    const p = createEmbeddingProvider({ provider: 'local', model: 'local-hash-v1-1024' });
    assert.equal(p.dims, 1024);
    assert.equal(createEmbeddingProvider({ provider: 'local', dims: 256 }).model, 'local-hash-v1-256');
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: 'bert' }),
      EmbeddingPermanentError,
    );
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: 'local-hash-v1-512', dims: 256 }),
      EmbeddingPermanentError,
    );
    assert.throws(() => createEmbeddingProvider({ provider: 'local', dims: 4 }), EmbeddingPermanentError);
  });

  test('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await assert.rejects(
      createEmbeddingProvider({ provider: 'local' }).embed(['x'], 'document', ac.signal),
      /cancelled/,
    );
  });

  test('throughput (logged, not asserted)', async () => {
    const p = createEmbeddingProvider({ provider: 'local' });
    const base = Object.values(SNIPPETS);
    // Three snippets per text (~0.7 kB), nearer the size of a real chunk.
    const texts = Array.from(
      { length: 5000 },
      (_, i) =>
        `${base[i % base.length]}\n${base[(i + 3) % base.length]}\n${base[(i + 7) % base.length]}\n// ${i}`,
    );
    const started = performance.now();
    await p.embed(texts, 'document');
    const secs = (performance.now() - started) / 1000;
    const kb = texts.reduce((s, t) => s + t.length, 0) / 1024;
    console.log(
      `local embeddings: ${Math.round(texts.length / secs)} chunks/s (${Math.round(kb / secs)} kB/s, avg ${Math.round((kb * 1024) / texts.length)} B/chunk)`,
    );
  });
});
