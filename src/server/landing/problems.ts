/**
 * What is wrong with a backup plan, as the shipped alert rules (src/rules/) would see it,
 * read from one snapshot: the landing page puts these plans first. The rules decide over time
 * (`for:` durations, values held over gaps, schedules counted from a resume); one snapshot cannot,
 * so a condition counts here as soon as it holds. Same thresholds, same conditions otherwise.
 */
import type { PlanSnapshot } from '../../collector/snapshot.js';
import type { BackupTypeSummary, PlanInfo } from '../../collector/state.js';
import { BACKUP_TYPES } from '../../collector/status.js';
import { DEFAULT_THRESHOLDS, type RuleThresholds } from '../../rules/rules.js';
import { formatDuration } from './format.js';
import { type GatewayLookup, type OperationsProblemCode, type OperationsThresholds, operationsProblems } from './operations-problems.js';

export { formatDuration };

export type Severity = 'critical' | 'warning';
export type Health = Severity | 'ok';

export type ProblemCode =
  | 'target_down'
  | 'poll_failing'
  | 'not_listed'
  | 'plan_not_running'
  | 'no_full_backup'
  | 'full_overdue'
  | 'log_backup_lagging'
  | 'job_failed'
  | 'job_stalled'
  | 'restore_window_at_risk'
  | 'recovery_point_too_old'
  | 'restore_gap'
  | 'log_backup_disabled'
  | 'restore_failed'
  | 'restore_drill_overdue'
  | 'restore_drill_slow'
  | OperationsProblemCode;

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** The alert that pages on it (its runbook has the same name). */
  alert: string;
  /** One line for a person, plain text. */
  text: string;
}

/** Thresholds the classification reads: the alert rules' own. */
export type ProblemThresholds = OperationsThresholds &
  Pick<
    RuleThresholds,
    | 'incrementalLagSeconds'
    | 'fullBackupIntervalFactor'
    | 'fullBackupFallbackIntervalSeconds'
    | 'jobFailedWindowSeconds'
    | 'stallSeconds'
    | 'planInitSeconds'
    | 'expiryWarningSeconds'
    | 'expiryReplacementGraceSeconds'
    | 'recoveryPointMaxAgeSeconds'
    | 'restoreGapRecentSeconds'
    | 'restoreFailedWindowSeconds'
  >;

/** Statuses that page nothing: running, and wait (bought, never configured). init pages once it lasts. */
const QUIET_STATUSES: ReadonlySet<string> = new Set(['running', 'wait']);

/** Start of the history the exporter has read for a backup type, as dbs_backup_history_start_timestamp_seconds. */
export function historyStartMs(summary: BackupTypeSummary, info: PlanInfo): number | undefined {
  const start = summary.historyStartMs;
  return start === undefined ? undefined : Math.max(start, info.createdMs ?? start);
}

/** The interval between full backups the rules assume: from BackupPeriod, or the fallback. */
export function fullIntervalSeconds(info: PlanInfo, t: ProblemThresholds = DEFAULT_THRESHOLDS): number {
  return info.fullIntervalSeconds ?? t.fullBackupFallbackIntervalSeconds;
}

/**
 * Log backup lag as dbs:backup_incremental_lag_seconds: since the newest successful log backup,
 * or (log backups on, none known) at least since the history start; none when log backups are off.
 */
export function logBackupLag(plan: PlanSnapshot, nowMs: number): { seconds: number; atLeast: boolean } | undefined {
  if (plan.info.logBackupEnabled === false) return undefined;
  const summary = plan.types.incremental;
  if (!summary) return undefined;
  const end = summary.lastSuccess?.endMs;
  if (end !== undefined) return { seconds: (nowMs - end) / 1000, atLeast: false };
  const start = plan.info.logBackupEnabled === true ? historyStartMs(summary, plan.info) : undefined;
  return start === undefined ? undefined : { seconds: (nowMs - start) / 1000, atLeast: true };
}

/** A running job is stalled as DBSBackupJobStalled says: running and no growth for the stall threshold. */
export function isStalled(running: NonNullable<BackupTypeSummary['running']>, nowMs: number, t: ProblemThresholds = DEFAULT_THRESHOLDS): boolean {
  return (nowMs - running.sinceMs) / 1000 > t.stallSeconds && (nowMs - running.lastProgressMs) / 1000 >= t.stallSeconds;
}

/**
 * Everything the alert rules would page on for this plan at nowMs, most severe first. `targetUp`:
 * its account's plan list worked (when it does not, every plan of the account is blind). `gateway`:
 * the plan's backup gateway in its target's last gateway listing.
 */
