/**
 * The exporter in one process against the simulator on a manual clock: real config parsing, the
 * real client over HTTP with real signatures; scrape() renders the exposition a Prometheus would read.
 */
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createExporter, type Exporter } from '../../src/exporter.js';
import { type ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseExposition } from './exposition.js';
import { simulatorConfig } from './simulator-config.js';

const silent = pino({ level: 'silent' });

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

export async function simulator(clock: ManualClock, plans?: number): Promise<Simulator> {
  const sim = await startSimulator({ clock, ...(plans !== undefined ? { scenario: { plans } } : {}) });
  running.push(sim);
  return sim;
}

/** An empty fleet, so each test builds exactly the plans it asserts on. */
export async function emptySimulator(clock: ManualClock): Promise<Simulator> {
  const sim = await simulator(clock);
  for (const plan of sim.fleet.listPlans()) sim.fleet.removePlan(plan.id);
  return sim;
}

export function exporterFor(targets: Array<{ name: string; sim: Simulator }>, clock: ManualClock, extra = '', logger = silent): Exporter {
  const settings = [
    'defaults:',
    '  retries: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }',
    '  rate_limit: { requests_per_second: 500 }',
    'collection:',
    '  interval: 60s',
    '  lookback: 24h',
    '  max_staleness: 30m',
    extra,
  ];
  const config = simulatorConfig(Object.fromEntries(targets.map(({ name, sim }) => [name, sim])), settings);
  return createExporter(config, { logger, build: { version: 'test' }, now: () => clock.now(), processMetrics: false });
}

export async function scrape(exporter: Exporter) {
  return parseExposition(await exporter.metrics.registry.metrics());
}

