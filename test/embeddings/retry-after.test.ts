import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDurationMs, parseRetryAfterMs } from '../../src/embeddings/retry-after.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const h = (init: Record<string, string>) => new Headers(init);

describe('parseRetryAfterMs', () => {
  test('Retry-After in seconds and as an HTTP-date', () => {
    assert.equal(parseRetryAfterMs(h({ 'retry-after': '2' }), NOW), 2000);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': '0.25' }), NOW), 250);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }), NOW), 7000);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }), NOW), 0);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': 'soon' }), NOW), null);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': '-3' }), NOW), null);
  });

  test('retry-after-ms wins; x-ratelimit-reset-* is the fallback', () => {
    assert.equal(parseRetryAfterMs(h({ 'retry-after-ms': '120.4', 'retry-after': '9' }), NOW), 121);
    assert.equal(parseRetryAfterMs(h({ 'x-ratelimit-reset-requests': '6m0s' }), NOW), 360_000);
    assert.equal(
      parseRetryAfterMs(h({ 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '1.5s' }), NOW),
      1500,
    );
    assert.equal(parseRetryAfterMs(h({}), NOW), null);
  });

  test('durations', () => {
    assert.equal(parseDurationMs('1h2m3.5s'), 3_723_500);
    assert.equal(parseDurationMs('20ms'), 20);
    assert.equal(parseDurationMs('3'), 3000);
    assert.equal(parseDurationMs('3 s'), null);
    assert.equal(parseDurationMs('abc'), null);
    assert.equal(parseDurationMs(''), null);
  });
});
