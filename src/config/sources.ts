/**
 * The `collection:` blocks of the sources that can be tuned or turned off, one per DBS action
 * beyond the job listings (collector/sources/). Turning one off is how a least-privilege account
 * leaves its action out of the RAM policy.
 */
import { z } from 'zod';
import { MAX_TIMER_MS } from './duration.js';
import { DAY_MS, duration, validRegex } from './fields.js';


const restoreRangesSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Read DescribeRestoreRangeInfo (point-in-time restore continuity) for every plan.' }),
    interval: duration({ min: 1_000, max: MAX_TIMER_MS }).prefault('15m').meta({ description: "How often each plan's restorable ranges are read." }),
    window: duration({ min: DAY_MS, max: 400 * DAY_MS })
      .prefault('7d')
      .meta({ description: "Window asked for when a plan does not say its BackupRetentionPeriod (otherwise the plan's retention is the window)." }),
  })
  .meta({ description: 'Restorable time ranges and their gaps (DescribeRestoreRangeInfo).' });

const restoreTasksSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Read DescribeRestoreTaskList (restores and restore drills) for every plan.' }),
    interval: duration({ min: 1_000, max: MAX_TIMER_MS }).prefault('5m').meta({ description: "How often each plan's restore tasks are read (from the newest seen)." }),
    lookback: duration({ min: DAY_MS, max: 400 * DAY_MS })
      .prefault('35d')
      .meta({ description: 'History of restore tasks read on the first poll, and the window dbs_restore_tasks counts over: longer than the longest drill interval.' }),
    drill_name_regex: z
      .string()
      .superRefine(validRegex)
      .default('drill')
      .meta({ description: 'Restore tasks whose RestoreTaskName matches this JavaScript regular expression (case-insensitive, unanchored) are restore drills.' }),
  })
  .meta({ description: 'Restore tasks and restore drills (DescribeRestoreTaskList).' });


const billingSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Read DescribeBackupPlanBilling (backup traffic quota) for every plan.' }),
    interval: duration({ min: 1_000, max: MAX_TIMER_MS }).prefault('1h').meta({ description: "How often each plan's billing and backup traffic are read." }),
  })
  .meta({ description: 'Backup traffic of the quota period (DescribeBackupPlanBilling); plans that do not support it are reported as not applicable.' });

const gatewaysSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: "Read DescribeBackupGatewayList (one listing per target's region per cycle)." }),
  })
  .meta({ description: 'Backup gateways of self-managed databases: status and last heartbeat (DescribeBackupGatewayList).' });

const jobErrorsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Ask DescribeJobErrorCode why a newly failed full backup failed.' }),
    max_per_cycle: z.number().int().min(1).max(10_000).default(20).meta({ description: 'At most this many DescribeJobErrorCode calls per collection cycle over all plans; the rest are asked next cycle.' }),
    language: z.enum(['en', 'cn']).default('en').meta({ description: 'Language of the error message DBS returns.' }),
  })
  .meta({ description: 'Why the newest failed full backup of each plan failed (DescribeJobErrorCode): one call per new failure.' });

/** Every tunable source's block, spread into `collection:`. */
export const SOURCE_SCHEMAS = {
  restore_ranges: restoreRangesSchema.prefault({}),
  restore_tasks: restoreTasksSchema.prefault({}),
  billing: billingSchema.prefault({}),
  gateways: gatewaysSchema.prefault({}),
  job_errors: jobErrorsSchema.prefault({}),
};
