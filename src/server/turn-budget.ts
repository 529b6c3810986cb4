/**
 * How many bytes all responses together hand to sockets in one turn of the event loop.
 *
 * Each /metrics response already writes in batches and yields between them, but a yield is per
 * response: 16 scrapers whose requests arrive in one poll phase each wrote their first batch in
 * that phase, and the 16 setImmediate callbacks that continue them all ran in the next check
 * phase. On loopback the kernel copies inside writev (~1-2.5 ms per MiB on this machine), so
 * 16 × 1 MiB in one turn held the loop for tens of milliseconds. A writer takes its batch's
 * bytes from the budget before writing it; once a turn has spent the budget, the others wait
 * for a later turn. A batch is never split: a turn hands over at most one batch past the budget.
 */
import { setImmediate as setImmediatePromise } from 'node:timers/promises';

export class TurnBudget {
  private spent = 0;
  private resetQueued = false;
  /** Turns that spent anything (counted when their budget is reset); for tests. */
  turns = 0;

  constructor(readonly bytesPerTurn: number) {}

  /**
   * Resolves, having counted `bytes` against the turn, when the caller may write them: at once
   * if this turn has budget left, else in the first later turn that has. The check and the
   * count happen together, so writers that ask in the same turn cannot all pass the check.
   */
  async take(bytes: number): Promise<void> {
    while (this.spent >= this.bytesPerTurn) await setImmediatePromise();
    this.spend(bytes);
  }

  /**
   * Count bytes handed to a socket (negative: fewer than taken). The budget is reset by a
   * setImmediate queued at the first spend of a turn: it runs before the writers that wait on
   * the same check phase.
   */
  spend(bytes: number): void {
    this.spent += bytes;
    if (this.resetQueued) return;
    this.resetQueued = true;
    setImmediate(() => {
      this.spent = 0;
      this.resetQueued = false;
      this.turns += 1;
    });
  }
}
