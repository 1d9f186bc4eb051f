import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Vectors of embedded texts kept between benchmark runs, keyed by the model and the exact text the
 * model read: a change to what a chunk is embedded as (its document text) misses the cache instead
 * of reusing a stale vector. One file per model: a JSON header line (keys, dims), then the vectors
 * as little-endian float32 in key order.
 */
export class VectorCache {
  private readonly vectors = new Map<string, Float32Array>();
  private dims = 0;
  private dirty = false;

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    const buf = readFileSync(file);
    const nl = buf.indexOf(10);
    const head = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { dims: number; keys: string[] };
    this.dims = head.dims;
    const body = buf.subarray(nl + 1);
    const floats = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    head.keys.forEach((k, i) => {
      this.vectors.set(k, floats.slice(i * head.dims, (i + 1) * head.dims));
    });
  }

  static key(model: string, text: string): string {
    return createHash('sha256').update(model).update('\0').update(text).digest('hex').slice(0, 32);
  }

  get size(): number {
    return this.vectors.size;
  }

  get(key: string): Float32Array | undefined {
    return this.vectors.get(key);
  }

  set(key: string, v: Float32Array): void {
    if (this.dims !== 0 && v.length !== this.dims) return;
    this.dims = v.length;
    this.vectors.set(key, v);
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty) return;
    const keys = [...this.vectors.keys()];
    const floats = new Float32Array(keys.length * this.dims);
    keys.forEach((k, i) => {
      floats.set(this.vectors.get(k)!, i * this.dims);
    });
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(
      tmp,
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ dims: this.dims, keys })}\n`),
        Buffer.from(floats.buffer),
      ]),
    );
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
