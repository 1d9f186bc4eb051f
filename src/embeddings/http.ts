import {
  EmbeddingPermanentError,
  type EmbeddingProviderId,
  EmbeddingRateLimitError,
  EmbeddingTransientError,
  redactSecrets,
} from './errors.js';
import { parseRetryAfterMs } from './retry-after.js';

/** Where and how a remote provider posts. Built once per provider and frozen. */
export interface EmbeddingEndpoint {
  provider: EmbeddingProviderId;
  /** Human name for messages: `OpenAI`, `Voyage`. */
  label: string;
  url: URL;
  timeoutMs: number;
  /** What to tell the user when the key is missing or rejected, e.g. "set OPENAI_API_KEY …". */
  keyHint: string;
}

/** Default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Parses and checks a base URL and appends `/embeddings`. Credentials in the URL are refused:
 * they would end up in logs, and `fetch` rejects them anyway.
 */
export function embeddingsUrl(provider: EmbeddingProviderId, baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new EmbeddingPermanentError(
      `embeddings baseUrl is not a valid URL: use e.g. https://api.openai.com/v1 or http://localhost:11434/v1`,
      { provider },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EmbeddingPermanentError(
      `embeddings baseUrl must start with http:// or https:// (got ${url.protocol}): fix embeddings.baseUrl`,
      { provider },
    );
  }
  if (url.username || url.password) {
    throw new EmbeddingPermanentError(
      'embeddings baseUrl must not contain credentials: remove them and set CODEINDEX_EMBEDDINGS_API_KEY instead',
      { provider },
    );
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/embeddings`;
  url.hash = '';
  return url;
}

/** The URL as shown in messages: no query string (it may carry tokens), no credentials. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * POSTs `body` as JSON and returns the parsed JSON response. Classifies every failure:
 * 429 → rate limit; 408, 5xx, network errors and timeouts → transient; other 4xx, non-JSON → permanent.
 * When `signal` aborts, rejects with its reason unchanged (the caller cancelled; nothing to classify).
 */
export async function postJson(
  endpoint: EmbeddingEndpoint,
  apiKey: string | undefined,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const { provider, label, url, timeoutMs } = endpoint;
  const where = displayUrl(url);
  signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: combined });
    text = await res.text();
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new EmbeddingTransientError(
        `${label} embeddings: no response from ${where} within ${timeoutMs} ms; will retry — if it persists, raise embeddings.timeoutMs or lower embeddings.maxBatch`,
        { provider },
      );
    }
    const why =
      networkErrorCode(err) ?? (err instanceof Error && err.cause instanceof Error ? err.cause.message : '');
    throw new EmbeddingTransientError(
      `${label} embeddings: cannot reach ${where}${why ? ` (${snippet(why, apiKey)})` : ''}; will retry — check that the server is running and embeddings.baseUrl is right`,
      { provider, cause: sanitizeCause(err) },
    );
  }

  if (!res.ok) throw httpError(endpoint, apiKey, res, text);

  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EmbeddingPermanentError(
      `${label} embeddings: ${where} answered HTTP ${res.status} with a body that is not JSON (${snippet(text, apiKey)}); check embeddings.baseUrl points at an embeddings API`,
      { provider, status: res.status },
    );
  }
}

function httpError(endpoint: EmbeddingEndpoint, apiKey: string | undefined, res: Response, text: string) {
  const { provider, label, url, keyHint } = endpoint;
  const status = res.status;
  const where = displayUrl(url);
  const detail = serverMessage(text, apiKey);
  const said = detail ? `: ${detail}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(res.headers);
    const when = retryAfterMs === null ? 'after a backoff' : `in ${retryAfterMs} ms`;
    return new EmbeddingRateLimitError(
      `${label} embeddings rate-limited by ${url.host} (HTTP 429)${said}; retry ${when}, or lower the embeddings queue rate limit`,
      { provider, status, retryAfterMs },
    );
  }
  if (status === 408 || status >= 500) {
    return new EmbeddingTransientError(
      `${label} embeddings: ${url.host} failed with HTTP ${status}${said}; will retry with backoff — if it persists, check the provider's status`,
      { provider, status, retryAfterMs: parseRetryAfterMs(res.headers) },
    );
  }
  if (status === 401 || status === 403) {
    const what = status === 401 ? 'rejected the API key' : 'refused access for this API key';
    return new EmbeddingPermanentError(
      `${label} embeddings: ${url.host} ${what} (HTTP ${status})${said}; ${keyHint}`,
      { provider, status },
    );
  }
  if (status === 404) {
    return new EmbeddingPermanentError(
      `${label} embeddings: ${where} not found (HTTP 404)${said}; check embeddings.baseUrl (OpenAI-compatible servers usually end in /v1) and embeddings.model`,
      { provider, status },
    );
  }
  if (status === 413) {
    return new EmbeddingPermanentError(
      `${label} embeddings: request too large (HTTP 413)${said}; lower embeddings.maxBatch`,
      { provider, status },
    );
  }
  return new EmbeddingPermanentError(
    `${label} embeddings: ${url.host} refused the request (HTTP ${status})${said}; check embeddings.model, embeddings.dims and embeddings.maxBatch`,
    { provider, status },
  );
}

/** The error text a server put in its body (OpenAI `error.message`, Voyage `detail`, Ollama `error`). */
function serverMessage(text: string, apiKey: string | undefined): string {
  let msg: unknown;
  try {
    const j = JSON.parse(text) as unknown;
    if (isRecord(j)) {
      const e = j.error;
      msg = (isRecord(e) ? e.message : e) ?? j.detail ?? j.message;
    }
  } catch {
    // Not JSON: show the raw text.
  }
  if (msg === undefined || msg === null) msg = text;
  return snippet(typeof msg === 'string' ? msg : JSON.stringify(msg), apiKey);
}

/** One line, at most 200 characters, secrets redacted. */
export function snippet(text: string, apiKey: string | undefined): string {
  const line = redactSecrets(text, [apiKey]).replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `ECONNREFUSED`, `ENOTFOUND`, … from undici's `TypeError('fetch failed', { cause })`. */
function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; isRecord(e) || e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    if (depth > 4) break;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Network errors keep only name, message and code: undici attaches sockets and request objects,
 * which carry the authorization header.
 */
function sanitizeCause(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = networkErrorCode(err);
  const inner = err.cause instanceof Error ? err.cause.message : undefined;
  const out = new Error(inner && inner !== err.message ? `${err.message}: ${inner}` : err.message);
  out.name = err.name;
  if (code) (out as Error & { code?: string }).code = code;
  return out;
}
