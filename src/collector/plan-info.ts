/** What the plan list (DescribeBackupPlanList) says about a plan, in the exporter's vocabulary. */
import type { BackupPlanDetail } from '../dbs/schemas.js';
import { fullBackupIntervalSeconds } from './status.js';
import { internString, millis } from './wire-values.js';

export interface PlanInfo {
  planId: string;
  name: string;
  status: string;
  backupMethod: string;
  databaseType: string;
  instanceType: string;
  instanceId: string;
  restorableStartMs?: number;
  restorableEndMs?: number;
  fullIntervalSeconds?: number;
  createdMs?: number;
  /** EnableBackupLog; undefined when DBS does not say. */
  logBackupEnabled?: boolean;
  /** BackupRetentionPeriod: days a backup set is kept. */
  retentionDays?: number;
  /** LogBackupRetentionPeriod (else IncrementBackupRetentionPeriod): days a log backup is kept. */
  logRetentionDays?: number;
  /** InstanceChargeType: PREPAY or POSTPAY; absent when DBS does not say. */
  chargeType?: string;
  /** InstanceExpiredTimestamp of a prepaid plan. */
  expiresMs?: number;
  /** BackupGatewayId as a decimal string (a number in the plan list, a string in the gateway list); absent: none. */
  gatewayId?: string;
  /** StorageEncryptMethod as DBS spells it; absent when DBS does not send it. */
  storageEncryptMethod?: string;
}

/** Whether StorageEncryptMethod names a method: empty and `none` (any case) mean unencrypted. */
export function isEncrypted(method: string): boolean {
  const m = method.trim().toLowerCase();
  return m !== '' && m !== 'none';
}

/** The previous info when nothing in it changed (most polls), else the new one. */
export function keepPlanInfo(previous: PlanInfo | undefined, next: PlanInfo): PlanInfo {
  if (!previous) return next;
  const keys = Object.keys(next) as Array<keyof PlanInfo>;
  if (keys.length !== Object.keys(previous).length) return next;
  for (const key of keys) if (previous[key] !== next[key]) return next;
  return previous;
}

export function planInfoFromDetail(detail: BackupPlanDetail): PlanInfo {
  const interval = fullBackupIntervalSeconds(detail.BackupPeriod);
  const begin = millis(detail.BeginTimestampForRestore);
  const end = millis(detail.EndTimestampForRestore);
  const created = millis(detail.BackupPlanCreateTime);
  const retention = detail.BackupRetentionPeriod;
  const logRetention = detail.LogBackupRetentionPeriod ?? detail.IncrementBackupRetentionPeriod;
  const chargeType = detail.InstanceChargeType ? internString(detail.InstanceChargeType) : undefined;
  const expires = millis(detail.InstanceExpiredTimestamp);
  const gateway = detail.BackupGatewayId;
  return {
    planId: detail.BackupPlanId,
    name: detail.BackupPlanName ?? '',
    status: internString(detail.BackupPlanStatus),
    backupMethod: internString(detail.BackupMethod ?? ''),
    databaseType: internString(detail.DatabaseType ?? ''),
    instanceType: internString(detail.SourceEndpointInstanceType ?? ''),
    instanceId: detail.SourceEndpointInstanceID ?? '',
    ...(begin !== undefined ? { restorableStartMs: begin } : {}),
    ...(end !== undefined ? { restorableEndMs: end } : {}),
    ...(interval !== undefined ? { fullIntervalSeconds: interval } : {}),
    ...(created !== undefined ? { createdMs: created } : {}),
    ...(detail.EnableBackupLog !== undefined ? { logBackupEnabled: detail.EnableBackupLog } : {}),
    ...(retention !== undefined && retention > 0 ? { retentionDays: retention } : {}),
    ...(logRetention !== undefined && logRetention > 0 ? { logRetentionDays: logRetention } : {}),
    ...(chargeType !== undefined ? { chargeType } : {}),
    // Only a subscription ends; a pay-as-you-go plan's field, if sent, means nothing.
    ...(expires !== undefined && chargeType?.toUpperCase() === 'PREPAY' ? { expiresMs: expires } : {}),
    ...(gateway !== undefined && gateway > 0 ? { gatewayId: internString(String(gateway)) } : {}),
    ...(detail.StorageEncryptMethod !== undefined ? { storageEncryptMethod: internString(detail.StorageEncryptMethod) } : {}),
  };
}
