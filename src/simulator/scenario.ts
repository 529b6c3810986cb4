/**
 * The simulated fleet's starting point: a deterministic set of plans built from a seed.
 * The first eight plans are the demo fleet (one of each interesting case, demo-templates.ts);
 * the next five show restorability (restore-templates.ts), the five after them operational stops
 * (operations-templates.ts); larger fleets repeat the healthy templates with a few percent paused,
 * failing and stuck plans, a few restore tasks, prepaid plans and plans behind gateways mixed in.
 */
import type { WireIncrementBackupFile } from '../dbs/schemas.js';
import { DEMO_PLAN_COUNT, DEMO_TEMPLATES, HEALTHY_TEMPLATES, mysqlFailing, mysqlPaused, polardbStuck, type Template } from './demo-templates.js';
import { hashUnit, mulberry32, pick, randomId } from './random.js';
import type { PlanRestores } from './restore-tasks.js';
import { OPERATIONS_FIRST, OPERATIONS_TEMPLATES, scenarioGateways, withOperationalProfile, type ScenarioGateways } from './operations-templates.js';
import { occasionalRestores, RESTORE_TEMPLATES } from './restore-templates.js';
import { DAY, HOUR, type BackupPlan, type Interval, type ScheduleSwitch } from './model.js';

export interface ScenarioOptions {
  /** Same seed, same fleet (ids, names, sizes, schedules). Default 1. */
  seed?: number;
  /** Number of plans; default 8 (the demo fleet). */
  plans?: number;
  /** Region of every plan; default 'cn-hangzhou'. */
  region?: string;
  /** Days of history before startTime; default 3. */
  historyDays?: number;
  /** Epoch ms the scenario is built around; default: the fleet clock's now. */
  startTime?: number;
  /** A full scheduled within this long of now is listed as 'schedule'; default 10 minutes. */
  scheduleLookaheadMs?: number;
}

/** A plan as the scenario creates it, with its generation state. */
export interface PlanSeed {
  plan: BackupPlan;
  schedule: Required<ScheduleSwitch>;
  windows: { full: Interval[]; incremental: Interval[] };
  increments: WireIncrementBackupFile[];
  restores: PlanRestores;
}

/** Plans with a case of their own (demo, restore and operations templates); beyond them the fleet repeats healthy plans. */
export const SCENARIO_PLAN_COUNT = OPERATIONS_FIRST + OPERATIONS_TEMPLATES.length;

/** A realistic lowercase plan id, e.g. `dbs1k3x9q2mz7`. */
export function newPlanId(random: () => number, taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `dbs1${randomId(random, 9)}`;
    if (!taken.has(id)) return id;
  }
}

/** The gateways of the fleet buildScenario(options, now) builds, with their status history. */
export function buildScenarioGateways(options: ScenarioOptions, now: number): ScenarioGateways {
  return scenarioGateways(options, options.startTime ?? now, options.plans ?? DEMO_PLAN_COUNT);
}

export function buildScenario(options: ScenarioOptions, now: number): PlanSeed[] {
  const random = mulberry32(options.seed ?? 1);
  const count = options.plans ?? DEMO_PLAN_COUNT;
  const startTime = options.startTime ?? now;
  const gateways = buildScenarioGateways(options, now);
  const historyDays = options.historyDays ?? 3;
  const region = options.region ?? 'cn-hangzhou';
  const taken = new Set<string>();
  const seeds: PlanSeed[] = [];
  for (let index = 0; index < count; index++) {
    const id = newPlanId(random, taken);
    taken.add(id);
    const template = index < DEMO_PLAN_COUNT ? DEMO_TEMPLATES[index]! : largeFleetTemplate(random, index);
    const createdAt = startTime - historyDays * DAY - (index < DEMO_PLAN_COUNT ? 0 : Math.floor(random() * 6 * HOUR));
    const ctx = { random, id, index, region, startTime, createdAt, historyDays };
    const seed = template(ctx);
    const restoreTemplate = RESTORE_TEMPLATES[index - DEMO_PLAN_COUNT];
    const operationsTemplate = OPERATIONS_TEMPLATES[index - OPERATIONS_FIRST];
    if (restoreTemplate || operationsTemplate) {
      // Drawn from a stream of its own, so every later plan is the same as without it.
      const own = mulberry32(Math.floor(hashUnit(options.seed ?? 1, index, 0x7e5) * 2 ** 32));
      const special = restoreTemplate ? restoreTemplate({ ...ctx, random: own }) : operationsTemplate!({ ...ctx, random: own, gateways });
      seeds.push(withOperationalProfile(special, index, startTime, gateways.pool));
      continue;
    }
    if (index >= DEMO_PLAN_COUNT) seed.restores.tasks.push(...occasionalRestores(seed, startTime, historyDays));
    seeds.push(withOperationalProfile(seed, index, startTime, gateways.pool));
  }
  return seeds;
}

/** Beyond the demo fleet: 92% healthy, 3% paused, 3% failing, 2% stuck. */
function largeFleetTemplate(random: () => number, index: number): Template {
  const roll = random();
  if (roll < 0.03) return mysqlPaused;
  if (roll < 0.06) return mysqlFailing;
  if (roll < 0.08) return polardbStuck;
  return HEALTHY_TEMPLATES[index % HEALTHY_TEMPLATES.length] ?? pick(random, HEALTHY_TEMPLATES);
}
