/**
 * 1. Scrape path. The real CLI (child, event-loop probe preloaded) after its first cycle, side by
 * side with two servers answering the same series from other children: fixed bytes from memory
 * (the practical limit) and prom-client's register.metrics() per request (the straightforward
 * exporter). autocannon runs here, in the harness process, so the load generator never shares
 * the event loop it measures; in-memory and exporter cells are interleaved so drift hits both
 * alike, and register.metrics() runs last.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { startSimulator } from '../../src/simulator/index.js';
import { FAST_LIMITS, SIMULATOR_ENV, exporterConfigYaml } from '../harness/config.js';
import { httpGet, waitFor200 } from '../harness/http.js';
import type { EventLoopDelay, ServerResponses } from '../harness/ipc.js';
import { type LoadResult, runLoad } from '../harness/load.js';
import { Child, TMP_DIR, freePort, track } from '../harness/processes.js';

export const SCRAPE_SERVERS = ['in-memory', 'exporter', 'register.metrics()'] as const;
export type ScrapeServer = (typeof SCRAPE_SERVERS)[number];

export interface ScrapeRun extends LoadResult {
  server: ScrapeServer;
  /** Event-loop delay inside the server's process while the load ran. */
  eventLoop: EventLoopDelay;
  /** Response times measured inside the server (request read → last byte to the kernel); absent in older results. */
  serverSide?: ServerResponses;
  /** Which repeat of the cell (0-based; absent in results from before --repeats). */
  repeat?: number;
}

export interface ScrapeResult {
  plans: number;
  series: number;
  dbsSeries: number;
  exposition: { plainBytes: number; gzipBytes: number; exporterGzipResponseBytes: number; exporterGzipEncoding: string };
  /** Body bytes each server answered with (plain), to show the comparison served the same bytes. */
  servedBytes: Record<ScrapeServer, number>;
  runs: ScrapeRun[];
}

export interface ScrapeOptions {
  plans: number;
  durationS: number;
  /** Hard stop of one load cell (see runLoad). */
  capS: number;
  connections: number[];
  /**
   * Runs of each in-memory and exporter cell, interleaved (in-memory, exporter, in-memory, …) so
   * drift in the machine's speed hits both alike; the report takes the median p99 per cell.
   * register.metrics() runs once per cell, after all the others (it is 20-900× slower; one run
   * says that, and its leftovers disturbed the cells that followed it).
   */
  repeats?: number;
  log: (line: string) => void;
}

/** The longest stall and the most on-CPU time in one stall, for the log. */
export function describeStall(eventLoop: EventLoopDelay): string {
  const s = eventLoop.longestStall;
  if (eventLoop.maxOnCpuMs === undefined) return '';
  if (!s) return 'no stall over 10 ms';
  return `longest stall ${s.wallMs.toFixed(0)} ms (on CPU ${s.onCpuMs.toFixed(0)}, waiting ${s.waitingMs.toFixed(0)}, GC ${s.gcMs.toFixed(0)}), on-CPU max ${(eventLoop.maxOnCpuMs ?? 0).toFixed(0)} ms`;
}

function countSeries(exposition: string): { series: number; dbsSeries: number } {
  let series = 0;
  let dbsSeries = 0;
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    series += 1;
    if (line.startsWith('dbs_')) dbsSeries += 1;
  }
  return { series, dbsSeries };
}

/** The CLI as users run it, with a collection interval long enough that no cycle runs during the load. */
export async function startCliExporter(endpoint: string, plans: number, options: { probe: boolean }): Promise<{ child: Child; url: string; spawnedAt: number }> {
  const configFile = join(TMP_DIR, `exporter-${plans}-${Date.now()}.yaml`);
  await writeFile(configFile, exporterConfigYaml({ endpoint, interval: '1h', limits: FAST_LIMITS }));
  const port = await freePort();
  const spawnedAt = performance.now();
  const child = new Child('exporter (cli)', 'src/cli.ts', ['--config', configFile, '--web.listen-address', `127.0.0.1:${port}`], {
    env: SIMULATOR_ENV,
    probe: options.probe,
  });
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt };
}

