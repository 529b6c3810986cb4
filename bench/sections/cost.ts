/**
 * 5. Cost: DBS calls per hour, before and after the restore sources (issue 23).
 *
 * The exporter in a child process (bench/server-child.ts, createExporter) polls the simulator
 * (here, in the harness process); both run on manual clocks moved 60 s together before each
 * cycle, the collection interval being 60 s: the first (lookback) cycle, then `steadyMinutes`
 * steady cycles (60: one simulated hour). Calls are counted per action by the simulator's request
 * log, cycle by cycle, with the pages beyond the first of each listing (PageNum > 0). No latency
 * fault; the rate limit is the schema's maximum, so an hour of cycles takes minutes, not an hour.
 *
 * Twice, each against a fresh simulator on the same clock, so both see the same fleet:
 *  - before: `restore_ranges` and `restore_tasks` `enabled: false`, which is exactly the exporter's
 *    cost before those sources existed;
 *  - after: the defaults (DescribeRestoreRangeInfo every 15 min, DescribeRestoreTaskList every
 *    5 min, read from the newest task seen).
 * The report checks (it does not fail the run) that each action the restore sources added costs at
 * most plans × (steady seconds ÷ its interval) + one call per page beyond the first.
 */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock, startSimulator } from '../../src/simulator/index.js';
import { type ApiLimits, FAST_LIMITS, SIMULATOR_ENV, exporterConfigYaml } from '../harness/config.js';
import type { CycleResult } from '../harness/ipc.js';
import { Child, track } from '../harness/processes.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const STEP_MS = 60_000;
/**
 * A run cut short by its wall-time budget stops after a multiple of this many steady cycles: both
 * new actions' default intervals (5 and 15 min) divide it, so scaling to an hour is exact for them.
 */
export const COST_CUT_STEP = 15;
/** Entries kept per cycle for the page count; the largest cycle (5,000 plans, first, after) is ~35,000 calls. */
const LOG_CAPACITY = 400_000;

export const COST_RUNS = {
  before: ['restore_ranges: { enabled: false }', 'restore_tasks: { enabled: false }'],
  after: [],
} as const satisfies Record<string, readonly string[]>;
export type CostLabel = keyof typeof COST_RUNS;

/** The actions the restore sources added, with the source that calls each. */
export const NEW_ACTIONS = { DescribeRestoreRangeInfo: 'restore_ranges', DescribeRestoreTaskList: 'restore_tasks' } as const;

/** One action in one run. */
export interface CostAction {
  firstCycle: number;
  /** Calls of the first cycle for a page beyond the first (PageNum > 0). */
  firstCycleExtraPages: number;
  /** Calls over all steady cycles (steadyMinutes of simulated time). */
  steady: number;
  steadyExtraPages: number;
  /** Steady cycles in which the action was called at all. */
  steadyCyclesCalled: number;
  /** Fewest and most calls in one steady cycle. */
  steadyPerCycleMin: number;
  steadyPerCycleMax: number;
}

export interface CostRun {
  label: CostLabel;
  /** The `collection:` lines added to the exporter's configuration. */
  collection: readonly string[];
  actions: Record<string, CostAction>;
  firstCycleCalls: number;
  steadyCalls: number;
  /** Steady cycles run (= simulated minutes); per-hour figures are × 60 ÷ this. */
  steadyCycles: number;
  /** Why fewer steady cycles ran than asked for. */
  cut?: string;
  firstCycleWallS: number;
  steadyCycleMeanWallS: number;
  steadyCycleMaxWallS: number;
  wallS: number;
  /** Failed plan or target polls over the run (a failed source is retried next cycle, which costs calls). */
  failedPolls: number;
  non200: number;
  errors: string[];
  /** The request log overflowed in some cycle: pages beyond the first are then undercounted. */
  logOverflow?: boolean;
}

