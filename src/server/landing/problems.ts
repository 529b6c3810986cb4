/**
 * What is wrong with a backup plan, as the shipped alert rules (src/rules/rules.ts) would see it,
 * read from one snapshot: the landing page puts these plans first. The rules decide over time
 * (`for:` durations, values held over gaps, schedules counted from a resume); one snapshot cannot,
 * so a condition counts here as soon as it holds. Same thresholds, same conditions otherwise.
 */
import type { PlanSnapshot } from '../../collector/snapshot.js';
import type { BackupTypeSummary, PlanInfo } from '../../collector/state.js';
import { BACKUP_TYPES } from '../../collector/status.js';
import { DEFAULT_THRESHOLDS, type RuleThresholds } from '../../rules/rules.js';

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
  | 'restore_window_at_risk';

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** The alert that pages on it (its runbook has the same name). */
  alert: string;
  /** One line for a person, plain text. */
  text: string;
}

/** Thresholds the classification reads: the alert rules' own. */
export type ProblemThresholds = Pick<
  RuleThresholds,
  | 'incrementalLagSeconds'
  | 'fullBackupIntervalFactor'
  | 'fullBackupFallbackIntervalSeconds'
  | 'jobFailedWindowSeconds'
  | 'stallSeconds'
  | 'planInitSeconds'
  | 'expiryWarningSeconds'
  | 'expiryReplacementGraceSeconds'
>;

/** Statuses that page nothing: running, and wait (bought, never configured). init pages once it lasts. */
const QUIET_STATUSES: ReadonlySet<string> = new Set(['running', 'wait']);

/** A short duration for people: 45s, 12m, 5h 3m, 6h, 3d 4h. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m}m`;
  const h = Math.floor(s / 3600);
  const [big, small] = h < 48 ? [`${h}h`, Math.floor((s % 3600) / 60)] : [`${Math.floor(s / 86_400)}d`, Math.floor((s % 86_400) / 3600)];
  return small === 0 ? big : `${big} ${small}${h < 48 ? 'm' : 'h'}`;
}

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
 * its account's plan list worked (when it does not, every plan of the account is blind).
 */
export function planProblems(plan: PlanSnapshot, targetUp: boolean, nowMs: number, t: ProblemThresholds = DEFAULT_THRESHOLDS): Problem[] {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, severity: Severity, alert: string, text: string) => problems.push({ code, severity, alert, text });
  const ago = (ms: number) => formatDuration((nowMs - ms) / 1000);
  const { info } = plan;

  if (!targetUp) add('target_down', 'critical', 'DBSExporterTargetDown', `DBS plan list failing for account ${plan.account} (${plan.region}): values are the last good ones`);
  else if (!plan.listed) add('not_listed', 'warning', 'DBSExporterPlanPollFailing', 'configured plan id not returned by DBS');
  else if (!plan.pollOk) {
    const last = plan.lastPollSuccessMs === undefined ? 'never polled successfully' : `last good poll ${ago(plan.lastPollSuccessMs)} ago`;
    add('poll_failing', 'warning', 'DBSExporterPlanPollFailing', `polling this plan fails (${last})`);
  }
  if (!plan.listed) return problems;

  const status = info.status;
  const initYoung = status === 'init' && info.createdMs !== undefined && (nowMs - info.createdMs) / 1000 < t.planInitSeconds;
  if (!QUIET_STATUSES.has(status) && !initYoung) add('plan_not_running', 'warning', 'DBSBackupPlanNotRunning', `plan status is ${status || 'unknown'}: no scheduled backups run`);
  const running = status === 'running';

  const full = plan.types.full;
  const interval = fullIntervalSeconds(info, t);
  if (running && full) {
    const since = full.lastSuccess?.endMs ?? historyStartMs(full, info);
    const maxAge = t.fullBackupIntervalFactor * interval;
    if (since !== undefined && (nowMs - since) / 1000 > maxAge) {
      if (full.lastSuccess !== undefined || info.restorableStartMs !== undefined) {
        const last = full.lastSuccess ? `${ago(full.lastSuccess.endMs)} ago` : `before the ${ago(since)} the exporter can see`;
        add('full_overdue', 'critical', 'DBSFullBackupOverdue', `last successful full backup ${last}; due every ${formatDuration(interval)} (limit ${formatDuration(maxAge)})`);
      } else {
        add('no_full_backup', 'critical', 'DBSNoSuccessfulFullBackup', `no successful full backup in the ${ago(since)} the exporter can see: nothing to restore from`);
      }
    }
  }

  const lag = logBackupLag(plan, nowMs);
  if (running && lag && lag.seconds > t.incrementalLagSeconds) {
    add('log_backup_lagging', 'warning', 'DBSIncrementalBackupLagging', `no successful log backup for ${lag.atLeast ? 'at least ' : ''}${formatDuration(lag.seconds)} (limit ${formatDuration(t.incrementalLagSeconds)})`);
  }

  for (const backupType of BACKUP_TYPES) {
    const summary = plan.types[backupType];
    if (!summary) continue;
    const failedMs = summary.lastFailureEndMs;
    const logOff = backupType === 'incremental' && info.logBackupEnabled === false;
    if (failedMs !== undefined && !logOff) {
      const recent = failedMs > nowMs - t.jobFailedWindowSeconds * 1000;
      const newest = summary.lastSuccess === undefined || failedMs > summary.lastSuccess.endMs;
      if (recent || (newest && running)) {
        add('job_failed', 'warning', 'DBSBackupJobFailed', `last ${backupType} backup job failed ${ago(failedMs)} ago${newest ? ', no success since' : ''}`);
      }
    }
    const job = summary.running;
    if (job && isStalled(job, nowMs, t)) {
      add('job_stalled', 'warning', 'DBSBackupJobStalled', `${backupType} backup job running for ${ago(job.sinceMs)}, no progress for ${ago(job.lastProgressMs)}`);
    }
  }

  const newestFull = full?.lastSuccess;
  if (running && newestFull?.expiryMs !== undefined && (newestFull.expiryMs - nowMs) / 1000 < t.expiryWarningSeconds) {
    const lastStart = newestFull.startMs ?? newestFull.endMs;
    const expiresBeforeNext = newestFull.expiryMs < lastStart + interval * 1000;
    const replacementLate = (nowMs - lastStart) / 1000 > interval + t.expiryReplacementGraceSeconds && full?.running === undefined;
    if (expiresBeforeNext || replacementLate) {
      const when = newestFull.expiryMs > nowMs ? `expires in ${formatDuration((newestFull.expiryMs - nowMs) / 1000)}` : `expired ${ago(newestFull.expiryMs)} ago`;
      add('restore_window_at_risk', 'warning', 'DBSRestoreWindowAtRisk', `newest full backup set ${when}, no replacement on track`);
    }
  }

  return problems.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

const SEVERITY_RANK: Readonly<Record<Health, number>> = { critical: 0, warning: 1, ok: 2 };

/** The plan's state: its most severe problem, or ok. */
export function healthOf(problems: readonly Problem[]): Health {
  return problems.length === 0 ? 'ok' : problems[0]!.severity;
}

/** For sorting: critical before warning before ok. */
export const healthRank = (health: Health): number => SEVERITY_RANK[health];
