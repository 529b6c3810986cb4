import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../../src/server/turn-budget.js';

const MiB = 1024 * 1024;

/** Writers that each take the budget, "write" a batch, and yield, as writeBody does. */
async function runWriters(budget: TurnBudget, writers: number, batchesEach: number, batchBytes: number): Promise<Map<number, number>> {
  const bytesByTurn = new Map<number, number>();
  const writer = async () => {
    for (let i = 0; i < batchesEach; i++) {
      await budget.take(batchBytes);
      bytesByTurn.set(budget.turns, (bytesByTurn.get(budget.turns) ?? 0) + batchBytes);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return bytesByTurn;
}

describe('TurnBudget', () => {
  it('lets 16 concurrent writers hand over at most one batch past the budget per turn of the event loop, and all of them finish', async () => {
    const budget = new TurnBudget(MiB);
    const bytesByTurn = await runWriters(budget, 16, 3, MiB);
    const total = [...bytesByTurn.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(16 * 3 * MiB);
    // One batch of 1 MiB fills the budget: every turn writes exactly one batch.
    expect(Math.max(...bytesByTurn.values())).toBe(MiB);
    expect(bytesByTurn.size).toBe(48);
  });

  it('lets small batches share a turn up to the budget', async () => {
    const budget = new TurnBudget(MiB);
    const bytesByTurn = await runWriters(budget, 8, 2, 256 * 1024);
    const max = Math.max(...bytesByTurn.values());
    expect(max).toBeGreaterThan(256 * 1024);
    expect(max).toBeLessThanOrEqual(MiB);
    expect([...bytesByTurn.values()].reduce((a, b) => a + b, 0)).toBe(16 * 256 * 1024);
  });

  it('does not wait when the turn has budget left', async () => {
    const budget = new TurnBudget(MiB);
    let immediates = 0;
    setImmediate(() => (immediates += 1));
    await budget.take(1000);
    await budget.take(MiB - 1001);
    expect(immediates).toBe(0);
    await budget.take(1);
    expect(immediates).toBe(0);
    await budget.take(1);
    expect(immediates).toBe(1);
  });
});
