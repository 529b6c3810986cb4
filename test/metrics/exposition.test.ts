/**
 * The snapshot renderer that /metrics serves must say exactly what prom-client would say
 * for the same families, stay lint-clean, keep lag correct to the second, and decode the
 * same with and without gzip.
 */
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExporter, type Exporter } from '../../src/exporter.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { POINT_IN_TIME_FAMILIES, parseExposition, valueOf } from '../support/exposition.js';
import { promtool } from '../support/promtool.js';
import { simulatorConfig } from '../support/simulator-config.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
let sim: Simulator;
let exporter: Exporter;
const clock = new ManualClock(T0);

beforeAll(async () => {
  sim = await startSimulator({ clock, scenario: { plans: 30 } });
  const config = simulatorConfig({ prod: sim }, ['collection: { interval: 60s, lookback: 72h }', 'defaults: { rate_limit: { requests_per_second: 1000 } }']);
  exporter = createExporter(config, { logger: pino({ level: 'silent' }), build: { version: 't' }, now: () => clock.now(), processMetrics: false });
  await exporter.runCycle();
});
afterAll(async () => {
  await sim.close();
});

const lines = (text: string) => text.split('\n').filter((l) => l !== '').sort();

describe('snapshot exposition', () => {
  it('renders exactly the samples, HELP and TYPE lines that prom-client renders for the same families', async () => {
    const fast = await exporter.metrics.render('text');
    const reference = await exporter.metrics.registry.metrics();
    expect(parseExposition(fast).length).toBeGreaterThan(1500);
    expect(lines(fast)).toEqual(lines(reference));
  });

  it('with plans past the max staleness, still renders what prom-client renders: listed families stay, point-in-time ones go', async () => {
    const staleClock = new ManualClock(T0);
    const staleSim = await startSimulator({ clock: staleClock, scenario: { plans: 6, seed: 3 } });
    try {
      const config = simulatorConfig({ prod: staleSim }, ['collection: { interval: 60s, lookback: 24h, max_staleness: 5m }', 'defaults: { retries: { max_attempts: 1 } }']);
      const staleExporter = createExporter(config, { logger: pino({ level: 'silent' }), build: { version: 't' }, now: () => staleClock.now(), processMetrics: false });
      await staleExporter.runCycle();
      const plansOf = (text: string, name: string) => [...new Set(parseExposition(text).filter((x) => x.name === name).map((x) => x.labels.backup_plan_id))].sort();
      const healthy = await staleExporter.metrics.render('text');
      staleSim.faults.set({ kind: 'forbidden', action: 'DescribeIncrementBackupList' });
      staleClock.advance(10 * 60_000);
      await staleExporter.runCycle();
      const fast = await staleExporter.metrics.render('text');
      expect(lines(fast)).toEqual(lines(await staleExporter.metrics.registry.metrics()));
      const planCount = staleSim.fleet.size;
      expect(plansOf(healthy, 'dbs_backup_plan_info')).toHaveLength(planCount);
      for (const name of ['dbs_backup_plan_info', 'dbs_backup_plan_status', 'dbs_backup_lag_seconds', 'dbs_backup_last_success_timestamp_seconds', 'dbs_backup_history_start_timestamp_seconds']) {
        expect(plansOf(fast, name), name).toEqual(plansOf(healthy, name));
      }
      expect(plansOf(healthy, 'dbs_backup_jobs')).toHaveLength(planCount);
      expect(plansOf(healthy, 'dbs_backup_running_since_timestamp_seconds').length).toBeGreaterThan(0);
      for (const name of POINT_IN_TIME_FAMILIES) {
        expect(plansOf(fast, name), name).toEqual([]);
      }
      expect(plansOf(fast, 'dbs_exporter_plan_poll_success')).toHaveLength(planCount);
    } finally {
      await staleSim.close();
    }
  });

  it('passes promtool check metrics', async () => {
    const lint = promtool(['check', 'metrics'], await exporter.metrics.render('text'));
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('keeps lag correct to the second at scrape time, without re-polling', async () => {
    const plan = sim.fleet.listPlans()[0]!.id;
    const series = { backup_plan_id: plan, backup_type: 'full' };
    const scrape = async () => parseExposition(await exporter.metrics.render());
    const endS = valueOf(await scrape(), 'dbs_backup_last_success_timestamp_seconds', series);
    // Lag as of the start of the second of the scrape.
    const expected = () => Math.floor(clock.now() / 1000) - endS;
    const before = valueOf(await scrape(), 'dbs_backup_lag_seconds', series);
    expect(before).toBeCloseTo(expected(), 6);
    clock.advance(90_500);
    const after = valueOf(await scrape(), 'dbs_backup_lag_seconds', series);
    expect(after).toBeCloseTo(expected(), 6);
    expect(after - before).toBeCloseTo(90, 6);
    clock.advance(500);
    expect(valueOf(await scrape(), 'dbs_backup_lag_seconds', series) - after).toBeCloseTo(1, 6);
    // Within the same second a scrape reuses the same rendering.
    const lagChunk = async () => (await exporter.metrics.exposition.body('text', false)).find((c) => c.includes('# TYPE dbs_backup_lag_seconds gauge'));
    const lagA = await lagChunk();
    clock.advance(10);
    const lagB = await lagChunk();
    expect(lagA).toBeDefined();
    expect(lagB).toBe(lagA);
  });

  // Asserts the values only: a render made ahead (or, had the timer not fired, on demand) must
  // hold the lag as of the start of the new second. The latency gain is measured in bench/.
  it('scraped every second, the next second serves the values of its start', async () => {
    const plan = sim.fleet.listPlans()[1]!.id;
    const series = { backup_plan_id: plan, backup_type: 'incremental' };
    const zipped = async () => parseExposition(gunzipSync(Buffer.concat(await exporter.metrics.exposition.body('text', true))).toString());
    const endS = valueOf(await zipped(), 'dbs_backup_last_success_timestamp_seconds', series);
    clock.advance(1000 - (clock.now() % 1000) + 300); // 300 ms into a second
    await zipped();
    await zipped(); // two scrapes in one second: the next second is rendered before it starts
    await new Promise((resolve) => setTimeout(resolve, 1100));
    clock.advance(1000);
    const lag = valueOf(await zipped(), 'dbs_backup_lag_seconds', series);
    expect(lag).toBeCloseTo(Math.floor(clock.now() / 1000) - endS, 6);
  });

  describe("the exporter's own metrics (the live registry)", () => {
    /** An Exposition of its own over the same snapshots, whose live registry counts its renderings. */
    function counting(options: { liveReuseMs?: number } = {}) {
      const live = new Registry();
      const counter = { renders: 0 };
      new Gauge({
        name: 'test_live_renders',
        help: 'How often the live registry was collected.',
        registers: [live],
        collect() {
          counter.renders += 1;
          this.set(counter.renders);
        },
      });
      const exposition = new Exposition({ snapshot: () => exporter.snapshot(), now: () => clock.now() }, live, options);
      const scrape = async (gzip = false) => {
        const body = Buffer.concat(await exposition.body('text', gzip));
        return valueOf(parseExposition((gzip ? gunzipSync(body) : body).toString()), 'test_live_renders', {});
      };
      return { exposition, counter, scrape };
    }
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it('scrapes within a second share one rendering; later, or after a new cycle, it is rendered again', async () => {
      const { exposition, counter, scrape } = counting({ liveReuseMs: 1000 });
      try {
        // Scrapes seconds apart on the exporter clock, so nothing is rendered ahead (that is the next test).
        expect(await scrape()).toBe(1);
        clock.advance(5000);
        await sleep(300);
        expect(await scrape()).toBe(1);
        clock.advance(5000);
        expect(await scrape()).toBe(1);
        expect(counter.renders).toBe(1);
        clock.advance(5000);
        await sleep(800); // 1.1 s after the first rendering
        expect(await scrape()).toBe(2);
        clock.advance(60_000);
        await exporter.runCycle();
        expect(await scrape()).toBe(3);
      } finally {
        exposition.close();
      }
    });

    it('scraped every second, it is rendered ahead with the next second, so the next scrape does not wait for it', async () => {
      const { exposition, counter, scrape } = counting();
      try {
        clock.advance(1000 - (clock.now() % 1000) + 300); // 300 ms into a second
        expect(await scrape(true)).toBe(1);
        expect(await scrape(true)).toBe(1); // a second scrape in the same second: the next one is rendered ahead
        await sleep(1100); // the ahead rendering is due 200 ms before the next second starts: at most 500 ms from now
        expect(counter.renders).toBe(2);
        clock.advance(1000);
        expect(await scrape(true)).toBe(2); // the one made ahead, not a third
        expect(counter.renders).toBe(2);
      } finally {
        exposition.close();
      }
    });

    it('a scraper late in each second finds the rendering made ahead for its second, whenever it was made', async () => {
      // liveReuseMs 0: only the per-second sharing is left. The manual clock moves a second per scrape while
      // little real time passes, as if each scrape came at 900 ms into its second.
      const { exposition, counter, scrape } = counting({ liveReuseMs: 0 });
      try {
        clock.advance(1000 - (clock.now() % 1000) + 900);
        expect(await scrape()).toBe(1);
        clock.advance(1000);
        expect(await scrape()).toBe(2); // a new second, nothing made ahead yet: rendered now, and the next second ahead
        await sleep(30);
        expect(counter.renders).toBe(3);
        for (const expected of [3, 4, 5]) {
          clock.advance(1000);
          expect(await scrape()).toBe(expected); // the one made ahead for this second
          await sleep(30);
          expect(counter.renders).toBe(expected + 1); // and the next one, ahead
        }
      } finally {
        exposition.close();
      }
    });

    it('scrapes in the last 200 ms of a second render the next second ahead once, however many they are', async () => {
      const { exposition, counter, scrape } = counting();
      try {
        clock.advance(1000 - (clock.now() % 1000) + 900); // 900 ms into a second: an ahead rendering is due at once
        expect(await scrape()).toBe(1);
        for (let i = 0; i < 5; i++) {
          await scrape();
          await sleep(30); // each scrape schedules the next second's rendering; its timer fires meanwhile
        }
        expect(counter.renders).toBe(2);
      } finally {
        exposition.close();
      }
    });
  });

  it('a body being written keeps its bytes while later seconds are rendered; once released, its buffers serve a later second', async () => {
    const exposition = exporter.metrics.exposition;
    const lagChunks = (chunks: Buffer[]) => chunks.filter((c) => c.includes('dbs_backup_lag_seconds{'));
    clock.advance(1000 - (clock.now() % 1000));
    const held = await exposition.lease('text', false);
    const bytes = Buffer.concat(held.chunks);
    const heldBuffers = new Set(lagChunks(held.chunks).map((c) => c.buffer));
    expect(heldBuffers.size).toBeGreaterThan(0);
    // Six more seconds, each scraped and released: the held second leaves the cache.
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      (await exposition.lease('text', false)).release();
    }
    expect(Buffer.concat(held.chunks).equals(bytes)).toBe(true);
    held.release();
    const reused = new Set<ArrayBufferLike>();
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      const lease = await exposition.lease('text', false);
      for (const c of lagChunks(lease.chunks)) if (heldBuffers.has(c.buffer)) reused.add(c.buffer);
      lease.release();
    }
    expect(reused.size).toBeGreaterThan(0);
  });

  it('gzip is a stream of members that decodes to the same text', async () => {
    const plain = Buffer.concat(await exporter.metrics.exposition.body('text', false)).toString();
    const zipped = Buffer.concat(await exporter.metrics.exposition.body('text', true));
    expect(zipped.length).toBeLessThan(plain.length / 4);
    expect(gunzipSync(zipped).toString()).toBe(plain);
  });

  it('a plain scrape after gzip-only scrapes of a new cycle gets the same text (rendered again once the text was let go)', async () => {
    clock.advance(60_000);
    await exporter.runCycle();
    const zipped = Buffer.concat(await exporter.metrics.exposition.body('openmetrics', true));
    const zippedAgain = Buffer.concat(await exporter.metrics.exposition.body('openmetrics', true));
    const plain = Buffer.concat(await exporter.metrics.exposition.body('openmetrics', false)).toString();
    expect(plain).toContain('dbs_backup_jobs_failed_total{');
    expect(gunzipSync(zipped).toString()).toBe(plain);
    expect(gunzipSync(zippedAgain).toString()).toBe(plain);
  });

  it('OpenMetrics: counter families named without _total, one # EOF at the very end', async () => {
    const om = await exporter.metrics.render('openmetrics');
    expect(om).toContain('# TYPE dbs_backup_jobs_failed counter\n');
    expect(om).toMatch(/\ndbs_backup_jobs_failed_total\{/);
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om.match(/# EOF/g)).toHaveLength(1);
  });
});
