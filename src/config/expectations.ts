/**
 * What the user declares about some plans (`expectations:`): matched per plan, and exported as
 * metrics that the alert rules read, so an intended state does not page and opt-in alerts know their thresholds.
 */
import { type PlanFilter, type PlanIdentity, compilePlanFilter, matchesPlanFilter } from './plans.js';
import type { ExpectationFile } from './schema.js';

export interface PlanExpectations {
  logBackupOffIntended?: true;
  restoreDrillMaxAgeMs?: number;
  restoreDrillRtoMs?: number;
  /** Policy: the least retention of each backup type. */
  minRetentionMs?: { full?: number; incremental?: number };
  storageEncryptionRequired?: true;
  /** Share of the free backup traffic that, once used, pages. */
  backupTrafficAlertRatio?: number;
}

export interface Expectation {
  targets?: readonly string[];
  plans?: PlanFilter;
  set: PlanExpectations;
}

export function compileExpectation(file: ExpectationFile): Expectation {
  return {
    ...(file.targets ? { targets: file.targets } : {}),
    ...(file.plans ? { plans: compilePlanFilter(file.plans) } : {}),
    set: {
      ...(file.log_backup_off === 'intended' ? { logBackupOffIntended: true as const } : {}),
      ...(file.restore_drill_max_age !== undefined ? { restoreDrillMaxAgeMs: file.restore_drill_max_age } : {}),
      ...(file.restore_drill_rto !== undefined ? { restoreDrillRtoMs: file.restore_drill_rto } : {}),
      ...(file.min_retention ? { minRetentionMs: { ...file.min_retention } } : {}),
      ...(file.storage_encryption === 'required' ? { storageEncryptionRequired: true as const } : {}),
      ...(file.backup_traffic_alert_ratio !== undefined ? { backupTrafficAlertRatio: file.backup_traffic_alert_ratio } : {}),
    },
  };
}

/** Every matching expectation in order, a later one overriding an earlier key by key; undefined when none matches. */
export function expectationsFor(list: readonly Expectation[], account: string, plan: PlanIdentity): PlanExpectations | undefined {
  let merged: PlanExpectations | undefined;
  for (const expectation of list) {
    if (expectation.targets && !expectation.targets.includes(account)) continue;
    if (expectation.plans && !matchesPlanFilter(expectation.plans, plan)) continue;
    merged = { ...merged, ...expectation.set };
  }
  return merged;
}
