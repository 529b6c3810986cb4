/** DescribeIncrementBackupList: a plan's incremental (log) backup sets since the watermark, as the plan's `incremental` state. */
import { describeIncrementBackupListResponseSchema } from '../../dbs/schemas.js';
import { observeIncrementBackup } from '../observe.js';
import { mergeJobs, nextFetchStartMs } from '../transitions.js';
import { EVERY_CYCLE, defineJobSource } from './source.js';
import { lookbackFor } from './watermark.js';

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
