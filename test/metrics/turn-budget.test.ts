import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../../src/metrics/turn-budget.js';

/**
 * Writers that each ask the budget, "write" a batch that costs `batchMs` on a fake clock, and
 * yield, as writeBody does. Returns the batches let through in each turn of the event loop.
 */
async function runWriters(writers: number, batchesEach: number, batchMs: number, budgetMs: number): Promise<number[]> {
  let clock = 0;
  const budget = new TurnBudget(budgetMs, () => clock);
  const batchesByTurn: number[] = [];
  const writer = async () => {
    for (let i = 0; i < batchesEach; i++) {
      const turn = budget.take();
      if (turn) await turn;
      batchesByTurn[budget.turns] = (batchesByTurn[budget.turns] ?? 0) + 1;
      clock += batchMs;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return batchesByTurn;
}

describe('TurnBudget', () => {
  it('lets 16 concurrent writers of slow batches run at most one batch past the budget per turn of the event loop, and all of them finish', async () => {
    // 3 ms a batch, 10 ms a turn: batches start at 0, 3, 6 and 9 ms, the fifth waits.
    const perTurn = await runWriters(16, 3, 3, 10);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(48);
    expect(Math.max(...perTurn)).toBe(4);
    expect(perTurn.length).toBe(12);
  });

  it('lets quick batches of many writers share one turn', async () => {
    const perTurn = await runWriters(16, 2, 0.1, 10);
    expect(perTurn[0]).toBe(16);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(32);
  });

  it('grants at once, without a promise, while the turn is younger than the budget', async () => {
    let clock = 0;
    const budget = new TurnBudget(10, () => clock);
    expect(budget.take()).toBeUndefined();
    clock = 9.9;
    expect(budget.take()).toBeUndefined();
    clock = 10;
    const wait = budget.take();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(budget.turns).toBe(1);
  });
});
