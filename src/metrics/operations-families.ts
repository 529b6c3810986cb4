/**
 * The families of backups that stop for operational reasons: the subscription, storage and
 * retention facts of the plan list, backup traffic (DescribeBackupPlanBilling), DBS's reason for the
 * newest failed full (DescribeJobErrorCode), and the policy the configuration declares.
 * Defined as data, like families.ts. Design: docs/design/operational-stops.md
 */
import type { PlanSnapshot } from '../collector/snapshot.js';
import type { BackupBilling } from '../collector/sources/index.js';
import { isEncrypted } from '../collector/plan-info.js';
import type { FamilyDef } from './families.js';
import { seconds } from './labels.js';
import { perPlan } from './restore-families.js';

const PLANS = 'DescribeBackupPlanList';
const BILLING = 'DescribeBackupPlanBilling';
const DAY_SECONDS = 86_400;

const billing = (plan: PlanSnapshot): Extract<BackupBilling, { supported: true }> | undefined => {
  const b = plan.views.billing;
  return b?.supported ? b : undefined;
};
const at = (ms: number | undefined) => (ms !== undefined ? seconds(ms) : undefined);

const FULL = { backup_type: 'full' } as const;
const INCREMENTAL = { backup_type: 'incremental' } as const;

/** One value per backup type: full and incremental, each when known. */
function perType(name: string, help: string, full: (p: PlanSnapshot) => number | undefined, incremental: (p: PlanSnapshot) => number | undefined): FamilyDef {
  return {
    name,
    type: 'gauge',
    help,
    labelNames: ['backup_type'],
    scope: 'listed',
    collect(plan, _now, emit) {
      const f = full(plan);
      const i = incremental(plan);
      if (f !== undefined && Number.isFinite(f)) emit(f, FULL);
      if (i !== undefined && Number.isFinite(i)) emit(i, INCREMENTAL);
    },
  };
}

export const OPERATIONS_FAMILIES: readonly FamilyDef[] = [
  perPlan('dbs_backup_plan_expiry_timestamp_seconds', `When a prepaid plan's subscription ends (${PLANS} InstanceExpiredTimestamp), Unix seconds; PREPAY plans only.`, (p) => at(p.info.expiresMs)),
  {
    name: 'dbs_backup_plan_settings_info',
    type: 'gauge',
    help: `Settings of the plan (${PLANS} InstanceChargeType, StorageEncryptMethod, BackupGatewayId as a decimal string); empty when DBS does not say; always 1.`,
    labelNames: ['charge_type', 'storage_encrypt_method', 'backup_gateway_id'],
    scope: 'listed',
    collect(plan, _now, emit) {
      emit(1, { charge_type: plan.info.chargeType ?? '', storage_encrypt_method: plan.info.storageEncryptMethod ?? '', backup_gateway_id: plan.info.gatewayId ?? '' });
    },
  },
  perPlan('dbs_backup_plan_storage_encrypted', `Whether backup storage is encrypted (${PLANS} StorageEncryptMethod names a method; empty or none is 0); absent when DBS does not send it.`, (p) =>
    p.info.storageEncryptMethod === undefined ? undefined : isEncrypted(p.info.storageEncryptMethod) ? 1 : 0,
  ),
  perType(
    'dbs_backup_retention_seconds',
    `How long backups are kept (${PLANS}: full BackupRetentionPeriod; incremental LogBackupRetentionPeriod, else IncrementBackupRetentionPeriod; days as seconds).`,
    (p) => (p.info.retentionDays !== undefined ? p.info.retentionDays * DAY_SECONDS : undefined),
    (p) => (p.info.logRetentionDays !== undefined ? p.info.logRetentionDays * DAY_SECONDS : undefined),
  ),
  perPlan('dbs_backup_billing_supported', `Whether ${BILLING} applies to the plan: 0 when DBS answers "This backupPlan can't support this action" (not applicable, not a failure).`, (p) =>
    p.views.billing === undefined ? undefined : p.views.billing.supported ? 1 : 0,
  ),
  perPlan('dbs_backup_traffic_free_bytes', `Free backup traffic of the current quota period (${BILLING} TotalFreeBytes), bytes; absent when unlimited.`, (p) => billing(p)?.freeBytes),
  perPlan('dbs_backup_traffic_free_unlimited', `Whether the free backup traffic is unlimited (${BILLING} IsFreeBytesUnlimited): 1 or 0.`, (p) => {
    const unlimited = billing(p)?.freeUnlimited;
    return unlimited === undefined ? undefined : unlimited ? 1 : 0;
  }),
  perType(
    'dbs_backup_traffic_used_bytes',
    `Backup traffic used in the current quota period (${BILLING}: full UsedFullBytes, incremental UsedIncrementBytes), bytes.`,
    (p) => billing(p)?.usedFullBytes,
    (p) => billing(p)?.usedIncrementalBytes,
  ),
  perPlan('dbs_backup_traffic_paid_bytes', `Backup traffic paid for beyond the free amount in the current quota period (${BILLING} PaiedBytes), bytes.`, (p) => billing(p)?.paidBytes),
  perPlan('dbs_backup_traffic_quota_start_timestamp_seconds', `Start of the current quota period (${BILLING} QuotaStartTimestamp), Unix seconds.`, (p) => at(billing(p)?.quotaStartMs)),
  perPlan('dbs_backup_traffic_quota_end_timestamp_seconds', `End of the current quota period (${BILLING} QuotaEndTimestamp), Unix seconds.`, (p) => at(billing(p)?.quotaEndMs)),
  perType(
    'dbs_backup_billing_storage_bytes',
    `Backup storage the plan is billed for (${BILLING}: full FullStorageSize, incremental ContStorageSize), bytes.`,
    (p) => billing(p)?.fullStorageBytes,
    (p) => billing(p)?.continuousStorageBytes,
  ),
  {
    name: 'dbs_backup_last_failure_reason_info',
    type: 'gauge',
    help: 'DBS\'s standard reason for the newest failed backup job the exporter asked about (DescribeJobErrorCode ErrorCode and ErrorMessage, cut to 200 characters); always 1.',
    labelNames: ['backup_type', 'error_code', 'error_message'],
    scope: 'listed',
    collect(plan, _now, emit) {
      const reason = plan.views.job_errors?.full;
      if (reason && (reason.code !== '' || reason.message !== '')) emit(1, { backup_type: 'full', error_code: reason.code, error_message: reason.message });
    },
  },
  perType(
    'dbs_backup_retention_minimum_seconds',
    'Least retention the policy asks for (the exporter configuration: expectations min_retention), seconds; absent when not configured.',
    (p) => at(p.expectations?.minRetentionMs?.full),
    (p) => at(p.expectations?.minRetentionMs?.incremental),
  ),
  perPlan('dbs_backup_plan_storage_encryption_required', 'The policy asks for encrypted backup storage (the exporter configuration: expectations storage_encryption: required); 1, absent otherwise.', (p) =>
    p.expectations?.storageEncryptionRequired ? 1 : undefined,
  ),
  perPlan('dbs_backup_traffic_alert_ratio', 'Share of the free backup traffic that, once used, pages (the exporter configuration: expectations backup_traffic_alert_ratio); absent when not configured.', (p) =>
    p.expectations?.backupTrafficAlertRatio,
  ),
];
