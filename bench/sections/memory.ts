/**
 * 3. Memory, two ways.
 *
 * a. In service: the CLI as users start it (`node dist/cli.js --config …`: plain node, no
 *    NODE_OPTIONS, no probe, nothing added) and as the container image starts it (the Dockerfile's
 *    ENV: its NODE_OPTIONS and glibc malloc settings), one after the other, each polling the
 *    simulator on the real clock (10 s interval: at 5,000 plans the cycles run back to back) and
 *    scraped gzip every 5 s as Prometheus would. RSS is read from /proc every 500 ms, the heap
 *    spaces from the exporter's own nodejs_heap_* series on each scrape; CPU from /proc. The figure
 *    that matters for a memory limit is the highest RSS after the first cycle (garbage V8 has not
 *    collected yet included).
 *
 * b. Retention over many cycles: an exporter in a child process (started with --expose-gc, so each
 *    sample follows a full GC and shows retained memory), started as users start it (no
 *    NODE_OPTIONS, src/runtime.ts imported first as cli.ts does), polls the simulator on a manual
 *    clock: simulator and exporter clocks move 60 s together before each cycle, with no latency
 *    fault. Samples every 10 cycles; after every cycle the exposition is read gzipped, as
 *    Prometheus asks for it, so the rendered exposition is part of what is measured (a plain-text
 *    scraper would make the exporter also keep the plain text: the exposition size in section 1).
 *    The slope is a least-squares fit over the steady samples (cycle 10 onwards), so the first
 *    cycle's lookback does not count as growth. The run stops early, at a sample, when the next ten
 *    cycles would overrun the time budget.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock, startSimulator } from '../../src/simulator/index.js';
import { FAST_LIMITS, SIMULATOR_ENV, exporterConfigYaml } from '../harness/config.js';
import { httpGet, waitFor200 } from '../harness/http.js';
import type { CycleResult, MemorySample } from '../harness/ipc.js';
import { gunzipSync } from 'node:zlib';
import { Child, type StartedAs, TMP_DIR, describeImageEnvironment, freePort, track } from '../harness/processes.js';
import { median, percentile, slope } from '../harness/stats.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const STEP_MS = 60_000;
const SAMPLE_EVERY = 10;

/** One in-service run (a). */
export interface ServiceRun {
  start: StartedAs;
  /** The command line and the environment it added, as the report shows them. */
  startedWith: string;
  /** Steady cycles (after the first) that finished while measured. */
  cyclesRun: number;
  cut?: string;
  readyS: number;
  steadyCycleMedianS: number;
  rssAtReadyBytes: number;
  /** RSS every 500 ms from the end of the first cycle. */
  rssSteadyMinBytes: number;
  rssSteadyP50Bytes: number;
  rssSteadyMaxBytes: number;
  /** VmHWM: the most RSS over the whole run, the first (lookback) cycle included. */
  peakRssBytes: number;
  /** Largest heap spaces seen on the scrapes (nodejs_heap_space_size_total_bytes, nodejs_heap_size_total_bytes). */
  newSpaceMaxBytes: number;
  oldSpaceMaxBytes: number;
  heapTotalMaxBytes: number;
  cpuSecondsPerCycle: number;
  scrapes: number;
  failedScrapes: number;
}

export interface MemoryResult {
  plans: number;
  /** (a), as users start it and as the image does; absent in results from before it existed. */
  inService?: ServiceRun[];
  /** How the retention exporter (b) was started; absent: with the image's environment. */
  retentionStart?: StartedAs;
  cyclesRequested: number;
  cyclesRun: number;
  /** Why fewer cycles ran than requested, if they did. */
  cut?: string;
  firstCycleWallS: number;
  steadyCycleWallS: number;
  afterFirst: MemorySample;
  samples: Array<{ cycle: number } & MemorySample>;
  rssSlopeBytesPerCycle: number;
  heapUsedSlopeBytesPerCycle: number;
  planFailures: number;
  wallS: number;
}

export interface MemoryOptions {
  plans: number;
  /** Retention cycles (b). */
  cycles: number;
  /** Wall-time budget of (b). */
  budgetS: number;
  /** Steady cycles of each in-service run (a). */
  serviceCycles: number;
  log: (line: string) => void;
}

export async function benchMemory(options: MemoryOptions): Promise<MemoryResult> {
  const { plans, log } = options;
  const inService: ServiceRun[] = [];
  const sim = await startSimulator({ scenario: { plans, historyDays: 14 } });
  const closeSim = track(() => sim.close());
  try {
    // The image's environment exists only for compiled JavaScript (--runtime compiled, the default).
    const starts: StartedAs[] = describeImageEnvironment() === '' ? ['user'] : ['user', 'image'];
    for (const start of starts) inService.push(await serviceRun({ plans, endpoint: sim.endpoint, start, cycles: options.serviceCycles, log }));
  } finally {
    await closeSim();
  }
  return { ...(await retention(options)), inService, retentionStart: 'user' };
}

