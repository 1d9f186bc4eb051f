import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';

/** The longest stdin line (one message) read; longer ones are dropped unparsed. */
export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;

/** JSON-RPC 2.0 error codes for input that never became a request. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

/** How much of a dropped line's start and end is kept to find its `id`. */
const EDGE_BYTES = 512;

// A top-level `id` is found without parsing only where no nested one can be mistaken for it:
// as the first member (after an optional "jsonrpc"), or as the last one, right before the
// closing brace (where the SDK's clients put it).
const ID_VALUE = String.raw`(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")`;
const ID_AT_START = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*[,}]`,
);
const ID_AT_END = new RegExp(String.raw`[,{]\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);

export interface StdioTransportOptions {
  log: Logger;
  input?: Readable;
  output?: Writable;
  maxLineBytes?: number;
}

/**
 * MCP over stdio, one JSON-RPC message per line, like the SDK's `StdioServerTransport`, but bad
 * input never ends the session: a line that is too long, not UTF-8, not JSON or not JSON-RPC is
 * answered with a JSON-RPC error when its request id can be read, else dropped with one log line,
 * and the next line is read as usual. (The SDK's transport closes itself when its 10 MiB buffer
 * overflows, which ended the server without a word.) An oversized line is skipped as it streams
 * in: memory stays bounded by `maxLineBytes`.
 */
