/**
 * 5. Cost: DBS calls per hour, before and after the operational-stop sources
 * (docs/design/operational-stops.md): DescribeBackupPlanBilling, DescribeBackupGatewayList and
 * DescribeJobErrorCode. Each is bounded by design (per plan per interval, per target per cycle, per
 * new failure capped per cycle); this section measures that the bounds hold on a whole fleet.
 *
 * The exporter in a child process (bench/server-child.ts, createExporter) polls the simulator
 * (here, in the harness process); both run on manual clocks moved 60 s together before each
 * cycle, the collection interval being 60 s: the first (lookback) cycle, then `steadyMinutes`
 * steady cycles (60: one simulated hour). Calls are counted per action by the simulator's request
 * log, cycle by cycle, with the pages beyond the first of each listing (PageNum > 0) and the answers
 * other than 200 (billing's "not applicable" is an HTTP 400). No latency fault; the rate limit is the
 * schema's maximum, so an hour of cycles takes minutes, not an hour.
 *
 * Twice, each against a fresh simulator on the same clock, so both see the same fleet:
 *  - before: `billing`, `gateways` and `job_errors` `enabled: false`, which is exactly the exporter as
 *    shipped before those sources existed (the restore sources on, as they shipped);
 *  - after: the defaults (billing every 1 h per plan, one gateway listing per target per cycle,
 *    DescribeJobErrorCode for a newly failed full, at most `max_per_cycle` per cycle).
 * The report checks (it does not fail the run) each new action against its bound; for
 * DescribeJobErrorCode the simulator's fleet is asked how many fulls failed in the measured span, and
 * how many failed fulls the exporter's first listings showed (its backlog, asked about 20 a cycle).
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
 * A run cut short by its wall-time budget stops after a multiple of this many steady cycles: the
 * restore sources' intervals (5 and 15 min) and every per-cycle action divide it. Billing's hour does
 * not: a cut run's billing figure is not scaled (the report says so).
 */
export const COST_CUT_STEP = 15;
/** Entries kept per cycle for the page count; the largest cycle (5,000 plans, first, after) is ~40,000 calls. */
const LOG_CAPACITY = 400_000;

export const COST_RUNS = {
  before: ['billing: { enabled: false }', 'gateways: { enabled: false }', 'job_errors: { enabled: false }'],
  after: [],
} as const satisfies Record<string, readonly string[]>;
export type CostLabel = keyof typeof COST_RUNS;

/** The actions the operational-stop sources added, with the source (collection key) that calls each. */
export const NEW_ACTIONS = { DescribeBackupPlanBilling: 'billing', DescribeBackupGatewayList: 'gateways', DescribeJobErrorCode: 'job_errors' } as const;
/** The restore sources' actions (the previous issue's new actions; on in both runs now). */
export const RESTORE_ACTIONS = ['DescribeRestoreRangeInfo', 'DescribeRestoreTaskList'] as const;

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
  /** Answers other than a 200 without error code, by `<HTTP status> <code>`: first cycle, steady cycles (absent in older results). */
  firstCycleAnswers?: Record<string, number>;
  steadyAnswers?: Record<string, number>;
}

/** What the simulator's fleet says about DescribeJobErrorCode's work in one run. */
export interface JobErrorFacts {
  /** Plans with a failed full in the exporter's first-cycle DescribeFullBackupList answers (its backlog: every one is new to it). */
  plansFailedAtFirstCycle: number;
  /** Plans with a full that failed (EndTime) within the steady span, and how many such fulls. */
  plansFailedInSpan: number;
  fullsFailedInSpan: number;
  /** Steady-cycle calls by the asked full's EndTime: at or before the first cycle (backlog), within the span, unknown to the fleet. */
  steadyAskedBacklog: number;
  steadyAskedInSpan: number;
  steadyAskedUnknown: number;
  /** Distinct TaskIds asked over the run (first cycle included) against calls: a repeat would show here. */
  distinctTasks: number;
  calls: number;
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
  jobErrors?: JobErrorFacts;
}

