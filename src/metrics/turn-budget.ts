/**
 * How long all responses together may spend handing bytes to sockets in one turn of the event
 * loop.
 *
 * Each /metrics response already writes in batches and yields between them, but a yield is per
 * response: 16 scrapers whose requests arrive in one poll phase each wrote their first batch in
 * that phase, and the 16 setImmediate callbacks that continue them all ran in the next check
 * phase. On loopback the kernel copies inside writev (~1-2.5 ms per MiB on this machine, more
 * when both cores are busy), so 16 × 1 MiB in one turn held the loop for 20-60 ms. A writer asks
 * before each batch; once the turn is older than the budget (measured from its first batch),
 * the others wait for a later turn. A batch is never split: a turn runs at most one batch past
 * the budget. Time rather than bytes: when the kernel is quick, as with a few scrapers, the
 * batches of several responses still share a turn (a byte budget of one batch per turn cut the
 * scrape rate at 4 gzip scrapers by about a fifth in a side-by-side run; this one did not).
 */
import { setImmediate as setImmediatePromise } from 'node:timers/promises';

export class TurnBudget {
  /** When this turn's first batch was let through; undefined until then. */
  private turnStartedAt: number | undefined;
  /** Turns that let anything through (counted when they end); for tests. */
  turns = 0;

  constructor(
    readonly msPerTurn: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Whether the caller may write a batch now: undefined if this turn is younger than the budget
   * (write at once, before anything else runs, so writers asking in the same turn see the clock
   * move), else a promise that resolves in the first later turn that is.
   */
  take(): Promise<void> | undefined {
    return this.grant() ? undefined : this.waitForTurn();
  }

  private async waitForTurn(): Promise<void> {
    do await setImmediatePromise();
    while (!this.grant());
  }

  private grant(): boolean {
    if (this.turnStartedAt !== undefined) return this.now() - this.turnStartedAt < this.msPerTurn;
    this.turnStartedAt = this.now();
    // Queued at the turn's first batch, so it runs before the writers that wait on the same
    // check phase: they find a new turn.
    setImmediate(() => {
      this.turnStartedAt = undefined;
      this.turns += 1;
    });
    return true;
  }
}
