/**
 * Collection behaviour that users pay for in API calls and that must hold under load:
 * incremental fetching and one cycle at a time (the rate limit: test/dbs/rate-limit.test.ts).
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/collector/scheduler.js';
import { createExporter } from '../../src/exporter.js';
import { ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { simulatorConfig } from '../support/simulator-config.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
const silent = pino({ level: 'silent' });
const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

function config(sim: Simulator, lookback = '72h') {
  return simulatorConfig({ prod: sim }, [`collection: { interval: 60s, lookback: ${lookback}, overlap: 10m }`, 'defaults: { rate_limit: { requests_per_second: 1000 } }']);
}

describe('incremental fetching', () => {
  it('after the first lookback, a steady cycle costs one call per plan and backup type plus discovery', async () => {
    const clock = new ManualClock(T0);
    const sim = await startSimulator({ clock, scenario: { plans: 40, historyDays: 14 } });
    sims.push(sim);
    const exporter = createExporter(config(sim), { logger: silent, build: { version: 't' }, now: () => clock.now(), processMetrics: false });
    await exporter.runCycle();
    const first = sim.requests.counts();
    sim.requests.clear();
    clock.advance(MIN);
    await exporter.runCycle();
    const steady = sim.requests.counts();
    expect(steady.DescribeBackupPlanList).toBe(1);
    expect(steady.DescribeFullBackupList).toBe(40);
    expect(steady.DescribeIncrementBackupList).toBe(40);
    // The lookback cycle paged through history; the steady one asked only from the watermark.
    expect((first.DescribeIncrementBackupList ?? 0)).toBeGreaterThan(40);
    const asked = sim.requests.entries((e) => e.action === 'DescribeIncrementBackupList').map((e) => Number(e.params.StartTimestamp));
    // Most plans ask only from their watermark minus the 10m overlap; a plan with a job stuck
    // since long ago asks from that job's start, so it is re-read until it ends.
    asked.sort((a, b) => a - b);
    expect(asked[Math.floor(asked.length / 2)]!).toBeGreaterThanOrEqual(T0 - 60 * MIN);
  });
});

describe('scheduler', () => {
  it('runs one cycle at a time: a slow cycle delays the next instead of overlapping it', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const scheduler = new Scheduler(
      { type: 'interval', intervalMs: 20 },
      {
        runCycle: async () => {
          active += 1;
          runs += 1;
          maxActive = Math.max(maxActive, active);
          await new Promise((r) => setTimeout(r, 60));
          active -= 1;
        },
      },
      silent,
    );
    scheduler.start();
    await new Promise((r) => setTimeout(r, 400));
    await scheduler.stop();
    expect(maxActive).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    const after = runs;
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(after);
  });

  it('cron schedules skip a slot while the previous cycle still runs', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const scheduler = new Scheduler(
      { type: 'cron', expression: '* * * * * *' },
      {
        runCycle: async () => {
          active += 1;
          runs += 1;
          maxActive = Math.max(maxActive, active);
          await new Promise((r) => setTimeout(r, 1500));
          active -= 1;
        },
      },
      silent,
    );
    scheduler.start();
    await new Promise((r) => setTimeout(r, 3200));
    await scheduler.stop();
    expect(maxActive).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(3);
  });
});