export interface CostResult {
  plans: number;
  collectionIntervalS: number;
  /** Simulated minutes of steady cycles asked for (each run says how many it ran); 60: one hour. */
  steadyMinutes: number;
  /** Wall-time budget of each run (s). */
  budgetS: number;
  limits: ApiLimits;
  /** The interval (s) of each new per-plan action's source, from the configuration's defaults. */
  newActionIntervalS: Record<string, number>;
  /** Targets (account and region) the exporter lists gateways for; collection.job_errors.max_per_cycle; gateways in the fleet's region (absent in older results). */
  targets?: number;
  jobErrorsMaxPerCycle?: number;
  gatewaysInFleet?: number;
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
  let gatewaysInFleet: number | undefined;
  for (const label of Object.keys(COST_RUNS) as CostLabel[]) {
    const { run, gateways } = await costRun(label, { ...options, steadyMinutes: cycles });
    runs.push(run);
    gatewaysInFleet = gateways;
    // A cut `before` cuts `after` to the same span, so both measure the same simulated minutes.
    cycles = Math.min(cycles, run.steadyCycles);
  }
  return {
    plans: options.plans,
    collectionIntervalS: STEP_MS / 1000,
    steadyMinutes: options.steadyMinutes,
    budgetS: options.budgetS,
    limits: FAST_LIMITS,
    newActionIntervalS: { DescribeBackupPlanBilling: collection.billing.interval / 1000 },
    targets: 1, // exporterConfigYaml: one target, one region
    jobErrorsMaxPerCycle: collection.job_errors.max_per_cycle,
    ...(gatewaysInFleet !== undefined ? { gatewaysInFleet } : {}),
    runs,
  };
}

interface CycleCount {
  calls: Record<string, number>;
  extraPages: Record<string, number>;
  /** Answers other than 200, per action, by `<status> <code>`. */
  answers: Record<string, Record<string, number>>;
  non200: number;
  overflow: boolean;
}

type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** What the simulator logged since the last clear, per action. */
function countCycle(sim: Sim): CycleCount {
  const extraPages: Record<string, number> = {};
  const answers: Record<string, Record<string, number>> = {};
  let non200 = 0;
  for (const entry of sim.requests.entries()) {
    if (entry.status !== 200 || entry.code !== undefined) {
      non200 += 1;
      const key = `${entry.status} ${entry.code ?? ''}`.trim();
      const byAnswer = (answers[entry.action] ??= {});
      byAnswer[key] = (byAnswer[key] ?? 0) + 1;
    }
    if (Number(entry.params.PageNum ?? 0) > 0) extraPages[entry.action] = (extraPages[entry.action] ?? 0) + 1;
  }
  return { calls: sim.requests.counts(), extraPages, answers, non200, overflow: sim.requests.count() > LOG_CAPACITY };
}

function addInto(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [key, n] of Object.entries(from ?? {})) into[key] = (into[key] ?? 0) + n;
}

const isFailed = (set: { BackupStatus?: string | null }) => set.BackupStatus === 'failed';

/** Plans with a failed full in what DescribeFullBackupList answered each plan in the first cycle (asked again of the fleet, at the same clock). */
function plansFailedInFirstListings(sim: Sim): number {
  const from = new Map<string, number>();
  for (const entry of sim.requests.entries((e) => e.action === 'DescribeFullBackupList' && e.status === 200 && e.code === undefined)) {
    const plan = entry.params.BackupPlanId;
    if (!plan) continue;
    const start = Number(entry.params.StartTimestamp ?? 0);
    from.set(plan, Math.min(from.get(plan) ?? start, start));
  }
  let plans = 0;
  for (const [plan, start] of from) if ((sim.fleet.fullBackups(plan, { startTimestamp: start }) ?? []).some(isFailed)) plans += 1;
  return plans;
}

/** EndTime of a full backup set by its id (`<planId>-full-<n>` for generated ones); undefined when the fleet does not know it. */
function fullEndTime(sim: Sim, taskId: string): number | undefined {
  const planId = /^(.+)-full-(-?\d+)$/.exec(taskId)?.[1];
  if (!planId) return undefined;
  const set = sim.fleet.fullBackups(planId, { backupSetId: taskId })?.[0];
  return set?.EndTime === undefined || set.EndTime === null ? undefined : Number(set.EndTime);
}

