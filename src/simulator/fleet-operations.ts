/**
 * Changes to a plan's operational state (subscription, failing fulls) and the DescribeJobErrorCode
 * answer for one job: pure helpers over a PlanState, so the Fleet's own methods stay one-liners.
 */
import type { WireFullBackupFile, WireJobErrorCode, WireRestoreTaskDetail } from '../dbs/schemas.js';
import { errorMessage, fullBackupErrorCode, restoreErrorCode, type JobErrorLanguage } from './job-errors.js';
import type { PlanState } from './plan-state.js';
import { activeWindows } from './schedule.js';
import type { BackupKind, PlanSubscription } from './model.js';

/**
 * A new subscription from `now`. A plan whose subscription had already ended keeps the gap: its
 * windows are cut at the old expiry, so a renewal resumes backups from now, not retroactively.
 */
export function applySubscription(state: PlanState, patch: Partial<PlanSubscription>, now: number): void {
  const plan = state.plan;
  const before = plan.subscription ?? { chargeType: 'POSTPAY', boughtAt: plan.createdAt, billingSupported: true };
  if (before.chargeType === 'PREPAY' && before.expiresAt !== undefined && before.expiresAt <= now) {
    for (const kind of ['full', 'incremental'] as BackupKind[]) state.windows[kind] = activeWindows(plan, state.windows[kind]).map((w) => ({ ...w }));
  }
  const next: PlanSubscription = { ...before, ...patch };
  if (next.chargeType === 'POSTPAY') {
    delete next.expiresAt;
    delete next.freeBytes;
  }
  plan.subscription = next;
}

/** Fulls that start from `from` on fail with `errorCode` (until recoverFulls). */
export function failFulls(state: PlanState, from: number, errorCode: string): void {
  const full = state.plan.full;
  const kept = (full.failures ?? []).map((f) => ({ ...f, to: Math.min(f.to, from) })).filter((f) => f.from < f.to);
  full.failures = [...kept, { from, to: Infinity, errorCode }];
}

/** Fulls that start from `now` on succeed again; `outcome: 'failed'` plans are left alone. */
export function recoverFulls(state: PlanState, now: number): void {
  const full = state.plan.full;
  if (!full.failures) return;
  full.failures = full.failures.map((f) => ({ ...f, to: Math.min(f.to, now) })).filter((f) => f.from < f.to);
}

/** Generated full ids are `<planId>-full-<day>`: the plan a generated TaskId belongs to. */
export function planIdOfGeneratedFull(taskId: string): string | undefined {
  return /^(.+)-full-(-?\d+)$/.exec(taskId)?.[1];
}

/** DescribeJobErrorCode for a full backup set: DBS's standard reason when it failed, empty otherwise. */
export function fullJobError(state: PlanState, set: WireFullBackupFile, language: JobErrorLanguage): WireJobErrorCode {
  const failed = set.BackupStatus === 'failed';
  const code = failed ? fullBackupErrorCode(state.plan, Number(set.StartTime ?? 0)) : '';
  return {
    JobId: set.BackupSetId,
    JobState: set.BackupStatus,
    JobType: 'FULL_BACKUP',
    ErrorCode: code,
    ErrorMessage: failed ? errorMessage(code, language) : '',
  };
}

/** DescribeJobErrorCode for a restore task; a stopped one failed. */
export function restoreJobError(task: WireRestoreTaskDetail, language: JobErrorLanguage): WireJobErrorCode {
  const failed = task.RestoreStatus === 'stop';
  const code = failed ? restoreErrorCode(task.ErrMessage ?? undefined) : '';
  return {
    JobId: task.RestoreTaskId,
    JobState: task.RestoreStatus,
    JobType: 'RESTORE',
    ErrorCode: code,
    ErrorMessage: failed ? errorMessage(code, language) : '',
  };
}
