/**
 * Backups that stop for operational reasons (docs/design/operational-stops.md), as the
 * dbs-exporter.operations alert rules would page on them, read from one snapshot: a prepaid plan's
 * subscription, its free backup traffic, its backup gateway, and its settings against the
 * configured expectations (retention, storage encryption). Same thresholds as the rules; a condition
 * counts as soon as it holds (no `for:`).
 */
import { isEncrypted } from '../../collector/plan-info.js';
import type { GatewaySnapshot, PlanSnapshot } from '../../collector/snapshot.js';
import type { RuleThresholds } from '../../rules/rules.js';
import { formatDuration, formatPercent } from './format.js';

/** Thresholds these checks read: the operations rules' own (src/rules/thresholds.ts). */
export type OperationsThresholds = Pick<RuleThresholds, 'planExpiryWarningSeconds' | 'gatewayHeartbeatMaxAgeSeconds'>;

export type OperationsProblemCode = 'plan_expired' | 'plan_expiring' | 'traffic_quota_nearly_used' | 'gateway_down' | 'retention_below_minimum' | 'storage_unencrypted';

export interface OperationsProblem {
  code: OperationsProblemCode;
  severity: 'critical' | 'warning';
  alert: string;
  text: string;
}

/** The plan's backup gateway as the target's last gateway listing says it (absent: not listed, or not listed yet). */
export interface GatewayLookup {
  gateway?: GatewaySnapshot;
  /** The last listing worked: a stale heartbeat counts only then (as the rules read it). */
  listOk: boolean;
}

const DOWN_STATUSES: ReadonlySet<string> = new Set(['OFFLINE', 'STOPPED']);
const DAY_MS = 86_400_000;

/** Why the gateway stops backups, or undefined: OFFLINE or STOPPED, or (listing working) silent too long. */
export function gatewayDownReason(gateway: GatewaySnapshot, listOk: boolean, nowMs: number, t: OperationsThresholds): string | undefined {
  const silentSeconds = gateway.lastHeartbeatMs === undefined ? undefined : (nowMs - gateway.lastHeartbeatMs) / 1000;
  const silence = silentSeconds === undefined ? 'no heartbeat known' : `last heartbeat ${formatDuration(silentSeconds)} ago`;
  if (DOWN_STATUSES.has(gateway.status)) return `is ${gateway.status}, ${silence}`;
  if (listOk && silentSeconds !== undefined && silentSeconds > t.gatewayHeartbeatMaxAgeSeconds) {
    return `is ${gateway.status || 'in an unknown status'} but silent: ${silence} (limit ${formatDuration(t.gatewayHeartbeatMaxAgeSeconds)})`;
  }
  return undefined;
}

/** Used ÷ free backup traffic of the quota period, as the rules compute it; undefined when unlimited, not applicable or unknown. */
export function trafficRatio(plan: PlanSnapshot): number | undefined {
  const billing = plan.views.billing;
  if (!billing?.supported || billing.freeUnlimited || billing.freeBytes === undefined || billing.freeBytes <= 0) return undefined;
  if (billing.usedFullBytes === undefined && billing.usedIncrementalBytes === undefined) return undefined;
  return ((billing.usedFullBytes ?? 0) + (billing.usedIncrementalBytes ?? 0)) / billing.freeBytes;
}

const problem = (code: OperationsProblemCode, severity: OperationsProblem['severity'], alert: string, text: string): OperationsProblem => ({ code, severity, alert, text });

