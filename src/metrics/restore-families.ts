/**
 * The families of "can we restore, and to when": restorable ranges and their gaps
 * (DescribeRestoreRangeInfo), restores and drills (DescribeRestoreTaskList), and what the
 * configuration declares about a plan (expectations:). Defined as data, like families.ts.
 */
import type { PlanSnapshot } from '../collector/snapshot.js';
import type { RestoreOutcome, RestoreRanges, RestoreTasks } from '../collector/sources/index.js';
import { JOB_STATES } from '../collector/status.js';
import type { FamilyDef } from './families.js';
import { seconds } from './labels.js';

const RANGES = 'DescribeRestoreRangeInfo';
const TASKS = 'DescribeRestoreTaskList';

/** One optional value per plan. */
export function perPlan(name: string, help: string, value: (plan: PlanSnapshot) => number | undefined, options: Partial<Pick<FamilyDef, 'type' | 'scope'>> = {}): FamilyDef {
  return {
    name,
    type: options.type ?? 'gauge',
    help,
    labelNames: [],
    scope: options.scope ?? 'listed',
    collect(plan, _now, emit) {
      const v = value(plan);
      if (v !== undefined && Number.isFinite(v)) emit(v);
    },
  };
}

const ranges = (plan: PlanSnapshot): RestoreRanges | undefined => plan.views.restore_ranges;
const tasks = (plan: PlanSnapshot): RestoreTasks | undefined => plan.views.restore_tasks;
const at = (ms: number | undefined) => (ms !== undefined ? seconds(ms) : undefined);
const took = (outcome: RestoreOutcome | undefined) => (outcome?.durationMs !== undefined ? seconds(outcome.durationMs) : undefined);

const RANGE_TYPE_EXTRAS = [{ range_type: 'point' }, { range_type: 'range' }] as const;
const STATE_EXTRAS = JOB_STATES.map((state) => ({ state }));

