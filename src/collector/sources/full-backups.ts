/** DescribeFullBackupList: a plan's full backup sets since the watermark, as the plan's `full` state. */
import { type FullBackupFile, describeFullBackupListResponseSchema } from '../../dbs/schemas.js';
import type { ObservedJob } from '../observe.js';
import { type JobState, normaliseStorageClass } from '../status.js';
import { mergeJobs, nextFetchStartMs } from '../transitions.js';
import { bytes, internString, millis } from '../wire-values.js';
import { EVERY_CYCLE, defineJobSource } from './source.js';
import { lookbackFor } from './watermark.js';

/**
 * schedule, running and finish are documented. DBS does not document its failure spellings; the
 * ones below are what the console and the DTS family use. Any other value is `unknown` (logged once), never dropped.
 */
const FULL_STATES: Readonly<Record<string, JobState>> = {
  schedule: 'pending',
  init: 'pending',
  wait: 'pending',
  running: 'running',
  check: 'running',
  finish: 'succeeded',
  failed: 'failed',
  fail: 'failed',
  error: 'failed',
};

export function normaliseFullBackupStatus(raw: string): JobState {
  return FULL_STATES[raw.toLowerCase()] ?? 'unknown';
}

export function observeFullBackup(file: FullBackupFile): ObservedJob {
  return {
    id: file.BackupSetId,
    rawStatus: internString(file.BackupStatus),
    state: normaliseFullBackupStatus(file.BackupStatus),
    startMs: millis(file.StartTime),
    endMs: millis(file.EndTime) ?? millis(file.FinishTime),
    sizeBytes: bytes(file.BackupSize),
    storageClass: normaliseStorageClass(file.StorageMethod),
    expiryMs: millis(file.BackupSetExpiredTime),
  };
}

export const fullBackups = defineJobSource({
  name: 'full_backups',
  action: 'DescribeFullBackupList',
  responseSchema: describeFullBackupListResponseSchema,
  schedule: EVERY_CYCLE,
  backupType: 'full',
  request: (planId, startMs) => ({ BackupPlanId: planId, StartTimestamp: startMs, ShowStorageType: true }),
  observe: observeFullBackup,
  lookbackMs: (info, settings) => lookbackFor('full', info.fullIntervalSeconds, settings),
  fetchStartMs: nextFetchStartMs,
  transition: mergeJobs,
});