/** DBSBackupPlanExpired and DBSBackupPlanExpiringSoon: any listed prepaid plan. */
function subscriptionProblem(plan: PlanSnapshot, nowMs: number, t: OperationsThresholds): OperationsProblem | undefined {
  const expiresMs = plan.info.expiresMs;
  if (expiresMs === undefined) return undefined;
  if (expiresMs <= nowMs) {
    return problem('plan_expired', 'critical', 'DBSBackupPlanExpired', `prepaid subscription expired ${formatDuration((nowMs - expiresMs) / 1000)} ago: DBS takes no backups until it is renewed`);
  }
  if ((expiresMs - nowMs) / 1000 >= t.planExpiryWarningSeconds) return undefined;
  return problem('plan_expiring', 'warning', 'DBSBackupPlanExpiringSoon', `prepaid subscription expires in ${formatDuration((expiresMs - nowMs) / 1000)} (warning ${formatDuration(t.planExpiryWarningSeconds)} ahead): renew it or its backups stop`);
}

/** DBSBackupTrafficQuotaNearlyUsed: opt-in by backup_traffic_alert_ratio. */
function trafficProblem(plan: PlanSnapshot): OperationsProblem | undefined {
  const alertRatio = plan.expectations?.backupTrafficAlertRatio;
  const ratio = trafficRatio(plan);
  if (alertRatio === undefined || ratio === undefined || ratio < alertRatio) return undefined;
  return problem('traffic_quota_nearly_used', 'warning', 'DBSBackupTrafficQuotaNearlyUsed', `${formatPercent(ratio)} of the free backup traffic of this billing period used (alert at ${formatPercent(alertRatio)}): traffic beyond it is charged`);
}

/** DBSBackupGatewayDown, for a running plan behind it (DBSBackupPlanGatewayDown marks the plan). */
function gatewayProblem(plan: PlanSnapshot, lookup: GatewayLookup | undefined, nowMs: number, t: OperationsThresholds): OperationsProblem | undefined {
  const gateway = lookup?.gateway;
  if (plan.info.status !== 'running' || !gateway) return undefined;
  const reason = gatewayDownReason(gateway, lookup.listOk, nowMs, t);
  if (!reason) return undefined;
  const name = gateway.displayName !== '' ? ` (${gateway.displayName})` : '';
  return problem('gateway_down', 'critical', 'DBSBackupGatewayDown', `backup gateway ${gateway.id}${name} ${reason}: no backup of this plan runs until it is back`);
}

/** DBSBackupRetentionBelowMinimum: opt-in by min_retention, per backup type. */
function retentionProblems(plan: PlanSnapshot): OperationsProblem[] {
  const minimum = plan.expectations?.minRetentionMs;
  if (!minimum) return [];
  const kept: Array<[string, number | undefined, number | undefined]> = [
    ['full', plan.info.retentionDays, minimum.full],
    ['log', plan.info.logRetentionDays, minimum.incremental],
  ];
  return kept.flatMap(([what, days, minMs]) =>
    days !== undefined && minMs !== undefined && days * DAY_MS < minMs
      ? [problem('retention_below_minimum', 'warning', 'DBSBackupRetentionBelowMinimum', `${what} backups kept ${formatDuration(days * 86_400)}, less than the minimum of ${formatDuration(minMs / 1000)}`)]
      : [],
  );
}

/** DBSBackupStorageUnencrypted: opt-in by storage_encryption: required. */
function encryptionProblem(plan: PlanSnapshot): OperationsProblem | undefined {
  const method = plan.info.storageEncryptMethod;
  if (!plan.expectations?.storageEncryptionRequired || method === undefined || isEncrypted(method)) return undefined;
  return problem('storage_unencrypted', 'warning', 'DBSBackupStorageUnencrypted', `backup storage is not encrypted (StorageEncryptMethod ${method === '' ? 'empty' : method}); the configuration requires it`);
}

/** Every operational stop the rules would page on for this listed plan at nowMs. */
export function operationsProblems(plan: PlanSnapshot, lookup: GatewayLookup | undefined, nowMs: number, t: OperationsThresholds): OperationsProblem[] {
  const found = [subscriptionProblem(plan, nowMs, t), gatewayProblem(plan, lookup, nowMs, t), trafficProblem(plan), ...retentionProblems(plan), encryptionProblem(plan)];
  return found.filter((p): p is OperationsProblem => p !== undefined);
}
