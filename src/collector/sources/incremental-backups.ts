/** DescribeIncrementBackupList: a plan's incremental (log) backup sets since the watermark, as the plan's `incremental` state. */
import { type IncrementBackupFile, describeIncrementBackupListResponseSchema } from '../../dbs/schemas.js';
import type { ObservedJob } from '../observe.js';
import { type JobState, normaliseStorageClass } from '../status.js';
import { mergeJobs, nextFetchStartMs } from '../transitions.js';
import { bytes, internString, millis } from '../wire-values.js';
import { EVERY_CYCLE, defineJobSource } from './source.js';
import { lookbackFor } from './watermark.js';

/** The documented BackupStatus values; anything else is `unknown` (logged once). */
const INCREMENTAL_STATES: Readonly<Record<string, JobState>> = {
  INIT: 'pending',
  FILLING: 'running',
  COMPLETED: 'succeeded',
  UNCOMPLETED: 'failed',
};

export function normaliseIncrementBackupStatus(raw: string): JobState {
  return INCREMENTAL_STATES[raw.toUpperCase()] ?? 'unknown';
}

export function observeIncrementBackup(file: IncrementBackupFile): ObservedJob {
  return {
    id: file.BackupSetId,
    rawStatus: internString(file.BackupStatus),
    state: normaliseIncrementBackupStatus(file.BackupStatus),
    startMs: millis(file.StartTime),
    endMs: millis(file.EndTime),
    sizeBytes: bytes(file.BackupSize),
    storageClass: normaliseStorageClass(file.StorageMethod),
    expiryMs: millis(file.BackupSetExpiredTime),
  };
}

export const incrementalBackups = defineJobSource({
  name: 'incremental_backups',
  action: 'DescribeIncrementBackupList',
  responseSchema: describeIncrementBackupListResponseSchema,
  schedule: EVERY_CYCLE,
  backupType: 'incremental',
  request: (planId, startMs) => ({ BackupPlanId: planId, StartTimestamp: startMs, ShowStorageType: true }),
  observe: observeIncrementBackup,
  lookbackMs: (info, settings) => lookbackFor('incremental', info.fullIntervalSeconds, settings),
  fetchStartMs: nextFetchStartMs,
  transition: mergeJobs,
});
