/**
 * Clocks for the simulated fleet. The fleet reads `now()` on every request, so a test
 * that advances a ManualClock sees new jobs on its next poll. Request authentication
 * (signature dates, nonces, STS expiry) always uses the real wall clock instead.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** A clock a test or the admin API can move. */
export interface AdjustableClock extends Clock {
  /** Move the clock forward (or back, with a negative value) by `ms`. */
  advance(ms: number): void;
  /** Jump to an absolute epoch-millisecond time. */
  set(ms: number): void;
}

export function isAdjustableClock(clock: Clock): clock is AdjustableClock {
  const candidate = clock as Partial<AdjustableClock>;
  return typeof candidate.advance === 'function' && typeof candidate.set === 'function';
}

/** The real wall clock. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to. */
export class ManualClock implements AdjustableClock {
  private current: number;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

/**
 * Wall-clock time plus an adjustable offset: time keeps flowing, and `advance` jumps
 * ahead. Used by the standalone simulator so an end-to-end test can skip hours.
 */
export class OffsetClock implements AdjustableClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  set(ms: number): void {
    this.offsetMs = ms - Date.now();
  }
}
