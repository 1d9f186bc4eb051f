import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fuseRankings } from '../../src/embeddings/rrf.js';

const ids = (...xs: string[]) => xs.map((id) => ({ id }));

describe('fuseRankings', () => {
  test('sums 1/(k + rank) over lists, best first', () => {
    const fused = fuseRankings([ids('a', 'b', 'c'), ids('c', 'a', 'd')]);
    assert.deepEqual(
      fused.map((h) => h.id),
      ['a', 'c', 'b', 'd'],
    );
    const score = (id: string) => fused.find((h) => h.id === id)?.score;
    assert.equal(score('a'), 1 / 61 + 1 / 62);
    assert.equal(score('c'), 1 / 63 + 1 / 61);
    assert.equal(score('b'), 1 / 62);
    assert.equal(score('d'), 1 / 63);
  });

  test('an id found by both retrievers beats one found by a single retriever', () => {
    const text = ids('x', 'shared');
    const vector = ids('y', 'shared');
    assert.equal(fuseRankings([text, vector])[0]?.id, 'shared');
  });

  test('k changes how much the top ranks weigh', () => {
    // k = 60: second place in two lists beats first place in one; k = 0: 1/2 + 1/2 ties 1/1, and
    // the tie goes to the better single rank.
    const lists = [ids('solo', 'both'), ids('other', 'both')];
    assert.equal(fuseRankings(lists, 60)[0]?.id, 'both');
    assert.equal(fuseRankings(lists, 0)[0]?.id, 'solo');
    assert.equal(fuseRankings([ids('solo', 'both'), ids('other', 'x', 'both')], 0)[0]?.id, 'solo');
  });

  test('duplicates within a list count once; ties are deterministic; numeric ids work', () => {
    const fused = fuseRankings([[{ id: 1 }, { id: 1 }, { id: 2 }]]);
    assert.deepEqual(fused, [
      { id: 1, score: 1 / 61 },
      { id: 2, score: 1 / 63 },
    ]);
    assert.deepEqual(
      fuseRankings([ids('p', 'q'), ids('q', 'p')]).map((h) => h.id),
      ['p', 'q'],
    );
    assert.deepEqual(fuseRankings([]), []);
    assert.deepEqual(fuseRankings([[], []]), []);
    assert.throws(() => fuseRankings([ids('a')], -1), RangeError);
  });
});