export class StdioLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly input: Readable;
  private readonly output: Writable;
  private readonly maxLineBytes: number;
  private readonly log: Logger;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private parts: Buffer[] = [];
  private size = 0;
  /** Set while skipping the rest of an oversized line: its first and last bytes. */
  private dropping: { head: Buffer; tail: Buffer } | null = null;
  private started = false;
  private closed = false;

  constructor(opts: StdioTransportOptions) {
    this.log = opts.log;
    this.input = opts.input ?? process.stdin;
    this.output = opts.output ?? process.stdout;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StdioLineTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.parts = [];
    this.size = 0;
    this.dropping = null;
    this.onclose?.();
  }

  /** Resolves at the output's next 'drain', one listener for every send waiting on it. */
  private drained: Promise<void> | null = null;

  send(message: JSONRPCMessage): Promise<void> {
    if (this.output.write(`${JSON.stringify(message)}\n`)) return Promise.resolve();
    // Hundreds of answers can wait on one drain (as many tool calls at once): a listener each
    // made node warn of a listener leak.
    this.drained ??= new Promise((resolve) => {
      this.output.once('drain', () => {
        this.drained = null;
        resolve();
      });
    });
    return this.drained;
  }

  private readonly onInputError = (err: Error): void => {
    this.onerror?.(err);
  };

  private readonly onData = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < buf.length && !this.closed) {
      const nl = buf.indexOf(10, start);
      this.take(buf.subarray(start, nl === -1 ? buf.length : nl));
      if (nl === -1) break;
      this.endLine();
      start = nl + 1;
    }
  };

  /** Adds part of the current line; past the limit, keeps only its edges. */
  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    this.size += piece.length;
    if (this.dropping) {
      this.dropping.tail = lastBytes(Buffer.concat([this.dropping.tail, lastBytes(piece)]));
      return;
    }
    if (this.size > this.maxLineBytes) {
      const head = Buffer.concat([...this.parts, piece.subarray(0, EDGE_BYTES)]).subarray(0, EDGE_BYTES);
      this.dropping = { head, tail: lastBytes(Buffer.concat([...this.parts.slice(-1), piece])) };
      this.parts = [];
      return;
    }
    this.parts.push(piece);
  }

  private endLine(): void {
    const size = this.size;
    const dropping = this.dropping;
    const line = dropping ? null : Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    this.dropping = null;
    if (dropping) {
      const id = idFromEdges(dropping.head.toString('latin1'), dropping.tail.toString('latin1'));
      this.reject(
        INVALID_REQUEST,
        `message of ${mib(size)} exceeds the ${mib(this.maxLineBytes)} limit: send smaller requests (narrow the query, lower limit)`,
        id,
      );
      return;
    }
    if (line === null) return;
    this.handleLine(line[line.length - 1] === 13 ? line.subarray(0, -1) : line);
  }

  private handleLine(line: Buffer): void {
    if (line.length === 0 || line.every((b) => b === 32 || b === 9)) return;
    let text: string;
    try {
      text = this.decoder.decode(line);
    } catch {
      const lossy = line.toString('latin1');
      this.reject(
        PARSE_ERROR,
        'message is not valid UTF-8: send UTF-8 encoded JSON',
        idFromEdges(lossy, lossy),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.reject(
        PARSE_ERROR,
        `message is not valid JSON (${(err as Error).message}): send one JSON-RPC message per line`,
        idFromEdges(text, text),
      );
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
    const id = obj !== null && 'id' in obj && isRequestId(obj.id) ? obj.id : undefined;
    // A request whose envelope is right and whose params are not: -32602 saying which (the SDK
    // answered a tools/call with array arguments -32603 and a dump of its schema check).
    const wrong = obj !== null && id !== undefined ? wrongParams(obj) : null;
    if (wrong !== null) {
      this.reject(INVALID_PARAMS, wrong, id);
      return;
    }
    if (parsed.success) {
      this.onmessage?.(parsed.data);
      return;
    }
    // A malformed response has nobody to answer: only request-like messages get an error back.
    const looksLikeResponse = obj !== null && ('result' in obj || 'error' in obj) && !('method' in obj);
    this.reject(
      INVALID_REQUEST,
      'message is not a JSON-RPC 2.0 request or notification: send {"jsonrpc":"2.0","id":…,"method":…}',
      looksLikeResponse ? undefined : id,
    );
  }

  /** Answers with a JSON-RPC error when the request id is known; always logs one line. */
  private reject(code: number, message: string, id: RequestId | undefined): void {
    if (id === undefined) {
      this.log.warn(`dropped a message on stdin: ${message}`);
      return;
    }
    this.log.warn(`rejected a message on stdin (id ${JSON.stringify(id)}): ${message}`);
    void this.send({ jsonrpc: '2.0', id, error: { code, message } } as JSONRPCMessage).catch(() => {});
  }
}

/**
 * What is wrong with the params of a request whose envelope is right (`jsonrpc` "2.0", a string
 * `method`), for the mistakes a client makes: params that are not an object, a progress token
 * that is neither a string nor an integer, tool arguments that are not an object. Null otherwise.
 */
function wrongParams(obj: object): string | null {
  const m = obj as { jsonrpc?: unknown; method?: unknown; params?: unknown };
  if (m.jsonrpc !== '2.0' || typeof m.method !== 'string' || m.params === undefined) return null;
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(m.params)) return `params of ${m.method} must be a JSON object`;
  const meta = m.params._meta;
  if (meta !== undefined) {
    if (!isObject(meta)) return `params._meta of ${m.method} must be a JSON object`;
    if (meta.progressToken !== undefined && !isRequestId(meta.progressToken))
      return `params._meta.progressToken of ${m.method} must be a string or an integer`;
  }
  if (m.method === 'tools/call') {
    if (typeof m.params.name !== 'string')
      return 'tools/call needs params.name, the name of a tool (see tools/list)';
    if (m.params.arguments !== undefined && !isObject(m.params.arguments))
      return `tools/call ${m.params.name}: params.arguments must be a JSON object of the tool's parameters`;
  }
  return null;
}

function isRequestId(v: unknown): v is RequestId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
}

/** A top-level request id read from the edges of an unparsable message, if one is visible there. */
function idFromEdges(head: string, tail: string): RequestId | undefined {
  const m = ID_AT_START.exec(head) ?? ID_AT_END.exec(tail);
  const raw = m?.[1];
  if (raw === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(raw);
    return isRequestId(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function lastBytes(b: Buffer): Buffer {
  return b.length > EDGE_BYTES ? b.subarray(b.length - EDGE_BYTES) : b;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
