/**
 * Load while collecting: 16 concurrent scrapers (gzip, as Prometheus asks) hammer /metrics
 * for 60 s while the exporter runs collection cycles back to back (interval 1 s) against the
 * simulator. Reports failed scrapes, latency percentiles, the cycles completed meanwhile and
 * the worst event-loop delay inside the exporter process.
 *
 *   npm run bench:load                     # 1,000 plans, 16 connections, 60 s
 *   npm run bench:load -- --plans 100 --connections 16 --duration 60
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../src/simulator/index.js';
import { exporterConfigYaml, FAST_LIMITS, SIMULATOR_ENV } from './harness/config.js';
import { httpGet, waitFor200 } from './harness/http.js';
import type { EventLoopDelay } from './harness/ipc.js';
import { runLoad } from './harness/load.js';
import { describeMachine } from './harness/machine.js';
import { Child, closeAll, freePort, RESULTS_DIR, TMP_DIR, track, useRuntime } from './harness/processes.js';
import { stallCell } from './harness/report.js';

const { values } = parseArgs({
  options: {
    plans: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '60' },
    runtime: { type: 'string', default: 'compiled' },
  },
});
const plans = Number(values.plans);
const connections = Number(values.connections);
const durationS = Number(values.duration);

async function cyclesDone(url: string): Promise<number> {
  const res = await httpGet(`${url}/metrics`);
  const text = res.body.toString('utf8');
  return [...text.matchAll(/^dbs_exporter_cycles_total\{outcome="(?:ok|partial)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function main(): Promise<void> {
  await mkdir(TMP_DIR, { recursive: true });
  if (values.runtime !== 'compiled' && values.runtime !== 'tsx') throw new Error(`--runtime: expected compiled or tsx, got ${values.runtime}`);
  const runtime = await useRuntime(values.runtime);
  process.stderr.write(`load: runtime ${runtime}\n`);
  const sim = await startSimulator({ scenario: { plans, historyDays: 14 }, requestLogSize: 1000 });
  track(() => sim.close());
  const configFile = join(TMP_DIR, `load-${plans}.yaml`);
  await writeFile(configFile, exporterConfigYaml({ endpoint: sim.endpoint, interval: '1s', limits: FAST_LIMITS }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = new Child('exporter (cli)', 'src/cli.ts', ['--config', configFile, '--web.listen-address', `127.0.0.1:${port}`, '--log.format', 'json', '--log.level', 'warn'], {
    env: SIMULATOR_ENV,
    probe: true,
  });
  process.stderr.write(`load: ${plans} plans, waiting for the first cycle\n`);
  await waitFor200(`${url}/-/ready`, { timeoutMs: 15 * 60_000 });
  const cyclesBefore = await cyclesDone(url);
  await child.request('probe.reset');
  process.stderr.write(`load: ${connections} scrapers for ${durationS} s while cycles run back to back\n`);
  const load = await runLoad({ url: `${url}/metrics`, connections, durationS, gzip: true });
  const eventLoop = await child.request<EventLoopDelay>('probe.eld', {}, 180_000);
  const cyclesAfter = await cyclesDone(url);
  const machine = describeMachine();
  const failed = load.non2xx + load.errors + load.timeouts;
  const lines = [
    `# dbs-exporter load while collecting`,
    '',
    `${new Date().toISOString()} · ${machine.cpuModel}, ${machine.cores} cores · Node ${process.version} · ${plans} plans · ${connections} scrapers (gzip) for ${durationS} s · collection interval 1 s · ${runtime}`,
    '',
    '| scrapes answered | failed scrapes | p50 ms | p99 ms | max ms | scrapes/s | cycles completed meanwhile | event-loop delay p99 / max ms | on-CPU max ms (longest stall: on CPU / waiting / GC) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${load.responses} | ${failed} (non-2xx ${load.non2xx}, errors ${load.errors}, timeouts ${load.timeouts}) | ${load.p50Ms.toFixed(1)} | ${load.p99Ms.toFixed(1)} | ${load.maxMs.toFixed(1)} | ${load.requestsPerSecond.toFixed(1)} | ${cyclesAfter - cyclesBefore} | ${eventLoop.p99Ms.toFixed(1)} / ${eventLoop.maxMs.toFixed(1)} | ${stallCell(eventLoop)} |`,
    '',
  ];
  const md = lines.join('\n');
  await writeFile(join(RESULTS_DIR, 'load.md'), md);
  process.stdout.write(md);
  process.exitCode = failed === 0 ? 0 : 1;
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`load: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await closeAll();
    await rm(TMP_DIR, { recursive: true, force: true });
  });
