/** `--demo`: the embedded simulator, a configuration that points at it, and the guide to its fleet. */
import type { Logger } from 'pino';
import { type ResolvedConfig, parseConfig } from '../config/index.js';
import { parseListenAddress } from '../exporter.js';
import { DEFAULT_THRESHOLDS } from '../rules/rules.js';
import { DEMO_CREDENTIAL, type Simulator, startSimulator } from '../simulator/index.js';
import { buildScenario, buildScenarioGateways } from '../simulator/scenario.js';
import { type DemoGuide, demoBanner, demoGuide } from './guide.js';
import { DEMO_PLANS } from './defaults.js';

export { DEMO_PLANS } from './defaults.js';

/** Loopback only: the demo is for the person at this machine, and its admin API can rewrite the fleet. */
const DEMO_HOST = '127.0.0.1';

export interface RunningDemo {
  simulator: Simulator;
  config: ResolvedConfig;
  guide: DemoGuide;
  /** The guide as the startup banner on stderr, with where to look. */
  banner(where: { landingPage: string; metricsCommand: string }): string;
}

/**
 * The exporter's configuration for the demo, polling the simulator at `endpoint`. Its expectations
 * show both sides of the opt-ins: the duplication plans run without log backup on purpose, the
 * plans named for restore drills are expected to drill weekly (with a day's grace) within an hour,
 * prepaid plans page at 90% of their free backup traffic, and the ERP plan must have encrypted storage.
 */
export function demoConfig(simulator: { endpoint: string; region: string }): ResolvedConfig {
  const parsed = parseConfig(
    [
      'collection: { interval: 15s, lookback: 72h }',
      'targets:',
      '  - name: demo',
      `    region: ${simulator.region}`,
      `    endpoint: ${simulator.endpoint}`,
      '    protocol: http',
      '    credentials: { type: access_key, access_key_id_env: DEMO_ACCESS_KEY_ID, access_key_secret_env: DEMO_ACCESS_KEY_SECRET }',
      '    rate_limit: { requests_per_second: 50 }',
      'expectations:',
      '  - plans: { name_regex: "duplication" }',
      '    log_backup_off: intended',
      '  - plans: { name_regex: "drill" }',
      '    restore_drill_max_age: 8d',
      '    restore_drill_rto: 1h',
      '  - plans: { name_regex: "prepaid" }',
      '    backup_traffic_alert_ratio: 0.9',
      '  - plans: { name_regex: "erp" }',
      '    storage_encryption: required',
    ].join('\n'),
    { env: { DEMO_ACCESS_KEY_ID: DEMO_CREDENTIAL.accessKeyId, DEMO_ACCESS_KEY_SECRET: DEMO_CREDENTIAL.accessKeySecret } },
  );
  // The default port, on loopback (--web.listen-address still wins).
  return { ...parsed, web: { ...parsed.web, listen_address: `${DEMO_HOST}:${parseListenAddress(parsed.web.listen_address).port}` } };
}

export async function startDemo(options: { port: number; plans?: number }, logger: Logger): Promise<RunningDemo> {
  const plans = options.plans ?? DEMO_PLANS;
  // One instant for the simulator's fleet and the guide's description of it.
  const startTime = Date.now();
  const scenario = { plans, startTime };
  const simulator = await startSimulator({ host: DEMO_HOST, port: options.port, scenario, adminApi: true });
  logger.info({ endpoint: simulator.endpoint, access_key_id: DEMO_CREDENTIAL.accessKeyId, plans }, 'embedded DBS simulator started');
  const config = demoConfig({ endpoint: simulator.endpoint, region: simulator.fleet.region });
  const guide = demoGuide({ plans: buildScenario(scenario, startTime), gateways: buildScenarioGateways(scenario, startTime).all, now: startTime, config }, DEFAULT_THRESHOLDS);
  return { simulator, config, guide, banner: (where) => demoBanner(guide, where) };
}
