/**
 * Lag values are written as bytes, not strings, at scrape time: the bytes must be exactly
 * what formatValue(elapsedSeconds()) prints, for every kind of input.
 */
import { describe, expect, it } from 'vitest';
import { writeElapsed } from '../../src/metrics/elapsed.js';
import { formatValue } from '../../src/metrics/text.js';
import { elapsedSeconds } from '../../src/metrics/families.js';

const written = (nowMs: number, sinceMs: number) => {
  const out = Buffer.alloc(64, 0x7e);
  const end = writeElapsed(out, 5, nowMs, sinceMs);
  expect(out[4]).toBe(0x7e); // nothing written before pos
  return out.toString('latin1', 5, end);
};
const expected = (nowMs: number, sinceMs: number) => formatValue(elapsedSeconds(nowMs, sinceMs));

describe('writeElapsed', () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);

  it('prints what formatValue prints at the edges: zero, future, whole seconds, trailing zeros, huge and fractional milliseconds', () => {
    const diffs = [0, -1, -86_400_000, 1, 5, 9, 10, 50, 99, 100, 120, 500, 999, 1000, 1001, 1010, 1100, 59_999, 60_000, 86_400_000 + 7, 2 ** 43 - 1, 2 ** 43, 2 ** 53, 0.5, 1000.25, -0.5];
    for (const d of diffs) expect(written(now, now - d), `diff ${d} ms`).toBe(expected(now, now - d));
    expect(written(now, Number.NaN)).toBe('NaN');
    expect(written(now, -Infinity)).toBe('+Inf');
    expect(written(1_000, 0)).toBe('1');
    expect(written(1_050, 0)).toBe('1.05');
    expect(written(1_005, 0)).toBe('1.005');
  });

  it('prints what formatValue prints for 200,000 random lags up to ten years', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200_000; i++) {
      const since = now - Math.floor(random() * 10 * 365 * 86_400_000 * (i % 3 === 0 ? 1e-6 : 1));
      const got = written(now, since);
      if (got !== expected(now, since)) expect(got, `since ${since}`).toBe(expected(now, since));
    }
  });
});
