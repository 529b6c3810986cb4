/**
 * The demo guide's restore findings: what the exporter's first reads of DescribeRestoreRangeInfo and
 * DescribeRestoreTaskList will say about a demo plan (the simulator's and the collector's own pure
 * functions), and which restore alerts that raises under the rules' thresholds.
 */
import { type RestorableRange, type RestoreRanges, summariseRanges } from '../collector/sources/restore-ranges.js';
import { type RestoreTasks, mergeRestoreTasks, observeRestoreTask } from '../collector/sources/restore-tasks.js';
import type { PlanExpectations } from '../config/index.js';
import { restoreTaskDetailSchema } from '../dbs/schemas.js';
import type { RuleThresholds } from '../rules/rules.js';
import { collectSets, completedLogs } from '../simulator/backup-sets.js';
import { DAY, MINUTE } from '../simulator/model.js';
import type { PlanState } from '../simulator/plan-state.js';
import { clipToWindow, restorableTime } from '../simulator/restore.js';
import { restoreTaskAt, restoreTasksOf } from '../simulator/restore-tasks.js';
import type { PlanSeed } from '../simulator/scenario.js';
import type { PlanFinding, PromisedAlert } from './guide.js';

/** Seconds, rounded up, never negative. */
export const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** A plan of the demo fleet as the exporter will first see it. */
export interface SeenPlan {
  seed: PlanSeed;
  now: number;
  /** How much of the plan's history the exporter sees, ms. */
  visibleMs: number;
  running: boolean;
  /** What the demo's configuration declares about the plan (`expectations:`). */
  expects: PlanExpectations;
  drillPattern: RegExp;
}

/** The rules page job failures, lag and stalls of running plans only (a paused plan's are expected). */
export const ifRunning = (seen: SeenPlan, alerts: PromisedAlert[]): PromisedAlert[] => (seen.running ? alerts : []);

/** The simulator's record of a plan, as its Fleet holds it (src/simulator/fleet.ts). */
function stateOf(seed: PlanSeed): PlanState {
  return { plan: seed.plan, schedule: seed.schedule, windows: seed.windows, addedFull: [], addedIncrement: seed.increments, restores: seed.restores };
}

/** The Fleet's default: a full scheduled within this long is listed as 'schedule'. */
const SCHEDULE_LOOKAHEAD_MS = 10 * MINUTE;

/**
 * What the exporter's first DescribeRestoreRangeInfo read says: the simulator's ranges over the
 * plan's retention window (the collector's window), summarised by the collector's own function.
 */
export function restoreRangesAt({ seed, now }: SeenPlan, fallbackWindowMs: number): RestoreRanges {
  const state = stateOf(seed);
  const window = { beginMs: now - (seed.plan.retentionDays > 0 ? seed.plan.retentionDays * DAY : fallbackWindowMs), endMs: now };
  const fulls = collectSets(state, 'full', {}, now, SCHEDULE_LOOKAHEAD_MS);
  const logs = completedLogs(state, now, SCHEDULE_LOOKAHEAD_MS);
  const ranges = clipToWindow(restorableTime(seed.plan, fulls, logs), { begin: window.beginMs, end: now }).map(
    (r): RestorableRange => ({
      type: r.RangeType === 'range' || r.RangeType === 'point' ? r.RangeType : 'unknown',
      beginMs: Number(r.BeginTimestampForRestore),
      endMs: Number(r.EndTimestampForRestore),
    }),
  );
  return summariseRanges(ranges, window);
}

/** A hole in point-in-time restore: DBSRestoreGap at once, for as long as the gap ended less than its threshold ago. */
export function restoreGapFindings(ranges: RestoreRanges, now: number, t: RuleThresholds): PlanFinding[] {
  const gap = ranges.newestGap;
  if (!gap) return [];
  const leftSeconds = Math.floor(t.restoreGapRecentSeconds - (now - gap.endMs) / 1000);
  return [{ kind: 'restore-gap', startMs: gap.startMs, endMs: gap.endMs, alerts: leftSeconds > 0 ? [{ alert: 'DBSRestoreGap', afterSeconds: 0, endsAfterSeconds: leftSeconds }] : [] }];
}

/**
 * The recovery point of a running plan with log backup on: DBSRecoveryPointTooOld once its age
 * passes the threshold. A moving one (log backups completing) never gets there; one that stands
 * still does, at once or later. Without any continuous range but with restorable points, the rules
 * count its age from the window asked about or the plan's creation.
 */
