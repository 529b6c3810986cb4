import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration } from '../../src/config/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['72h', 259_200_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0', 0],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '1.5h', '30m1h', '-5s', '5 m', '5M', '1h 30m', 'ms'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration .*expected a number with a unit/);
  });

  it('rejects a value too large for exact milliseconds instead of returning Infinity', () => {
    expect(() => parseDuration(`1${'0'.repeat(30)}s`)).toThrow(DurationError);
    expect(() => parseDuration(`${'9'.repeat(400)}y`)).toThrow('is too large');
    expect(parseDuration('285000y')).toBe(285_000 * 365 * 86_400_000); // still a safe integer
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [90_000, '1m30s'],
    [34_560_000_000, '400d'],
    [2 ** 31 - 1, '24d20h31m23s647ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
