/**
 * Prometheus-style durations: `500ms`, `30s`, `5m`, `1h30m`, `72h`, `7d`, `2w`, `1y`.
 * Units must appear largest first and at most once, as in Prometheus (`1h30m`, not `30m1h`).
 */

const UNIT_MS = {
  y: 365 * 24 * 3_600_000,
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
} as const;

/** The same grammar Prometheus uses (model.ParseDuration), plus a bare `0`. */
export const DURATION_PATTERN = /^(?:0|(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?)$/;

/** Longest delay a Node.js timer honours (setTimeout fires at once above this): about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** Parses a duration to milliseconds; throws DurationError for bad syntax or a value past Number.MAX_SAFE_INTEGER. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (match === null || text === '') {
    throw new DurationError(`invalid duration "${text}": expected a number with a unit (ms, s, m, h, d, w, y), e.g. 30s, 5m, 1h30m`);
  }
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;
  let total = 0;
  units.forEach((unit, i) => {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * UNIT_MS[unit];
  });
  if (!Number.isSafeInteger(total)) {
    throw new DurationError(`duration "${text}" is too large`);
  }
  return total;
}

/** Formats milliseconds as a Prometheus-style string, days at most (`90000` -> `1m30s`, `400d`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