const SERVICE_INTERVAL = '10s';
const SCRAPE_EVERY_MS = 5_000;
const RSS_EVERY_MS = 500;
/** An in-service run stops here even if its cycles have not all finished. */
const SERVICE_CAP_MS = 20 * 60_000;

/** VmRSS and VmHWM of a process, from /proc (Linux). */
function procMemory(pid: number): { rssBytes: number; peakBytes: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rssBytes: kib('VmRSS'), peakBytes: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** User plus system CPU seconds of a process, from /proc (clock ticks of 1/100 s, Linux's USER_HZ). */
function procCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A gauge of the exporter's own process metrics (prom-client) in an exposition. */
function processGauge(text: string, series: string): number {
  const escaped = series.replace(/[{}"]/g, (c) => `\\${c}`);
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** (a) One exporter started as `start` says, measured from outside while it polls and is scraped. */
async function serviceRun(options: { plans: number; endpoint: string; start: StartedAs; cycles: number; log: (line: string) => void }): Promise<ServiceRun> {
  const { plans, start, log } = options;
  const configFile = join(TMP_DIR, `memory-${plans}-${start}.yaml`);
  await writeFile(configFile, exporterConfigYaml({ endpoint: options.endpoint, interval: SERVICE_INTERVAL, limits: FAST_LIMITS }));
  const port = await freePort();
  const args = ['--config', configFile, '--web.listen-address', `127.0.0.1:${port}`];
  const startedWith =
    start === 'user' ? 'node dist/cli.js --config … (no NODE_OPTIONS)' : `node dist/cli.js --config … with the image's ${describeImageEnvironment()}`;
  const spawnedAt = performance.now();
  const child = new Child(`exporter (memory, ${start})`, 'src/cli.ts', args, { env: SIMULATOR_ENV, probe: false, start });
  const cycles: Array<{ cycle: number; durationS: number }> = [];
  let pending = '';
  child.process.stderr!.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('msg="collection cycle finished')) continue;
      cycles.push({ cycle: Number(/\bcycle=(\d+)/.exec(line)?.[1]), durationS: Number(/\bduration_seconds=([\d.]+)/.exec(line)?.[1]) });
    }
  });
  try {
    const pid = child.process.pid!;
    await waitFor200(`http://127.0.0.1:${port}/-/ready`, { timeoutMs: 30 * 60_000, everyMs: 100, gaveUp: () => (child.alive ? undefined : `exited:\n${child.tail()}`) });
    const readyS = (performance.now() - spawnedAt) / 1000;
    const rssAtReadyBytes = procMemory(pid)?.rssBytes ?? Number.NaN;
    const cpuAtReady = procCpuSeconds(pid);
    log(`memory ${plans} (${start}): ready after ${readyS.toFixed(1)} s, rss ${mib(rssAtReadyBytes)}`);
    const rss: number[] = [];
    const sampler = setInterval(() => {
      const m = procMemory(pid);
      if (m) rss.push(m.rssBytes);
    }, RSS_EVERY_MS);
    const heap = { newSpace: 0, oldSpace: 0, total: 0 };
    let scrapes = 0;
    let failedScrapes = 0;
    const steady = () => cycles.filter((c) => c.cycle >= 2);
    const stopAt = performance.now() + SERVICE_CAP_MS;
    try {
      while (steady().length < options.cycles && performance.now() < stopAt && child.alive) {
        const next = new Promise((r) => setTimeout(r, SCRAPE_EVERY_MS));
        try {
          const res = await httpGet(`http://127.0.0.1:${port}/metrics`, { 'accept-encoding': 'gzip' });
          scrapes += 1;
          if (res.status !== 200) failedScrapes += 1;
          else {
            const text = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body) : res.body).toString('utf8');
            heap.newSpace = Math.max(heap.newSpace, processGauge(text, 'nodejs_heap_space_size_total_bytes{space="new"}'));
            heap.oldSpace = Math.max(heap.oldSpace, processGauge(text, 'nodejs_heap_space_size_total_bytes{space="old"}'));
            heap.total = Math.max(heap.total, processGauge(text, 'nodejs_heap_size_total_bytes'));
          }
        } catch {
          failedScrapes += 1;
        }
        await next;
      }
    } finally {
      clearInterval(sampler);
    }
    const done = steady();
    const sorted = [...rss].sort((a, b) => a - b);
    const run: ServiceRun = {
      start,
      startedWith,
      cyclesRun: done.length,
      ...(done.length < options.cycles ? { cut: `${done.length} of ${options.cycles} steady cycles within ${SERVICE_CAP_MS / 60_000} min` } : {}),
      readyS,
      steadyCycleMedianS: median(done.map((c) => c.durationS)),
      rssAtReadyBytes,
      rssSteadyMinBytes: sorted[0] ?? Number.NaN,
      rssSteadyP50Bytes: percentile(sorted, 50),
      rssSteadyMaxBytes: sorted.at(-1) ?? Number.NaN,
      peakRssBytes: procMemory(pid)?.peakBytes ?? Number.NaN,
      newSpaceMaxBytes: heap.newSpace,
      oldSpaceMaxBytes: heap.oldSpace,
      heapTotalMaxBytes: heap.total,
      cpuSecondsPerCycle: done.length > 0 ? (procCpuSeconds(pid) - cpuAtReady) / done.length : Number.NaN,
      scrapes,
      failedScrapes,
    };
    log(`memory ${plans} (${start}): ${run.cyclesRun} steady cycles, rss ${mib(run.rssSteadyMinBytes)}–${mib(run.rssSteadyMaxBytes)}, peak ${mib(run.peakRssBytes)}`);
    return run;
  } finally {
    await child.stop();
  }
}