export const RESTORE_FAMILIES: readonly FamilyDef[] = [
  perPlan('dbs_restore_window_start_timestamp_seconds', `Start of the window the restorable ranges were asked for (${RANGES} BeginTimestampForRestore: now less the plan's BackupRetentionPeriod), Unix seconds.`, (p) =>
    at(ranges(p)?.windowStartMs),
  ),
  {
    name: 'dbs_restore_ranges',
    type: 'gauge',
    help: `Restorable ranges inside the window by RangeType (${RANGES}): range is continuous point-in-time restore, point a full backup alone.`,
    labelNames: ['range_type'],
    scope: 'listed',
    collect(plan, _now, emit) {
      const r = ranges(plan);
      if (!r) return;
      emit(r.pointRanges, RANGE_TYPE_EXTRAS[0]);
      emit(r.continuousRanges, RANGE_TYPE_EXTRAS[1]);
    },
  },
  perPlan('dbs_restore_recovery_point_timestamp_seconds', `End of the newest continuous range (${RANGES} EndTimestampForRestore of RangeType range): the newest time a point-in-time restore reaches, Unix seconds.`, (p) =>
    at(ranges(p)?.recoveryPointMs),
  ),
  perPlan('dbs_restore_latest_point_timestamp_seconds', `Newest restorable time of any range type (${RANGES}), Unix seconds.`, (p) => at(ranges(p)?.latestPointMs)),
  perPlan('dbs_restore_gaps', `Holes between consecutive continuous ranges inside the window (${RANGES}): times a point-in-time restore cannot reach.`, (p) => ranges(p)?.gaps),
  perPlan('dbs_restore_gap_seconds', `Total length of the holes between continuous ranges inside the window (${RANGES}), seconds.`, (p) => {
    const r = ranges(p);
    return r ? seconds(r.gapMs) : undefined;
  }),
  perPlan('dbs_restore_largest_gap_seconds', `Length of the longest hole between continuous ranges inside the window (${RANGES}), seconds; absent when there is none.`, (p) => {
    const gap = ranges(p)?.largestGap;
    return gap ? seconds(gap.endMs - gap.startMs) : undefined;
  }),
  perPlan('dbs_restore_largest_gap_end_timestamp_seconds', `When the longest hole ended: the BeginTimestampForRestore of the range after it (${RANGES}), Unix seconds.`, (p) =>
    at(ranges(p)?.largestGap?.endMs),
  ),
  perPlan('dbs_restore_newest_gap_seconds', `Length of the most recent hole between continuous ranges (${RANGES}), seconds; absent when there is none.`, (p) => {
    const gap = ranges(p)?.newestGap;
    return gap ? seconds(gap.endMs - gap.startMs) : undefined;
  }),
  perPlan('dbs_restore_newest_gap_end_timestamp_seconds', `When the most recent hole ended (${RANGES}), Unix seconds.`, (p) => at(ranges(p)?.newestGap?.endMs)),
  {
    name: 'dbs_restore_tasks',
    type: 'gauge',
    help: `Restore tasks created in the tracked window by normalised state (${TASKS} RestoreStatus: finish succeeded, stop failed, init/check_pass/pause pending).`,
    labelNames: ['state'],
    scope: 'fresh',
    collect(plan, _now, emit) {
      const t = tasks(plan);
      if (t) JOB_STATES.forEach((state, i) => emit(t.byState[state], STATE_EXTRAS[i]));
    },
  },
  perPlan('dbs_restore_last_success_timestamp_seconds', `When the newest successful restore finished (${TASKS} RestoreTaskFinishTime), Unix seconds.`, (p) => at(tasks(p)?.lastSuccess?.atMs)),
  perPlan('dbs_restore_last_success_duration_seconds', `RestoreTaskFinishTime minus RestoreTaskCreateTime of the newest successful restore (${TASKS}).`, (p) => took(tasks(p)?.lastSuccess)),
  perPlan('dbs_restore_last_failure_timestamp_seconds', `When the newest failed restore ended (${TASKS} RestoreTaskFinishTime, or RestoreTaskCreateTime when unset), Unix seconds.`, (p) =>
    at(tasks(p)?.lastFailure?.atMs),
  ),
  perPlan('dbs_restore_tasks_succeeded_total', `Restore tasks seen reaching success by this exporter process (${TASKS}); each counted once.`, (p) => tasks(p)?.succeededTotal, { type: 'counter' }),
  perPlan('dbs_restore_tasks_failed_total', `Restore tasks seen reaching failure by this exporter process (${TASKS}); each counted once.`, (p) => tasks(p)?.failedTotal, { type: 'counter' }),
  perPlan('dbs_restore_drill_last_success_timestamp_seconds', `When the newest successful restore drill (a task whose RestoreTaskName matches the drill pattern) finished (${TASKS}), Unix seconds.`, (p) =>
    at(tasks(p)?.drillLastSuccess?.atMs),
  ),
  perPlan('dbs_restore_drill_last_success_duration_seconds', `How long the newest successful restore drill took, from creation to finish (${TASKS}), seconds.`, (p) => took(tasks(p)?.drillLastSuccess)),
  perPlan('dbs_restore_drill_last_restore_point_timestamp_seconds', `The point in time the newest successful restore drill restored to (${TASKS} RestoreTime), Unix seconds.`, (p) =>
    at(tasks(p)?.drillLastSuccess?.restorePointMs),
  ),
  perPlan('dbs_restore_drill_last_failure_timestamp_seconds', `When the newest failed restore drill ended (${TASKS}), Unix seconds.`, (p) => at(tasks(p)?.drillLastFailure?.atMs)),
  perPlan('dbs_backup_plan_log_backup_off_intended', 'Log backup is off on purpose for this plan (the exporter configuration: expectations log_backup_off: intended); 1, absent otherwise.', (p) =>
    p.expectations?.logBackupOffIntended ? 1 : undefined,
  ),
  perPlan('dbs_restore_drill_max_age_seconds', 'A successful restore drill is expected at least this often (the exporter configuration: expectations restore_drill_max_age), seconds; absent when not configured.', (p) => {
    const ms = p.expectations?.restoreDrillMaxAgeMs;
    return ms !== undefined ? seconds(ms) : undefined;
  }),
  perPlan('dbs_restore_drill_rto_seconds', 'A restore drill should take at most this long (the exporter configuration: expectations restore_drill_rto), seconds; absent when not configured.', (p) => {
    const ms = p.expectations?.restoreDrillRtoMs;
    return ms !== undefined ? seconds(ms) : undefined;
  }),
];
