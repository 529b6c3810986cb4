/** One entry of `expectations:`: what the user declares about some plans (compiled in expectations.ts). */
import { z } from 'zod';
import { DAY_MS, duration, nonEmpty } from './fields.js';
import { planFilterSchema } from './plan-filter-schema.js';

const EXPECTATION_KEYS = ['log_backup_off', 'restore_drill_max_age', 'restore_drill_rto', 'min_retention', 'storage_encryption', 'backup_traffic_alert_ratio'] as const;

export const expectationSchema = z
  .strictObject({
    targets: z.array(nonEmpty).min(1).optional().meta({ description: 'Names of the targets it applies to; all when absent.' }),
    plans: planFilterSchema.optional().meta({ description: 'The plans it applies to (every criterion set must match); all when absent.' }),
    log_backup_off: z.literal('intended').optional().meta({ description: 'Log backup is off on purpose: DBSLogBackupDisabled does not fire for these plans.' }),
    restore_drill_max_age: duration({ min: 3_600_000, max: 400 * DAY_MS }).optional().meta({ description: 'A successful restore drill is expected at least this often (DBSRestoreDrillOverdue).' }),
    restore_drill_rto: duration({ min: 60_000, max: 30 * DAY_MS }).optional().meta({ description: 'A restore drill should take at most this long (DBSRestoreDrillSlow).' }),
    min_retention: z
      .strictObject({
        full: duration({ min: DAY_MS, max: 3650 * DAY_MS }).optional().meta({ description: 'Full backup sets are kept at least this long (BackupRetentionPeriod).' }),
        incremental: duration({ min: DAY_MS, max: 3650 * DAY_MS }).optional().meta({ description: 'Log backups are kept at least this long (LogBackupRetentionPeriod).' }),
      })
      .refine((m) => m.full !== undefined || m.incremental !== undefined, 'set at least one of full, incremental')
      .optional()
      .meta({ description: 'Policy: retention below this pages (DBSBackupRetentionBelowMinimum).' }),
    storage_encryption: z.literal('required').optional().meta({ description: 'Policy: backup storage must be encrypted (DBSBackupStorageUnencrypted).' }),
    backup_traffic_alert_ratio: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .meta({ description: 'Share of the free backup traffic of the quota period that, once used, pages (DBSBackupTrafficQuotaNearlyUsed).' }),
  })
  .refine(
    (e) => EXPECTATION_KEYS.some((key) => e[key] !== undefined),
    `set at least one of ${EXPECTATION_KEYS.join(', ')}`,
  );