/** (b) Retention over many cycles. */
async function retention(options: MemoryOptions): Promise<Omit<MemoryResult, 'inService' | 'retentionStart'>> {
  const { plans, log } = options;
  const started = performance.now();
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, scenario: { plans, historyDays: 14 } });
  const closeSim = track(() => sim.close());
  // As users start it: no NODE_OPTIONS, and the V8 settings cli.ts applies first (src/runtime.ts).
  const child = new Child('exporter (memory)', 'bench/server-child.ts', [], {
    waitForReady: true,
    env: SIMULATOR_ENV,
    nodeFlags: ['--expose-gc'],
    imports: ['src/runtime.ts'],
    start: 'user',
  });
  try {
    await child.request('exporter.init', { yaml: exporterConfigYaml({ endpoint: sim.endpoint, interval: '60s', limits: FAST_LIMITS }), clockStart: T0 });
    const first = await child.request<CycleResult>('exporter.cycle', {}, 30 * 60_000);
    await child.request('exporter.scrape', {}, 5 * 60_000);
    let planFailures = first.planFailures + first.targetFailures;
    for (const error of first.errors ?? []) log(`memory ${plans}: first cycle: ${error}`);
    const afterFirst = await child.request<MemorySample>('probe.memory');
    const samples: MemoryResult['samples'] = [{ cycle: 0, ...afterFirst }];
    log(`memory ${plans}: first cycle ${(first.wallMs / 1000).toFixed(1)} s, rss ${mib(afterFirst.rssBytes)}, heap ${mib(afterFirst.heapUsedBytes)}`);

    let cut: string | undefined;
    let steadyWallMs = 0;
    let cycle = 0;
    let blockStarted = performance.now();
    while (cycle < options.cycles) {
      sim.requests.clear();
      clock.advance(STEP_MS);
      const result = await child.request<CycleResult>('exporter.cycle', { advanceMs: STEP_MS }, 30 * 60_000);
      await child.request('exporter.scrape', {}, 5 * 60_000);
      cycle += 1;
      steadyWallMs += result.wallMs;
      planFailures += result.planFailures + result.targetFailures;
      for (const error of result.errors ?? []) log(`memory ${plans}: cycle ${cycle}: ${error}`);
      if (cycle % SAMPLE_EVERY !== 0) continue;
      const sample = await child.request<MemorySample>('probe.memory');
      samples.push({ cycle, ...sample });
      log(`memory ${plans}: cycle ${cycle}: rss ${mib(sample.rssBytes)} (before GC ${mib(sample.rssBeforeGcBytes ?? Number.NaN)}), heap ${mib(sample.heapUsedBytes)}`);
      // Stop at a sample boundary when the next block of cycles, at the pace of the last one, would overrun the budget.
      const now = performance.now();
      const blockMs = now - blockStarted;
      blockStarted = now;
      if (cycle < options.cycles && now - started + blockMs > options.budgetS * 1000) {
        cut = `stopped at ${cycle} of ${options.cycles} cycles: ~${(blockMs / SAMPLE_EVERY / 1000).toFixed(1)} s per cycle, ${options.budgetS} s budget`;
        log(`memory ${plans}: ${cut}`);
        break;
      }
    }
    const steady = samples.filter((s) => s.cycle >= SAMPLE_EVERY);
    const xs = steady.map((s) => s.cycle);
    return {
      plans,
      cyclesRequested: options.cycles,
      cyclesRun: cycle,
      ...(cut ? { cut } : {}),
      firstCycleWallS: first.wallMs / 1000,
      steadyCycleWallS: cycle > 0 ? steadyWallMs / cycle / 1000 : Number.NaN,
      afterFirst,
      samples,
      rssSlopeBytesPerCycle: slope(
        xs,
        steady.map((s) => s.rssBytes),
      ),
      heapUsedSlopeBytesPerCycle: slope(
        xs,
        steady.map((s) => s.heapUsedBytes),
      ),
      planFailures,
      wallS: (performance.now() - started) / 1000,
    };
  } finally {
    await child.stop();
    await closeSim();
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
