/**
 * The account's limits, against the real simulator: what leaves the exporter per rolling second,
 * calls that fail before sending, and the pause after DBS throttles.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, OpenApiTransport, createCredential, createDbsClient, withRetries, type TransportOptions } from '../../src/dbs/index.js';
import { createLimiter } from '../../src/dbs/rate-limit.js';
import { DEMO_CREDENTIAL, startSimulator, type Simulator } from '../../src/simulator/index.js';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

function transport(sim: Simulator): TransportOptions {
  return {
    endpoint: sim.endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credential: createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret }),
  };
}

describe('limits', () => {
  it('never sends more than requests_per_second in any rolling second, burst included, even when requests leave late', async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const limiter = createLimiter({ requestsPerSecond: 20, burst: 5, maxConcurrency: 8 });
    const inner = new OpenApiTransport(transport(sim));
    // Between the grant and the socket, a stall of up to 300 ms (what a blocked event loop
    // does to the SDK's promise chain): grants made over a second must not leave together.
    const api = withRetries(
      limiter.wrap({
        async call(action, params) {
          await new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
          return inner.call(action, params);
        },
      }),
      DEFAULT_RETRY_POLICY,
    );
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
          ...transport(sim),
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
    const api = withRetries(limiter.wrap(new OpenApiTransport(transport(sim))), { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 1 });
    sim.faults.set({ kind: 'throttle', times: 1 });
    const page = await api.call('DescribeBackupPlanList', {});
    expect(page.Items.length).toBeGreaterThan(0);
    const [throttled, retried] = sim.requests.entries().map((e) => e.time);
    expect(retried! - throttled!).toBeGreaterThanOrEqual(250);
    expect(limiter.throttlePauses).toBe(1);
  });

  it('doubles the pause once per round of throttling, not once per request in flight', async () => {
    const sim = await startSimulator();
    sims.push(sim);
    const limiter = createLimiter({ requestsPerSecond: 1000, burst: 100, maxConcurrency: 8, throttlePauseMs: 200 });
    const api = limiter.wrap(new OpenApiTransport(transport(sim)));
    sim.faults.set({ kind: 'throttle', times: 8 });
    // Eight requests at once, all throttled: one round, one pause of 200 ms (not 200 × 2^7).
    await Promise.allSettled(Array.from({ length: 8 }, () => api.call('DescribeBackupPlanList', {})));
    const started = performance.now();
    await api.call('DescribeBackupPlanList', {});
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(100);
    expect(waited).toBeLessThan(1_000);
  });
});
