import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** What the handler wants sent back; `hang` never answers, `destroy` drops the socket. */
export type FakeReply =
  | { status?: number; headers?: Record<string, string>; json?: unknown; text?: string }
  | 'hang'
  | 'destroy';

export interface FakeServer {
  /** e.g. `http://127.0.0.1:12345/v1` */
  baseUrl: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 and a random port. Parses each JSON body (non-JSON bodies fail
 * the request with 400) and lets `handle` answer.
 */
export async function startFakeServer(handle: (req: ReceivedRequest) => FakeReply): Promise<FakeServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'body is not JSON' } }));
        return;
      }
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(received);
      const reply = handle(received);
      if (reply === 'hang') return;
      if (reply === 'destroy') {
        req.socket.destroy();
        return;
      }
      const text = reply.text ?? JSON.stringify(reply.json ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A deterministic fake embedding of `text`: `dims` values derived from its characters. */
export function fakeVector(text: string, dims: number): number[] {
  const v: number[] = [];
  for (let i = 0; i < dims; i++)
    v.push(((text.charCodeAt(i % Math.max(1, text.length)) || 1) * (i + 1)) % 97);
  return v;
}

/** Whether `actual` (normalised by the provider) points the same way as the raw `expected`. */
export function sameDirection(actual: Float32Array, expected: number[]): boolean {
  const norm = Math.hypot(...expected);
  return expected.every((x, i) => Math.abs((actual[i] ?? Number.NaN) - x / norm) < 1e-5);
}
