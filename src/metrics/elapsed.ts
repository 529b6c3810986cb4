/** Lag values written as bytes at scrape time, exactly as formatValue(elapsedSeconds()) prints them. */
import { elapsedSeconds } from './families.js';
import { formatValue } from './text.js';

/** Largest elapsed milliseconds written digit by digit (~278 years); beyond, formatValue. */
const FAST_ELAPSED_MAX_MS = 2 ** 43;

function writeDigits(out: Buffer, pos: number, n: number): number {
  let len = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) len++;
  for (let i = pos + len - 1; i >= pos; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return pos + len;
}

/** Most bytes writeElapsed writes. */
export const ELAPSED_MAX_BYTES = 32;

/**
 * Writes formatValue(elapsedSeconds(nowMs, sinceMs)) as latin1 bytes at `pos` and returns the
 * position after it, making no string: whole milliseconds are seconds with at most three
 * decimals, which is what String() prints for them below 2^43 ms. Anything else goes through
 * formatValue.
 */
export function writeElapsed(out: Buffer, pos: number, nowMs: number, sinceMs: number): number {
  const ms = nowMs - sinceMs;
  if (!Number.isInteger(ms) || ms >= FAST_ELAPSED_MAX_MS) return pos + out.write(formatValue(elapsedSeconds(nowMs, sinceMs)), pos, 'latin1');
  if (ms <= 0) {
    out[pos] = 0x30;
    return pos + 1;
  }
  const whole = Math.floor(ms / 1000);
  const frac = ms - whole * 1000;
  pos = writeDigits(out, pos, whole);
  if (frac !== 0) {
    const d2 = Math.floor(frac / 10) % 10;
    const d3 = frac % 10;
    out[pos++] = 0x2e;
    out[pos++] = 0x30 + Math.floor(frac / 100);
    if (d2 !== 0 || d3 !== 0) out[pos++] = 0x30 + d2;
    if (d3 !== 0) out[pos++] = 0x30 + d3;
  }
  return pos;
}
