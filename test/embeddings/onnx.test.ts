import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { EmbeddingPermanentError } from '../../src/embeddings/errors.js';
import { embeddingModelName, isSemanticModel } from '../../src/embeddings/model.js';
import { createEmbeddingProvider, type EmbeddingProvider } from '../../src/embeddings/provider.js';
import { expectedVector, VOCAB, writeTinyModel } from './onnx-fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'ci-onnx-'));
const providers: EmbeddingProvider[] = [];
after(async () => {
  await Promise.all(providers.map((p) => p.close?.()));
  rmSync(tmp, { recursive: true, force: true });
});

function provider(dir: string, maxBatch?: number): EmbeddingProvider {
  const p = createEmbeddingProvider({ provider: 'local', model: `onnx:${dir}`, maxBatch });
  providers.push(p);
  return p;
}

const ids = (...tokens: string[]) => ['[CLS]', ...tokens, '[SEP]'].map((t) => VOCAB[t]!);

function assertClose(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5, `component ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('ONNX model directory (CODEINDEX_EMBED_MODEL_DIR)', () => {
  const mean = writeTinyModel(join(tmp, 'mean'), { hidden: 12 });
  const cls = writeTinyModel(join(tmp, 'cls'), { hidden: 6, pooling: 'cls', seed: 7 });

  test('the config names the model by its directory; its vectors are semantic', () => {
    const cfg = loadConfig({}, { CODEINDEX_HOME: tmp, CODEINDEX_EMBED_MODEL_DIR: mean.dir });
    assert.equal(embeddingModelName(cfg.embeddings), `onnx:${mean.dir}`);
    assert.equal(isSemanticModel(`onnx:${mean.dir}`), true);
    assert.equal(isSemanticModel('use-lite-v1'), true);
    assert.equal(isSemanticModel('local-hash-v1-512'), false);
    assert.equal(embeddingModelName({ provider: 'local', model: 'local-hash' }), 'local-hash-v1-512');
  });

  test('tokenises with tokenizer.json (lowercase, word pieces), mean-pools over the tokens, normalises', async () => {
    const p = provider(mean.dir);
    assert.equal(p.dims, 12);
    const [slugify, unknown] = await p.embed(['Slugify', 'make a URL-friendly xyzzy'], 'document');
    assertClose(slugify!, expectedVector(mean, ids('slug', '##ify'), 'mean'));
    // '-' is not in the vocabulary and 'xyzzy' has no pieces: both are [UNK].
    assertClose(
      unknown!,
      expectedVector(mean, ids('make', 'a', 'url', '[UNK]', 'friendly', '[UNK]'), 'mean'),
    );
  });

  test('CLS pooling when 1_Pooling/config.json says so', async () => {
    const p = provider(cls.dir);
    assert.equal(p.dims, 6);
    const [v] = await p.embed(['send mail'], 'document');
    assertClose(v!, expectedVector(cls, ids('send', 'mail'), 'cls'));
  });

  test('batches of mixed lengths give each text the vector it gets alone, in input order', async () => {
    const texts = Array.from({ length: 23 }, (_, i) =>
      Array.from(
        { length: 1 + ((i * 7) % 11) },
        (_, j) => ['parse', 'config', 'file', 'retry', 'upload'][(i + j) % 5],
      ).join(' '),
    );
    const batched = await provider(mean.dir, 4).embed(texts, 'document');
    const single = provider(mean.dir, 1);
    assert.equal(batched.length, texts.length);
    for (let i = 0; i < texts.length; i++) {
      const [alone] = await single.embed([texts[i]!], 'document');
      assertClose(batched[i]!, alone!);
    }
  });

  test('inputs longer than the model allows are cut, keeping the end mark', async () => {
    // max_position_embeddings is 64 in the fixture's config.json; 150 words fit in 400 characters.
    const [v] = await provider(mean.dir).embed([Array(150).fill('a').join(' ')], 'document');
    const cut = [VOCAB['[CLS]']!, ...Array(62).fill(VOCAB.a!), VOCAB['[SEP]']!];
    assertClose(v!, expectedVector(mean, cut, 'mean'));
  });

  test('a directory without a model fails at once, saying what to put there', () => {
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: `onnx:${join(tmp, 'missing')}` }),
      (e: unknown) => e instanceof EmbeddingPermanentError && /CODEINDEX_EMBED_MODEL_DIR/.test(e.message),
    );
    const broken = writeTinyModel(join(tmp, 'broken'));
    unlinkSync(join(broken.dir, 'model.onnx'));
    assert.throws(
      () => createEmbeddingProvider({ provider: 'local', model: `onnx:${broken.dir}` }),
      (e: unknown) => e instanceof EmbeddingPermanentError && /no \.onnx file/.test(e.message),
    );
  });

  test('a graph that cannot load fails every batch as permanent', async () => {
    const bad = writeTinyModel(join(tmp, 'bad'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(bad.dir, 'model.onnx'), 'not a model');
    await assert.rejects(provider(bad.dir).embed(['x'], 'document'), EmbeddingPermanentError);
  });
});