export interface CostResult {
  plans: number;
  collectionIntervalS: number;
  /** Simulated minutes of steady cycles asked for (each run says how many it ran); 60: one hour. */
  steadyMinutes: number;
  /** Wall-time budget of each run (s). */
  budgetS: number;
  limits: ApiLimits;
  /** The interval (s) of each new action's source, from the configuration's defaults. */
  newActionIntervalS: Record<string, number>;
  runs: CostRun[];
}

export interface CostOptions {
  plans: number;
  steadyMinutes: number;
  /** Wall-time budget of each run: it stops after a multiple of COST_CUT_STEP cycles when the next block would overrun it. */
  budgetS: number;
  log: (line: string) => void;
}

export async function benchCost(options: CostOptions): Promise<CostResult> {
  // The defaults the `after` run uses, read through the real config parser.
  const { collection } = parseConfig(exporterConfigYaml({ endpoint: '127.0.0.1:1', interval: '60s', limits: FAST_LIMITS }), { env: SIMULATOR_ENV });
  const runs: CostRun[] = [];
  let cycles = options.steadyMinutes;
  for (const label of Object.keys(COST_RUNS) as CostLabel[]) {
    const run = await costRun(label, { ...options, steadyMinutes: cycles });
    runs.push(run);
    // A cut `before` cuts `after` to the same span, so both measure the same simulated minutes.
    cycles = Math.min(cycles, run.steadyCycles);
  }
  return {
    plans: options.plans,
    collectionIntervalS: STEP_MS / 1000,
    steadyMinutes: options.steadyMinutes,
    budgetS: options.budgetS,
    limits: FAST_LIMITS,
    newActionIntervalS: {
      DescribeRestoreRangeInfo: collection.restore_ranges.interval / 1000,
      DescribeRestoreTaskList: collection.restore_tasks.interval / 1000,
    },
    runs,
  };
}

interface CycleCount {
  calls: Record<string, number>;
  extraPages: Record<string, number>;
  non200: number;
  overflow: boolean;
}

/** What the simulator logged since the last clear, per action. */
function countCycle(sim: Awaited<ReturnType<typeof startSimulator>>): CycleCount {
  const extraPages: Record<string, number> = {};
  let non200 = 0;
  for (const entry of sim.requests.entries()) {
    if (entry.status !== 200 || entry.code !== undefined) non200 += 1;
    if (Number(entry.params.PageNum ?? 0) > 0) extraPages[entry.action] = (extraPages[entry.action] ?? 0) + 1;
  }
  return { calls: sim.requests.counts(), extraPages, non200, overflow: sim.requests.count() > LOG_CAPACITY };
}

