/**
 * What the exporter remembers about each backup plan between polls. The pieces live beside
 * this file (observe, archive, backup-type-state, transitions, summary, plan-info); this module
 * keeps the plan-level state and the import path callers already use.
 */
import type { BackupTypeState } from './backup-type-state.js';
import type { PlanInfo } from './plan-info.js';
import { normaliseFullBackupStatus } from './sources/full-backups.js';
import { normaliseIncrementBackupStatus } from './sources/incremental-backups.js';
import type { BackupType, JobState } from './status.js';

export { ArchivedJobs } from './archive.js';
export { type BackupTypeFields, BackupTypeState } from './backup-type-state.js';
export { type ObservedJob, TrackedJob } from './observe.js';
export { normaliseFullBackupStatus, observeFullBackup } from './sources/full-backups.js';
export { normaliseIncrementBackupStatus, observeIncrementBackup } from './sources/incremental-backups.js';
export type { JobOutcome } from './packed.js';
export { type PlanInfo, keepPlanInfo, planInfoFromDetail } from './plan-info.js';
export { BackupTypeSummary, type RunningJobSummary, type SummaryView, summarise, summariseUntil } from './summary.js';
export { type MergeContext, mergeJobs, nextFetchStartMs } from './transitions.js';

export interface PlanState {
  account: string;
  region: string;
  info: PlanInfo;
  byType: Partial<Record<BackupType, BackupTypeState>>;
  /** Outcome of the most recent poll of this plan. */
  lastPollOk: boolean;
  lastPollAttemptMs: number;
  lastPollSuccessMs?: number;
  /** The state of each source that keeps its own (sources/index.ts), by source name. */
  sources?: Readonly<Record<string, unknown>>;
  /** When each per-plan source (by name) last ran successfully; a source with its own interval runs again once it is due. */
  sourceRunMs?: Readonly<Record<string, number>>;
}

/** A backup job's status in the exporter's vocabulary, by the backup type that reported it. */
export function normaliseJobState(backupType: BackupType, rawStatus: string): JobState {
  return backupType === 'full' ? normaliseFullBackupStatus(rawStatus) : normaliseIncrementBackupStatus(rawStatus);
}
