/**
 * Collection behaviour that users pay for in API calls and that must hold under load:
 * incremental fetching, the rate limit, one cycle at a time.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/collector/limits.js';
import { Scheduler } from '../../src/collector/scheduler.js';
import { createCredential, createDbsClient } from '../../src/dbs/index.js';
import { createExporter } from '../../src/exporter.js';
import { DEMO_CREDENTIAL, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
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

describe('limits', () => {
  it('never sends more than requests_per_second in any rolling second, burst included, even when requests leave late', async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const limiter = createLimiter({ requestsPerSecond: 20, burst: 5, maxConcurrency: 8 });
    const api = createDbsClient({
      endpoint: sim.endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credential: createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret }),
      // Between the grant and the socket, a stall of up to 300 ms (what a blocked event loop
      // does to the SDK's promise chain): grants made over a second must not leave together.
      limit: (inner) =>
        limiter.wrap({
          async call(action, params) {
            await new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
            return inner.call(action, params);
          },
        }),
    });
    const delays = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 300 : 0));
    // When each request is created, as Node announces it (the moment it leaves the exporter).
    const sent: number[] = [];
    const onRequest = () => sent.push(performance.now());
    subscribe('http.client.request.start', onRequest);
    const mostInOneSecond = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    try {
      await Promise.all(Array.from({ length: 45 }, () => api.call('DescribeBackupPlanList', {})));
    } finally {
      unsubscribe('http.client.request.start', onRequest);
    }
    const arrived = sim.requests.entries().map((e) => e.time).sort((a, b) => a - b);
    expect(arrived).toHaveLength(45);
    expect(sent).toHaveLength(45);
    // Leaving the exporter: at most the rate in any rolling second (the burst of 5 does not add to it).
    expect(mostInOneSecond(sent)).toBeLessThanOrEqual(20);
    // The 21st request waits for the first to be a second old; 45 take more than two seconds.
    expect(sent[20]! - sent[0]!).toBeGreaterThanOrEqual(999);
    expect(sent[44]! - sent[0]!).toBeGreaterThanOrEqual(2000);
    // At the server, loopback and event-loop jitter can move calls across a window's edge by a few ms: never by a burst.
    expect(mostInOneSecond(arrived)).toBeLessThan(25);
  });

  it('a call that fails before sending its request does not use up the second', async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const limiter = createLimiter({ requestsPerSecond: 3, burst: 3, maxConcurrency: 8 });
    let failFirst = 5;
    const api = limiter.wrap({
      call(action, params) {
        if (failFirst-- > 0) return Promise.reject(new Error('credential chain failed'));
        return createDbsClient({
          endpoint: sim.endpoint,
          protocol: 'http',
          regionId: 'cn-hangzhou',
          credential: createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret }),
          retry: { maxAttempts: 1, initialBackoffMs: 0, maxBackoffMs: 0 },
        }).call(action, params);
      },
    });
    const failed = await Promise.allSettled(Array.from({ length: 5 }, () => api.call('DescribeBackupPlanList', {})));
    expect(failed.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    const started = performance.now();
    await Promise.all(Array.from({ length: 3 }, () => api.call('DescribeBackupPlanList', {})));
    // The token bucket refills at 3/s: after 5 failures, 3 more tokens take about a second more; the send window adds nothing.
    expect(performance.now() - started).toBeLessThan(2500);
    expect(sim.requests.count()).toBe(3);
  });

  it('pauses an account after DBS throttles it, instead of hammering it', async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const limiter = createLimiter({ requestsPerSecond: 1000, burst: 100, maxConcurrency: 4, throttlePauseMs: 300 });
    const api = createDbsClient({
      endpoint: sim.endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credential: createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret }),
      retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 1 },
      limit: (inner) => limiter.wrap(inner),
    });
    sim.faults.set({ kind: 'throttle', times: 1 });
    const page = await api.call('DescribeBackupPlanList', {});
    expect(page.Items.length).toBeGreaterThan(0);
    const [throttled, retried] = sim.requests.entries().map((e) => e.time);
    expect(retried! - throttled!).toBeGreaterThanOrEqual(250);
    expect(limiter.throttlePauses).toBe(1);
  });
});

describe('scheduler', () => {
  it('runs one cycle at a time: a slow cycle delays the next instead of overlapping it', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const scheduler = new Scheduler(
      { type: 'interval', intervalMs: 20 },
      async () => {
        active += 1;
        runs += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 60));
        active -= 1;
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
      async () => {
        active += 1;
        runs += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 1500));
        active -= 1;
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