async function costRun(label: CostLabel, options: CostOptions): Promise<CostRun> {
  const { plans, log } = options;
  const started = performance.now();
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, scenario: { plans, historyDays: 14 }, requestLogSize: LOG_CAPACITY });
  const closeSim = track(() => sim.close());
  const child = new Child(`exporter (cost, ${label})`, 'bench/server-child.ts', [], { waitForReady: true, env: SIMULATOR_ENV });
  const collection = COST_RUNS[label];
  try {
    await child.request('exporter.init', {
      yaml: exporterConfigYaml({ endpoint: sim.endpoint, interval: `${STEP_MS / 1000}s`, limits: FAST_LIMITS, collection }),
      clockStart: T0,
    });
    const actions: Record<string, CostAction> = {};
    const action = (name: string) =>
      (actions[name] ??= { firstCycle: 0, firstCycleExtraPages: 0, steady: 0, steadyExtraPages: 0, steadyCyclesCalled: 0, steadyPerCycleMin: 0, steadyPerCycleMax: 0 });
    const errors: string[] = [];
    let failedPolls = 0;
    let non200 = 0;
    let logOverflow = false;
    const noteCycle = (cycle: number, result: CycleResult, count: CycleCount) => {
      failedPolls += result.planFailures + result.targetFailures;
      non200 += count.non200;
      logOverflow ||= count.overflow;
      for (const error of result.errors ?? []) if (errors.length < 5) errors.push(`cycle ${cycle}: ${error}`);
    };

    sim.requests.clear();
    const first = await child.request<CycleResult>('exporter.cycle', {}, 30 * 60_000);
    const firstCount = countCycle(sim);
    noteCycle(0, first, firstCount);
    for (const [name, calls] of Object.entries(firstCount.calls)) {
      action(name).firstCycle = calls;
      action(name).firstCycleExtraPages = firstCount.extraPages[name] ?? 0;
    }
    const firstCycleCalls = Object.values(firstCount.calls).reduce((a, b) => a + b, 0);
    log(`cost ${plans} ${label}: first cycle ${firstCycleCalls} calls in ${(first.wallMs / 1000).toFixed(1)} s`);

    const perCycle: Array<Record<string, number>> = [];
    const walls: number[] = [];
    const asked = options.steadyMinutes;
    let cut: string | undefined;
    let blockStarted = performance.now();
    let cycle = 0;
    while (cycle < asked) {
      cycle += 1;
      sim.requests.clear();
      clock.advance(STEP_MS);
      const result = await child.request<CycleResult>('exporter.cycle', { advanceMs: STEP_MS }, 30 * 60_000);
      const count = countCycle(sim);
      noteCycle(cycle, result, count);
      walls.push(result.wallMs / 1000);
      perCycle.push(count.calls);
      for (const [name, calls] of Object.entries(count.calls)) {
        const a = action(name);
        a.steady += calls;
        a.steadyExtraPages += count.extraPages[name] ?? 0;
      }
      if (cycle % 10 === 0 || cycle === asked) {
        const elapsedS = (performance.now() - started) / 1000;
        const restore = Object.keys(NEW_ACTIONS)
          .map((name) => `${name} ${actions[name]?.steady ?? 0}`)
          .join(', ');
        log(`cost ${plans} ${label}: ${cycle}/${asked} steady cycles, last ${walls.at(-1)!.toFixed(1)} s; so far ${restore}; ${elapsedS.toFixed(0)} s elapsed`);
      }
      if (cycle % COST_CUT_STEP !== 0 || cycle >= asked) continue;
      // Stop at a block boundary when the next block, at the pace of the last one, would overrun the budget.
      const now = performance.now();
      const blockMs = now - blockStarted;
      blockStarted = now;
      if (now - started + blockMs > options.budgetS * 1000) {
        cut = `stopped at ${cycle} of ${asked} steady cycles: ~${(blockMs / COST_CUT_STEP / 1000).toFixed(1)} s per cycle, ${options.budgetS} s budget`;
        log(`cost ${plans} ${label}: ${cut}`);
        break;
      }
    }
    const steadyCycles = cycle;
    for (const [name, a] of Object.entries(actions)) {
      const each = perCycle.map((calls) => calls[name] ?? 0);
      a.steadyCyclesCalled = each.filter((n) => n > 0).length;
      a.steadyPerCycleMin = each.length > 0 ? Math.min(...each) : 0;
      a.steadyPerCycleMax = each.length > 0 ? Math.max(...each) : 0;
    }
    return {
      label,
      collection,
      actions,
      firstCycleCalls,
      steadyCalls: Object.values(actions).reduce((n, a) => n + a.steady, 0),
      steadyCycles,
      ...(cut ? { cut } : {}),
      firstCycleWallS: first.wallMs / 1000,
      steadyCycleMeanWallS: walls.length > 0 ? walls.reduce((a, b) => a + b, 0) / walls.length : Number.NaN,
      steadyCycleMaxWallS: walls.length > 0 ? Math.max(...walls) : Number.NaN,
      wallS: (performance.now() - started) / 1000,
      failedPolls,
      non200,
      errors,
      ...(logOverflow ? { logOverflow } : {}),
    };
  } finally {
    await child.stop();
    await closeSim();
  }
}