export function planProblems(plan: PlanSnapshot, targetUp: boolean, nowMs: number, t: ProblemThresholds = DEFAULT_THRESHOLDS, gateway?: GatewayLookup): Problem[] {
  const problems: Problem[] = [];
  const reachability = reachabilityProblem(plan, targetUp, nowMs);
  if (reachability) problems.push(reachability);
  if (!plan.listed) return problems;

  const check: PlanCheck = { plan, nowMs, t, running: plan.info.status === 'running', fullInterval: fullIntervalSeconds(plan.info, t) };
  const found = [
    planStatusProblem(check),
    fullBackupProblem(check),
    logBackupProblem(check),
    ...jobProblems(check),
    restoreWindowProblem(check),
    recoveryPointProblem(check),
    restoreGapProblem(check),
    logBackupDisabledProblem(check),
    restoreFailedProblem(check),
    ...drillProblems(check),
    ...operationsProblems(plan, gateway, nowMs, t),
  ];
  problems.push(...found.filter((p): p is Problem => p !== undefined));
  return problems.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

/** One listed plan at one instant, as each check below reads it. */
interface PlanCheck {
  plan: PlanSnapshot;
  nowMs: number;
  t: ProblemThresholds;
  /** Only a running plan's backups are expected: the rules page lag, overdue fulls and expiry for these only. */
  running: boolean;
  fullInterval: number;
}

const problem = (code: ProblemCode, severity: Severity, alert: string, text: string): Problem => ({ code, severity, alert, text });
const ago = (nowMs: number, ms: number) => formatDuration((nowMs - ms) / 1000);

/** Whether the exporter can see the plan at all: its account's plan list, the plan in it, its last poll. */
function reachabilityProblem(plan: PlanSnapshot, targetUp: boolean, nowMs: number): Problem | undefined {
  if (!targetUp) return problem('target_down', 'critical', 'DBSExporterTargetDown', `DBS plan list failing for account ${plan.account} (${plan.region}): values are the last good ones`);
  if (!plan.listed) return problem('not_listed', 'warning', 'DBSExporterPlanPollFailing', 'configured plan id not returned by DBS');
  if (!plan.pollOk) {
    const last = plan.lastPollSuccessMs === undefined ? 'never polled successfully' : `last good poll ${ago(nowMs, plan.lastPollSuccessMs)} ago`;
    return problem('poll_failing', 'warning', 'DBSExporterPlanPollFailing', `polling this plan fails (${last})`);
  }
  return undefined;
}

/** DBSBackupPlanNotRunning: a status that runs no backups, except a plan still young in init. */
function planStatusProblem({ plan: { info }, nowMs, t }: PlanCheck): Problem | undefined {
  const status = info.status;
  const initYoung = status === 'init' && info.createdMs !== undefined && (nowMs - info.createdMs) / 1000 < t.planInitSeconds;
  if (QUIET_STATUSES.has(status) || initYoung) return undefined;
  return problem('plan_not_running', 'warning', 'DBSBackupPlanNotRunning', `plan status is ${status || 'unknown'}: no scheduled backups run`);
}

/** Overdue full backup, or none at all in the visible history (nothing to restore from), which is worse to say. */
function fullBackupProblem({ plan: { info, types }, nowMs, t, running, fullInterval }: PlanCheck): Problem | undefined {
  const full = types.full;
  if (!running || !full) return undefined;
  const since = full.lastSuccess?.endMs ?? historyStartMs(full, info);
  const maxAge = t.fullBackupIntervalFactor * fullInterval;
  const overdue = since !== undefined && (nowMs - since) / 1000 > maxAge;
  if (!overdue) return undefined;
  if (full.lastSuccess !== undefined || info.restorableStartMs !== undefined) {
    const last = full.lastSuccess ? `${ago(nowMs, full.lastSuccess.endMs)} ago` : `before the ${ago(nowMs, since)} the exporter can see`;
    return problem('full_overdue', 'critical', 'DBSFullBackupOverdue', `last successful full backup ${last}; due every ${formatDuration(fullInterval)} (limit ${formatDuration(maxAge)})`);
  }
  return problem('no_full_backup', 'critical', 'DBSNoSuccessfulFullBackup', `no successful full backup in the ${ago(nowMs, since)} the exporter can see: nothing to restore from`);
}

/** DBSIncrementalBackupLagging, as the recording rule dbs:backup_incremental_lag_seconds measures it. */
function logBackupProblem({ plan, nowMs, t, running }: PlanCheck): Problem | undefined {
  const lag = logBackupLag(plan, nowMs);
  const lagging = running && lag !== undefined && lag.seconds > t.incrementalLagSeconds;
  if (!lagging) return undefined;
  return problem('log_backup_lagging', 'warning', 'DBSIncrementalBackupLagging', `no successful log backup for ${lag.atLeast ? 'at least ' : ''}${formatDuration(lag.seconds)} (limit ${formatDuration(t.incrementalLagSeconds)})`);
}

/** Failed and stalled jobs, per backup type; a failure pages while recent, or while no success followed on a running plan. */
function jobProblems({ plan, nowMs, t, running }: PlanCheck): Problem[] {
  const { info, types } = plan;
  const problems: Problem[] = [];
  for (const backupType of BACKUP_TYPES) {
    const summary = types[backupType];
    if (!summary) continue;
    const failedMs = summary.lastFailureEndMs;
    const logOff = backupType === 'incremental' && info.logBackupEnabled === false;
    if (failedMs !== undefined && !logOff) {
      const recent = failedMs > nowMs - t.jobFailedWindowSeconds * 1000;
      const newest = summary.lastSuccess === undefined || failedMs > summary.lastSuccess.endMs;
      if (recent || (newest && running)) {
        const text = `last ${backupType} backup job failed ${ago(nowMs, failedMs)} ago${newest ? ', no success since' : ''}`;
        problems.push(problem('job_failed', 'warning', 'DBSBackupJobFailed', backupType === 'full' ? text + failureReasonText(plan, failedMs, nowMs) : text));
      }
    }
    const job = summary.running;
    if (job && isStalled(job, nowMs, t)) {
      problems.push(problem('job_stalled', 'warning', 'DBSBackupJobStalled', `${backupType} backup job running for ${ago(nowMs, job.sinceMs)}, no progress for ${ago(nowMs, job.lastProgressMs)}`));
    }
  }
  return problems;
}

/**
 * DBS's reason for the failed full (DescribeJobErrorCode), as DBSBackupJobFailed's description quotes
 * it: for the failure shown, or said to be about an earlier one while the newest is not asked about yet.
 */
function failureReasonText(plan: PlanSnapshot, failedMs: number, nowMs: number): string {
  const reason = plan.views.job_errors?.full;
  if (!reason) return '';
  const said = reason.code === '' && reason.message === '' ? 'DBS gives no reason' : `DBS says ${[reason.code, reason.message].filter((s) => s !== '').join(': ')}`;
  return reason.endMs >= failedMs ? `; ${said}` : `; for an earlier failure ${ago(nowMs, reason.endMs)} ago, ${said}`;
}

/** DBSRestoreWindowAtRisk: the newest full set expires soon, and the next full will not replace it in time. */
function restoreWindowProblem({ plan: { types }, nowMs, t, running, fullInterval }: PlanCheck): Problem | undefined {
  const full = types.full;
  const newestFull = full?.lastSuccess;
  const expiryMs = newestFull?.expiryMs;
  const expiringSoon = running && newestFull !== undefined && expiryMs !== undefined && (expiryMs - nowMs) / 1000 < t.expiryWarningSeconds;
  if (!expiringSoon) return undefined;
  const lastStart = newestFull.startMs ?? newestFull.endMs;
  const expiresBeforeNext = expiryMs < lastStart + fullInterval * 1000;
  const replacementLate = (nowMs - lastStart) / 1000 > fullInterval + t.expiryReplacementGraceSeconds && full?.running === undefined;
  if (!expiresBeforeNext && !replacementLate) return undefined;
  const when = expiryMs > nowMs ? `expires in ${formatDuration((expiryMs - nowMs) / 1000)}` : `expired ${ago(nowMs, expiryMs)} ago`;
  return problem('restore_window_at_risk', 'warning', 'DBSRestoreWindowAtRisk', `newest full backup set ${when}, no replacement on track`);
}

/**
 * DBSRecoveryPointTooOld, as dbs:restore_recovery_point_age_seconds: since the end of the newest continuous
 * range, or (full backups only) at least since the window start or the plan's creation; running plans with log backup on.
 */
export function recoveryPointAge(plan: PlanSnapshot, nowMs: number): { seconds: number; atLeast: boolean } | undefined {
  const ranges = plan.views.restore_ranges;
  if (!ranges) return undefined;
  if (ranges.recoveryPointMs !== undefined) return { seconds: (nowMs - ranges.recoveryPointMs) / 1000, atLeast: false };
  if (ranges.pointRanges === 0) return undefined;
  const since = Math.max(ranges.windowStartMs, plan.info.createdMs ?? ranges.windowStartMs);
  return { seconds: (nowMs - since) / 1000, atLeast: true };
}

function recoveryPointProblem({ plan, nowMs, t, running }: PlanCheck): Problem | undefined {
  const age = running && plan.info.logBackupEnabled === true ? recoveryPointAge(plan, nowMs) : undefined;
  if (!age || age.seconds <= t.recoveryPointMaxAgeSeconds) return undefined;
  return problem(
    'recovery_point_too_old',
    'critical',
    'DBSRecoveryPointTooOld',
    `newest point-in-time restore is ${age.atLeast ? 'at least ' : ''}${formatDuration(age.seconds)} old (limit ${formatDuration(t.recoveryPointMaxAgeSeconds)})`,
  );
}

/** DBSRestoreGap: a hole in point-in-time restore that ended recently. */
function restoreGapProblem({ plan, nowMs, t }: PlanCheck): Problem | undefined {
  const gap = plan.views.restore_ranges?.newestGap;
  if (!gap || (nowMs - gap.endMs) / 1000 >= t.restoreGapRecentSeconds) return undefined;
  return problem('restore_gap', 'warning', 'DBSRestoreGap', `${formatDuration((gap.endMs - gap.startMs) / 1000)} that no point-in-time restore reaches, ended ${ago(nowMs, gap.endMs)} ago`);
}

/** DBSLogBackupDisabled: a running plan without log backup, unless the configuration says it is intended. */
function logBackupDisabledProblem({ plan, running }: PlanCheck): Problem | undefined {
  if (!running || plan.info.logBackupEnabled !== false || plan.expectations?.logBackupOffIntended) return undefined;
  return problem('log_backup_disabled', 'warning', 'DBSLogBackupDisabled', 'log backup is off: only full backups can be restored');
}

/** DBSRestoreFailed: the newest restore failed within the window, or (running plan) no restore succeeded since. */
function restoreFailedProblem({ plan, nowMs, t, running }: PlanCheck): Problem | undefined {
  const tasks = plan.views.restore_tasks;
  const failedMs = tasks?.lastFailure?.atMs;
  if (failedMs === undefined) return undefined;
  const recent = failedMs > nowMs - t.restoreFailedWindowSeconds * 1000;
  const newest = tasks?.lastSuccess === undefined || failedMs > tasks.lastSuccess.atMs;
  if (!recent && !(newest && running)) return undefined;
  return problem('restore_failed', 'warning', 'DBSRestoreFailed', `a restore failed ${ago(nowMs, failedMs)} ago${newest ? ', none succeeded since' : ''}`);
}

/** DBSRestoreDrillOverdue and DBSRestoreDrillSlow, for plans the configuration opts in (expectations:). */
function drillProblems({ plan, nowMs, running }: PlanCheck): Problem[] {
  const expected = plan.expectations;
  const drill = plan.views.restore_tasks?.drillLastSuccess;
  const problems: Problem[] = [];
  if (!running || !expected) return problems;
  const maxAgeMs = expected.restoreDrillMaxAgeMs;
  const since = drill?.atMs ?? plan.info.createdMs;
  if (maxAgeMs !== undefined && since !== undefined && nowMs - since > maxAgeMs) {
    const last = drill ? `last successful drill ${ago(nowMs, drill.atMs)} ago` : 'no successful drill';
    problems.push(problem('restore_drill_overdue', 'warning', 'DBSRestoreDrillOverdue', `${last} (expected every ${formatDuration(maxAgeMs / 1000)})`));
  }
  const rtoMs = expected.restoreDrillRtoMs;
  if (rtoMs !== undefined && drill?.durationMs !== undefined && drill.durationMs > rtoMs) {
    problems.push(problem('restore_drill_slow', 'warning', 'DBSRestoreDrillSlow', `last drill took ${formatDuration(drill.durationMs / 1000)} (RTO ${formatDuration(rtoMs / 1000)})`));
  }
  return problems;
}

const SEVERITY_RANK: Readonly<Record<Health, number>> = { critical: 0, warning: 1, ok: 2 };

/** The plan's state: its most severe problem, or ok. */
export function healthOf(problems: readonly Problem[]): Health {
  return problems.length === 0 ? 'ok' : problems[0]!.severity;
}

/** For sorting: critical before warning before ok. */
export const healthRank = (health: Health): number => SEVERITY_RANK[health];
