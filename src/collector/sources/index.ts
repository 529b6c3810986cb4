/**
 * Every DBS action the collector polls, registered by name. Adding an action: a source file
 * here (and a line below), its families in metrics/, and its handler in simulator/actions.ts.
 */
import { backupGateways } from './backup-gateways.js';
import { backupPlans } from './backup-plans.js';
import { type BillingSettings, billing } from './billing.js';
import { type JobErrorSettings, jobErrors } from './job-errors.js';
import { fullBackups } from './full-backups.js';
import { incrementalBackups } from './incremental-backups.js';
import { type RestoreRangeSettings, restoreRanges } from './restore-ranges.js';
import { type RestoreTaskSettings, restoreTasks } from './restore-tasks.js';
import type { JobSource, PlanSource, StateSource } from './source.js';

/** Discovery: asked once per target per cycle; its plans drive the per-plan sources. */
export const PLAN_LIST_SOURCE = backupPlans;

/** Asked once per target per cycle beside discovery (collection.gateways turns it off). */
export const GATEWAY_SOURCE = backupGateways;

/** The backup-job listings, asked every cycle. */
export const JOB_SOURCES: readonly JobSource[] = [fullBackups, incrementalBackups];

/** Settings of the sources the configuration can tune or turn off (absent: off). */
export interface SourceOptions {
  restore_ranges?: RestoreRangeSettings;
  restore_tasks?: RestoreTaskSettings;
  billing?: BillingSettings;
  job_errors?: JobErrorSettings;
}

/** Sources with a state of their own, by name: each entry builds one from its settings. */
const STATE_SOURCES = {
  restore_ranges: restoreRanges,
  restore_tasks: restoreTasks,
  billing,
  job_errors: jobErrors,
} as const satisfies { [K in keyof SourceOptions]-?: (settings: NonNullable<SourceOptions[K]>) => StateSource<K> };

type ViewOf<F extends (settings: never) => StateSource> = ReturnType<ReturnType<F>['view']>;

/** What each state source puts in a plan's snapshot (present once the source has run for the plan). */
export type SourceViews = { readonly [K in keyof typeof STATE_SOURCES]?: ViewOf<(typeof STATE_SOURCES)[K]> };

/** Per-plan sources, in the order each plan's poll asks them (all at once). */
export function planSources(options: SourceOptions = {}): readonly PlanSource[] {
  const states = (Object.keys(STATE_SOURCES) as Array<keyof typeof STATE_SOURCES>).flatMap((name) => {
    const settings = options[name];
    return settings ? [(STATE_SOURCES[name] as (s: typeof settings) => StateSource<string, unknown, unknown>)(settings)] : [];
  });
  return [...JOB_SOURCES, ...states];
}

/** Every source, discovery and the gateways first, by name (the state sources as built from these options). */
export function sourcesByName(options: SourceOptions = {}): ReadonlyMap<string, typeof PLAN_LIST_SOURCE | typeof GATEWAY_SOURCE | PlanSource> {
  return new Map([PLAN_LIST_SOURCE, GATEWAY_SOURCE, ...planSources(options)].map((source) => [source.name, source]));
}

/** The job listings alone (what pollPlan asks when given no sources). */
export const PLAN_SOURCES: readonly PlanSource[] = JOB_SOURCES;

export {
  EVERY_CYCLE,
  type JobSource,
  type PlanPollContext,
  type PlanSource,
  type PollSettings,
  type Schedule,
  type SourceNotice,
  type StateSource,
  defineJobSource,
  defineStateSource,
  isDue,
} from './source.js';
export { lookbackFor } from './watermark.js';
export type { RestoreRangeSettings, RestoreRanges, RestorableRange, RestoreGap } from './restore-ranges.js';
export type { RestoreTaskSettings, RestoreTasks, RestoreOutcome } from './restore-tasks.js';
export type { BackupBilling, BillingSettings } from './billing.js';
export { type ObservedGateway, normaliseGatewayId } from './backup-gateways.js';
export type { FailureReason, JobErrorSettings, JobErrors } from './job-errors.js';