export async function benchScrape(options: ScrapeOptions): Promise<ScrapeResult> {
  const { plans, log } = options;
  const sim = await startSimulator({ scenario: { plans, historyDays: 14 } });
  const closeSim = track(() => sim.close());
  try {
    log(`scrape ${plans}: starting the exporter (cli) and waiting for its first cycle`);
    const cli = await startCliExporter(sim.endpoint, plans, { probe: true });
    await waitFor200(`${cli.url}/-/ready`, { timeoutMs: 20 * 60_000, everyMs: 100, gaveUp: () => (cli.child.alive ? undefined : `exited:\n${cli.child.tail()}`) });

    const plain = await httpGet(`${cli.url}/metrics`);
    if (plain.status !== 200) throw new Error(`exporter /metrics answered ${plain.status}`);
    const exposition = plain.body.toString('utf8');
    const gzipped = await httpGet(`${cli.url}/metrics`, { 'accept-encoding': 'gzip' });
    const bytesFile = join(TMP_DIR, `exposition-${plans}.prom`);
    await writeFile(bytesFile, plain.body);

    log(`scrape ${plans}: starting the comparison servers`);
    const memoryChild = new Child('in-memory server', 'bench/server-child.ts', [], { waitForReady: true });
    // The straightforward exporter runs with V8's default heap limit: 16 concurrent renders of every
    // series at 5,000 plans hold well over a GB, and the image's 256 MiB cap would stop the process.
    const registryChild = new Child('register.metrics() server', 'bench/server-child.ts', [], { waitForReady: true, env: SIMULATOR_ENV, imageHeapCap: false });
    const { port: memoryPort } = await memoryChild.request<{ port: number }>('serve.bytes', { file: bytesFile });
    await registryChild.request('exporter.init', { yaml: exporterConfigYaml({ endpoint: sim.endpoint, interval: '1h', limits: FAST_LIMITS }) });
    await registryChild.request('exporter.cycle', {}, 20 * 60_000);
    const { port: registryPort } = await registryChild.request<{ port: number }>('serve.registry');

    const targets: Record<ScrapeServer, { url: string; child: Child }> = {
      'in-memory': { url: `http://127.0.0.1:${memoryPort}/metrics`, child: memoryChild },
      exporter: { url: `${cli.url}/metrics`, child: cli.child },
      'register.metrics()': { url: `http://127.0.0.1:${registryPort}/metrics`, child: registryChild },
    };
    const servedBytes = {} as Record<ScrapeServer, number>;
    for (const server of SCRAPE_SERVERS) servedBytes[server] = (await httpGet(targets[server].url)).body.length;

    const runs: ScrapeRun[] = [];
    const measure = async (server: ScrapeServer, gzip: boolean, connections: number, repeat: number) => {
      const { url, child } = targets[server];
      await child.request('probe.reset');
      const load = await runLoad({ url, connections, durationS: options.durationS, gzip, minResponses: connections, capS: options.capS });
      const eventLoop = await child.request<EventLoopDelay>('probe.eld', {}, 180_000);
      const serverSide = await child.request<ServerResponses>('probe.responses', {}, 180_000);
      // Abandoned requests (in flight at the stop) may still be rendering: let them finish
      // before the next cell, so no server is measured while another one is busy.
      await child.settle();
      runs.push({ server, ...load, eventLoop, serverSide, repeat });
      log(
        `scrape ${plans}: ${server.padEnd(18)} gzip=${gzip ? 'y' : 'n'} c=${String(connections).padStart(2)} #${repeat + 1}  ` +
          `p50 ${load.p50Ms.toFixed(2)} ms  p99 ${load.p99Ms.toFixed(2)} ms  ${load.requestsPerSecond.toFixed(1)} req/s  n=${load.responses}  loop max ${eventLoop.maxMs.toFixed(1)} ms  ` +
          `server-side p99 ${serverSide.p99Ms.toFixed(2)} ms  ${describeStall(eventLoop)}`,
      );
    };
    const warmUp = async (server: ScrapeServer, gzip: boolean) => {
      await runLoad({ url: targets[server].url, connections: 1, durationS: 1, gzip, minResponses: 2, capS: options.capS });
      await targets[server].child.settle();
    };
    // register.metrics() cells run after all the others: in between, the in-memory and exporter
    // cells that followed one were the slowest of their repeats (loop max 49-151 ms against
    // 12-83 ms), with that child (~1.8 GB after 16 abandoned renders) just past settle().
    const fast = SCRAPE_SERVERS.filter((server) => server !== 'register.metrics()');
    for (const gzip of [false, true]) {
      for (const server of fast) await warmUp(server, gzip);
      for (const connections of options.connections) {
        for (let repeat = 0; repeat < (options.repeats ?? 1); repeat++) for (const server of fast) await measure(server, gzip, connections, repeat);
      }
    }
    for (const gzip of [false, true]) {
      await warmUp('register.metrics()', gzip);
      for (const connections of options.connections) await measure('register.metrics()', gzip, connections, 0);
    }

    await Promise.all([memoryChild.stop(), registryChild.stop(), cli.child.stop()]);
    return {
      plans,
      ...countSeries(exposition),
      exposition: {
        plainBytes: plain.body.length,
        gzipBytes: gzipSync(plain.body).length,
        exporterGzipResponseBytes: gzipped.body.length,
        exporterGzipEncoding: String(gzipped.headers['content-encoding'] ?? 'identity'),
      },
      servedBytes,
      runs,
    };
  } finally {
    await closeSim();
  }
}
