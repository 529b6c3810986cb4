/** What the scheduler says about the next cycle (the landing page shows it). Real timers, short intervals. */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/collector/scheduler.js';

const silent = pino({ level: 'silent' });
const started: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop(1_000)));
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Scheduler.state', () => {
  it('interval: while a cycle runs, the earliest next start; once it ends, when the timer fires; nothing once stopped', async () => {
    const cycle = deferred();
    const scheduler = new Scheduler({ type: 'interval', intervalMs: 60_000 }, { runCycle: () => cycle.promise }, silent);
    started.push(scheduler);
    expect(scheduler.state()).toEqual({ running: false });
    const before = Date.now();
    scheduler.start();
    const during = scheduler.state();
    expect(during.running).toBe(true);
    expect(during.nextAtMs! - before).toBeGreaterThanOrEqual(60_000);
    expect(during.nextAtMs! - Date.now()).toBeLessThanOrEqual(60_000);
    cycle.resolve();
    await new Promise((r) => setTimeout(r, 20));
    expect(scheduler.state()).toEqual({ running: false, nextAtMs: during.nextAtMs });
    await scheduler.stop();
    expect(scheduler.state()).toEqual({ running: false });
  });

  it('a cycle running past its slot: the next starts when it ends, so no time is given', async () => {
    const cycle = deferred();
    const scheduler = new Scheduler({ type: 'interval', intervalMs: 10 }, { runCycle: () => cycle.promise }, silent);
    started.push(scheduler);
    scheduler.start();
    expect(scheduler.state().nextAtMs).toBeDefined();
    await new Promise((r) => setTimeout(r, 40));
    expect(scheduler.state()).toEqual({ running: true });
    cycle.resolve();
  });

  it('cron: the next matching slot', async () => {
    const scheduler = new Scheduler({ type: 'cron', expression: '*/5 * * * *' }, { runCycle: async () => undefined }, silent);
    started.push(scheduler);
    scheduler.start();
    const next = scheduler.state().nextAtMs!;
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(next % (5 * 60_000)).toBe(0);
  });
});
