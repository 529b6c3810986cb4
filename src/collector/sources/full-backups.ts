/** DescribeFullBackupList: a plan's full backup sets since the watermark, as the plan's `full` state. */
import { describeFullBackupListResponseSchema } from '../../dbs/schemas.js';
import { observeFullBackup } from '../observe.js';
import { mergeJobs, nextFetchStartMs } from '../transitions.js';
import { EVERY_CYCLE, defineJobSource } from './source.js';
import { lookbackFor } from './watermark.js';

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
