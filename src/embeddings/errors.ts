import { CodeindexError } from '../errors.js';

/**
 * How the job processor should react to a failed embedding call:
 * - `rate_limit`: wait `retryAfterMs` (or the queue's backoff when unknown), then retry.
 * - `transient`: retry with exponential backoff (5xx, network error, timeout).
 * - `permanent`: do not retry (bad key, bad request, bad response); fail the job unrecoverably.
 */
export type EmbeddingErrorKind = 'rate_limit' | 'transient' | 'permanent';

/** Which provider raised an error. */
export type EmbeddingProviderId = 'local' | 'openai' | 'voyage';

/** Fields shared by the three embedding errors. */
export interface EmbeddingErrorOptions {
  provider: EmbeddingProviderId;
  /** HTTP status when the server answered, else undefined. */
  status?: number;
  /** The underlying error. Never an object that holds request headers (the API key). */
  cause?: unknown;
}

/**
 * Base of the embedding errors. Its `code` is always `EMBEDDING_PROVIDER`; `kind` says how to react.
 * Messages are one line, say what to do, and never contain the API key (see {@link redactSecrets}).
 *
 * `name` stays `CodeindexError` (the base class fixes it); branch on `instanceof` or `kind`.
 */
export abstract class EmbeddingError extends CodeindexError {
  abstract readonly kind: EmbeddingErrorKind;
  readonly provider: EmbeddingProviderId;
  readonly status: number | undefined;

  constructor(message: string, options: EmbeddingErrorOptions) {
    super('EMBEDDING_PROVIDER', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
  }

  /** True when retrying the same request may succeed. */
  get retryable(): boolean {
    return this.kind !== 'permanent';
  }
}

/** HTTP 429. `retryAfterMs` comes from the response headers; null when the server gave no hint. */
export class EmbeddingRateLimitError extends EmbeddingError {
  readonly kind = 'rate_limit' as const;
  readonly retryAfterMs: number | null;

  constructor(message: string, options: EmbeddingErrorOptions & { retryAfterMs: number | null }) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * 5xx, 408, network failures and timeouts: retry with backoff. `retryAfterMs` is set when the
 * server sent `Retry-After` (common with 503), else null.
 */
export class EmbeddingTransientError extends EmbeddingError {
  readonly kind = 'transient' as const;
  readonly retryAfterMs: number | null;

  constructor(message: string, options: EmbeddingErrorOptions & { retryAfterMs?: number | null }) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/**
 * Retrying will not help: bad or missing key (401/403), bad request (400/404/413/422...),
 * malformed response, wrong number of vectors, wrong or inconsistent dimensions, NaN values,
 * invalid configuration.
 */
export class EmbeddingPermanentError extends EmbeddingError {
  readonly kind = 'permanent' as const;
}

/** True when `err` is one of the embedding errors. */
export function isEmbeddingError(err: unknown): err is EmbeddingError {
  return err instanceof EmbeddingError;
}

/** Key-shaped tokens (OpenAI `sk-…`, Voyage `pa-…`, bearer tokens) redacted even when not configured. */
const KEY_PATTERN = /\b(?:sk|pa|rk)-[A-Za-z0-9_-]{8,}|\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * Replaces every occurrence of the given secrets, and anything that looks like an API key, with
 * `[redacted]`. Applied to all text that came from a server before it goes into a message.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    // Very short "keys" (e.g. "x" for a local server) would redact ordinary words; they are not secret.
    if (s !== undefined && s.length >= 6) out = out.split(s).join('[redacted]');
  }
  return out.replace(KEY_PATTERN, '[redacted]');
}