export function recoveryPointFindings(seen: SeenPlan, ranges: RestoreRanges, logsStopped: boolean, t: RuleThresholds): PlanFinding[] {
  const { plan } = seen.seed;
  if (!seen.running || plan.incremental === undefined) return [];
  const atLeast = ranges.recoveryPointMs === undefined;
  const pointMs = ranges.recoveryPointMs ?? (ranges.continuousRanges === 0 && ranges.pointRanges > 0 ? Math.max(ranges.windowStartMs, plan.createdAt) : undefined);
  if (pointMs === undefined) return [];
  const leftSeconds = t.recoveryPointMaxAgeSeconds - Math.floor((seen.now - pointMs) / 1000);
  if (leftSeconds > 0 && !logsStopped && !atLeast) return [];
  return [{ kind: 'recovery-point-old', pointMs, atLeast, alerts: [{ alert: 'DBSRecoveryPointTooOld', afterSeconds: Math.max(0, leftSeconds) }] }];
}

/** What the exporter's first DescribeRestoreTaskList read says: the simulator's tasks, merged by the collector's own function. */
export function restoreTasksAt({ seed, now, drillPattern }: SeenPlan, lookbackMs: number): RestoreTasks {
  const { plan } = seed;
  const fetchStartMs = now - lookbackMs;
  const listed = restoreTasksOf(plan.id, plan.seed, seed.restores, { startTimestamp: fetchStartMs }, now)
    .map((task) => restoreTaskAt(task, plan.id, now))
    .filter((detail) => detail !== undefined)
    .map((detail) => observeRestoreTask(restoreTaskDetailSchema.parse(detail), drillPattern));
  return mergeRestoreTasks(undefined, listed, { nowMs: now, fetchStartMs, lookbackMs });
}

/** Failed and running restores, and drills against the plan's expectations. */
export function restoreTaskFindings(seen: SeenPlan, tasks: RestoreTasks, t: RuleThresholds): PlanFinding[] {
  const { now } = seen;
  const findings: PlanFinding[] = [];
  const { lastFailure, lastSuccess } = tasks;
  if (lastFailure) {
    const succeededSince = lastSuccess !== undefined && lastSuccess.atMs >= lastFailure.atMs;
    // DBSRestoreFailed: within its window after the failure; after it, while no restore of the running plan has succeeded since.
    const leftSeconds = Math.floor(t.restoreFailedWindowSeconds - (now - lastFailure.atMs) / 1000);
    const holds = seen.running && !succeededSince;
    const alerts: PromisedAlert[] = holds || leftSeconds > 0 ? [{ alert: 'DBSRestoreFailed', afterSeconds: 0, ...(holds ? {} : { endsAfterSeconds: leftSeconds }) }] : [];
    const failed = [...tasks.tasks.values()].find((task) => task.id === lastFailure.taskId);
    const error = failed && seen.seed.restores.tasks.find((task) => task.id === failed.id)?.errMessage;
    findings.push({ kind: 'restore-failed', atMs: lastFailure.atMs, ...(error ? { error } : {}), ...(succeededSince ? { succeededMs: lastSuccess.atMs } : {}), alerts });
  }
  const running = [...tasks.tasks.values()].filter((task) => task.state === 'running' && task.createdMs !== undefined);
  if (running.length > 0) findings.push({ kind: 'restore-running', sinceMs: Math.min(...running.map((task) => task.createdMs!)), alerts: [] });
  const { restoreDrillMaxAgeMs: maxAgeMs, restoreDrillRtoMs: rtoMs } = seen.expects;
  const drill = tasks.drillLastSuccess;
  if (drill === undefined && maxAgeMs === undefined && rtoMs === undefined) return findings;
  const alerts: PromisedAlert[] = [];
  if (seen.running && maxAgeMs !== undefined) {
    // Never drilled: counted from the plan's creation. Overdue later only if no drill succeeds before then.
    const dueMs = (drill?.atMs ?? seen.seed.plan.createdAt) + maxAgeMs;
    if (dueMs <= now || !drillSucceedsBetween(seen, now, dueMs)) alerts.push({ alert: 'DBSRestoreDrillOverdue', afterSeconds: Math.max(0, Math.ceil((dueMs - now) / 1000)) });
  }
  if (seen.running && rtoMs !== undefined && drill?.durationMs !== undefined && drill.durationMs > rtoMs) alerts.push({ alert: 'DBSRestoreDrillSlow', afterSeconds: 0 });
  findings.push({
    kind: 'restore-drills',
    ...(drill ? { lastSuccessMs: drill.atMs, ...(drill.durationMs !== undefined ? { durationMs: drill.durationMs } : {}) } : {}),
    ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    ...(rtoMs !== undefined ? { rtoMs } : {}),
    alerts,
  });
  return findings;
}

/** Whether the simulator's schedule has a drill succeed after `from` and before `to`. */
function drillSucceedsBetween({ seed, drillPattern }: SeenPlan, from: number, to: number): boolean {
  const { plan } = seed;
  return restoreTasksOf(plan.id, plan.seed, seed.restores, { startTimestamp: from - DAY }, to).some(
    (task) => drillPattern.test(task.name) && task.outcome === 'finish' && task.createdAt + task.durationMs > from && task.createdAt + task.durationMs < to,
  );
}