async function costRun(label: CostLabel, options: CostOptions): Promise<{ run: CostRun; gateways: number }> {
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
      (actions[name] ??= {
        firstCycle: 0,
        firstCycleExtraPages: 0,
        steady: 0,
        steadyExtraPages: 0,
        steadyCyclesCalled: 0,
        steadyPerCycleMin: 0,
        steadyPerCycleMax: 0,
        firstCycleAnswers: {},
        steadyAnswers: {},
      });
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
    // DescribeJobErrorCode's TaskIds: first cycle, then steady (classified by the fleet at the end).
    const askedFirst: string[] = [];
    const askedSteady: string[] = [];
    const jobErrorTasks = (sink: string[]) => {
      for (const entry of sim.requests.entries((e) => e.action === 'DescribeJobErrorCode')) if (entry.params.TaskId) sink.push(entry.params.TaskId);
    };

    sim.requests.clear();
    const first = await child.request<CycleResult>('exporter.cycle', {}, 30 * 60_000);
    const firstCount = countCycle(sim);
    noteCycle(0, first, firstCount);
    for (const [name, calls] of Object.entries(firstCount.calls)) {
      action(name).firstCycle = calls;
      action(name).firstCycleExtraPages = firstCount.extraPages[name] ?? 0;
      addInto(action(name).firstCycleAnswers!, firstCount.answers[name]);
    }
    jobErrorTasks(askedFirst);
    const plansFailedAtFirstCycle = plansFailedInFirstListings(sim);
    const firstCycleCalls = Object.values(firstCount.calls).reduce((a, b) => a + b, 0);
    log(`cost ${plans} ${label}: first cycle ${firstCycleCalls} calls in ${(first.wallMs / 1000).toFixed(1)} s; ${plansFailedAtFirstCycle} plans with a failed full in the first listings`);

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
      jobErrorTasks(askedSteady);
      walls.push(result.wallMs / 1000);
      perCycle.push(count.calls);
      for (const [name, calls] of Object.entries(count.calls)) {
        const a = action(name);
        a.steady += calls;
        a.steadyExtraPages += count.extraPages[name] ?? 0;
        addInto(a.steadyAnswers!, count.answers[name]);
      }
      if (cycle % 10 === 0 || cycle === asked) {
        const elapsedS = (performance.now() - started) / 1000;
        const added = Object.keys(NEW_ACTIONS)
          .map((name) => `${name.replace(/^Describe/, '')} ${actions[name]?.steady ?? 0}`)
          .join(', ');
        log(`cost ${plans} ${label}: ${cycle}/${asked} steady cycles, last ${walls.at(-1)!.toFixed(1)} s; so far ${added}; ${elapsedS.toFixed(0)} s elapsed`);
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

    // The fleet, at the end of the span: which fulls failed within it, and what each steady call asked about.
    const spanEnd = T0 + steadyCycles * STEP_MS;
    let plansFailedInSpan = 0;
    let fullsFailedInSpan = 0;
    for (const plan of sim.fleet.listPlans()) {
      const failed = (sim.fleet.fullBackups(plan.id, { startTimestamp: T0 - 7 * 24 * 3600_000 }) ?? []).filter((set) => {
        const end = Number(set.EndTime ?? Number.NaN);
        return isFailed(set) && end > T0 && end <= spanEnd;
      });
      fullsFailedInSpan += failed.length;
      if (failed.length > 0) plansFailedInSpan += 1;
    }
    let steadyAskedBacklog = 0;
    let steadyAskedInSpan = 0;
    let steadyAskedUnknown = 0;
    for (const taskId of askedSteady) {
      const end = fullEndTime(sim, taskId);
      if (end === undefined || Number.isNaN(end)) steadyAskedUnknown += 1;
      else if (end <= T0) steadyAskedBacklog += 1;
      else steadyAskedInSpan += 1;
    }
    const jobErrors: JobErrorFacts = {
      plansFailedAtFirstCycle,
      plansFailedInSpan,
      fullsFailedInSpan,
      steadyAskedBacklog,
      steadyAskedInSpan,
      steadyAskedUnknown,
      distinctTasks: new Set([...askedFirst, ...askedSteady]).size,
      calls: askedFirst.length + askedSteady.length,
    };
    log(`cost ${plans} ${label}: job errors ${JSON.stringify(jobErrors)}`);
    const gateways = sim.fleet.gatewayList('cn-hangzhou').length;
    return {
      gateways,
      run: {
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
        jobErrors,
      },
    };
  } finally {
    await child.stop();
    await closeSim();
  }
}
