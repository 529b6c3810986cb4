/** Standalone simulator: what `dbs-exporter simulate` runs. */
import { DEMO_CREDENTIAL } from './auth.js';
import { OffsetClock } from './clock.js';
import { startSimulator, type Simulator } from './server.js';

export interface SimulatorMainOptions {
  port: number;
  host?: string;
  seed?: number;
  plans?: number;
  /** Where to write the startup lines; default stdout. */
  log?: (line: string) => void;
}

/**
 * Starts a simulator with the demo credential, a wall clock the admin API can move
 * forward, and the /_sim/ admin API on. Prints where it listens and the AccessKeyId
 * (never the secret).
 */
export async function runSimulatorMain(options: SimulatorMainOptions): Promise<Simulator> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const simulator = await startSimulator({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    clock: new OffsetClock(),
    scenario: { seed: options.seed, plans: options.plans },
    adminApi: true,
  });
  log(`DBS simulator listening on ${simulator.url} (endpoint ${simulator.endpoint}, API version 2019-03-06)`);
  log(`  ${simulator.fleet.size} backup plans in ${simulator.fleet.region}; access key id ${DEMO_CREDENTIAL.accessKeyId}`);
  log(`  admin API: ${simulator.url}/_sim/ (advance, faults, plans, plans/:id/restore-tasks, plans/:id/subscription, plans/:id/full-failure, gateways, requests)`);
  return simulator;
}
