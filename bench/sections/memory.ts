/**
 * 3. Memory. An exporter in a child process (started with --expose-gc, so each sample follows
 * a full GC and shows retained memory) polls the simulator on a manual clock: simulator and
 * exporter clocks move 60 s together before each cycle, with no latency fault. Samples every
 * 10 cycles; after every cycle the exposition is read gzipped, as Prometheus asks for it, so
 * the rendered exposition is part of what is measured (a plain-text scraper would make the
 * exporter also keep the plain text: the exposition size in section 1). The slope is a least-squares fit over the steady samples (cycle 10 onwards), so the
 * first cycle's lookback does not count as growth. The run stops early, at a sample, when the
 * next ten cycles would overrun the time budget.
 */
import { performance } from 'node:perf_hooks';
import { ManualClock, startSimulator } from '../../src/simulator/index.js';
import { FAST_LIMITS, SIMULATOR_ENV, exporterConfigYaml } from '../harness/config.js';
import type { CycleResult, MemorySample } from '../harness/ipc.js';
import { Child, track } from '../harness/processes.js';
import { slope } from '../harness/stats.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const STEP_MS = 60_000;
const SAMPLE_EVERY = 10;

export interface MemoryResult {
  plans: number;
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

export async function benchMemory(options: { plans: number; cycles: number; budgetS: number; log: (line: string) => void }): Promise<MemoryResult> {
  const { plans, log } = options;
  const started = performance.now();
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, scenario: { plans, historyDays: 14 } });
  const closeSim = track(() => sim.close());
  const child = new Child('exporter (memory)', 'bench/server-child.ts', [], { waitForReady: true, env: SIMULATOR_ENV, nodeFlags: ['--expose-gc'] });
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
