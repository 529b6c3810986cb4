/**
 * 4. Start-up to ready: the CLI as users start it (`node dist/cli.js --config …`, or through tsx with --runtime tsx,
 * no probe), timed from spawn until /-/healthy (listening) and /-/ready (first cycle finished)
 * answer 200, against a fresh simulator with the API limits out of the way.
 */
import { performance } from 'node:perf_hooks';
import { startSimulator } from '../../src/simulator/index.js';
import { waitFor200 } from '../harness/http.js';
import { track } from '../harness/processes.js';
import { startCliExporter } from './scrape.js';

export interface StartupResult {
  plans: number;
  /** Spawn → /-/healthy 200 (process up, server listening). */
  healthyS: number;
  /** Spawn → /-/ready 200 (first collection cycle done). */
  readyS: number;
  apiCalls: number;
}

export async function benchStartup(options: { plans: number; log: (line: string) => void }): Promise<StartupResult> {
  const { plans, log } = options;
  const sim = await startSimulator({ scenario: { plans, historyDays: 14 } });
  const closeSim = track(() => sim.close());
  try {
    const cli = await startCliExporter(sim.endpoint, plans, { probe: false });
    try {
      const gaveUp = () => (cli.child.alive ? undefined : `exited:\n${cli.child.tail()}`);
      const [healthyAt, readyAt] = await Promise.all([
        waitFor200(`${cli.url}/-/healthy`, { timeoutMs: 120_000, everyMs: 10, gaveUp }),
        waitFor200(`${cli.url}/-/ready`, { timeoutMs: 20 * 60_000, everyMs: 10, gaveUp }),
      ]);
      const result = { plans, healthyS: (healthyAt - cli.spawnedAt) / 1000, readyS: (readyAt - cli.spawnedAt) / 1000, apiCalls: sim.requests.count() };
      log(`startup ${plans}: healthy after ${result.healthyS.toFixed(2)} s, ready after ${result.readyS.toFixed(2)} s`);
      return result;
    } finally {
      await cli.child.stop();
    }
  } finally {
    await closeSim();
  }
}
