/**
 * The exporter in one process against the simulator on a manual clock: real config parsing, the
 * real client over HTTP with real signatures; scrape() renders the exposition a Prometheus would read.
 */
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createExporter, type Exporter } from '../../src/exporter.js';
import { DEMO_CREDENTIAL, type ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseExposition } from './exposition.js';

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
  const env: Record<string, string> = { SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId, SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret };
  const yaml = [
    'defaults:',
    '  retries: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }',
    '  rate_limit: { requests_per_second: 500 }',
    'collection:',
    '  interval: 60s',
    '  lookback: 24h',
    '  max_staleness: 30m',
    extra,
    'targets:',
    ...targets.flatMap(({ name, sim }) => [
      `  - name: ${name}`,
      '    region: cn-hangzhou',
      `    endpoint: ${sim.endpoint}`,
      '    protocol: http',
      '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
    ]),
  ].join('\n');
  return createExporter(parseConfig(yaml, { env }), { logger, build: { version: 'test' }, now: () => clock.now(), processMetrics: false });
}

export async function scrape(exporter: Exporter) {
  return parseExposition(await exporter.metrics.registry.metrics());
}

