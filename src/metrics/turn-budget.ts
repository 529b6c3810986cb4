/**
 * How long all responses together may spend handing bytes to sockets in one turn of the event
 * loop: each response yields between its batches, but concurrent scrapers would still stack
 * their batches in one turn. Why: docs/design/exposition.md#writing-the-body
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
