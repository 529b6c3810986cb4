/**
 * The demo guide's operational findings: a prepaid plan expiring or expired, a plan behind a backup
 * gateway that is down, backups stopped for either reason, the newest full failed with DBS's standard
 * reason, backup traffic near its free quota, unencrypted storage the configuration forbids. Read from
 * the scenario through the simulator's own pure functions, with the alerts the rules raise for each.
 */
import { fullBackupIntervalSeconds } from '../collector/status.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { isEncrypted } from '../collector/plan-info.js';
import type { RuleThresholds } from '../rules/rules.js';
import { collectSets, completedLogs } from '../simulator/backup-sets.js';
import { subscriptionOf, trafficUsed } from '../simulator/billing.js';
import { type Gateway, isDown, statusAt } from '../simulator/gateways.js';
import { errorMessage } from '../simulator/job-errors.js';
import type { PlanState } from '../simulator/plan-state.js';
import type { PromisedAlert } from './guide.js';
import { type SeenPlan, ifRunning, seconds } from './restore-findings.js';

export type OperationsFinding =
  | { kind: 'subscription-expiring'; expiresMs: number; alerts: PromisedAlert[] }
  | { kind: 'subscription-expired'; expiredMs: number; alerts: PromisedAlert[] }
  | { kind: 'gateway-down'; gatewayId: string; status: string; sinceMs: number; alerts: PromisedAlert[] }
  /** No backup since `sinceMs` (the subscription ended, or the gateway went down): lag, then an overdue full. */
  | { kind: 'backups-stopped'; sinceMs: number; alerts: PromisedAlert[] }
  | { kind: 'full-backup-failed'; errorCode: string; errorMessage: string; alerts: PromisedAlert[] }
  | { kind: 'traffic-nearly-used'; usedRatio: number; alertRatio?: number; alerts: PromisedAlert[] }
  | { kind: 'storage-unencrypted'; alerts: PromisedAlert[] };

function stateOf(seen: SeenPlan): PlanState {
  const { seed } = seen;
  return { plan: seed.plan, schedule: seed.schedule, windows: seed.windows, addedFull: [], addedIncrement: seed.increments, restores: seed.restores };
}

/** A prepaid plan within the warning: DBSBackupPlanExpiringSoon now, DBSBackupPlanExpired when it ends. */
function subscriptionFindings(seen: SeenPlan, t: RuleThresholds): OperationsFinding[] {
  const sub = seen.seed.plan.subscription;
  if (sub?.chargeType !== 'PREPAY' || sub.expiresAt === undefined) return [];
  const leftSeconds = Math.floor((sub.expiresAt - seen.now) / 1000);
  if (leftSeconds <= 0) return [{ kind: 'subscription-expired', expiredMs: sub.expiresAt, alerts: [{ alert: 'DBSBackupPlanExpired', afterSeconds: 0 }] }];
  if (leftSeconds >= t.planExpiryWarningSeconds) return [];
  return [
    {
      kind: 'subscription-expiring',
      expiresMs: sub.expiresAt,
      alerts: [
        { alert: 'DBSBackupPlanExpiringSoon', afterSeconds: 0, endsAfterSeconds: leftSeconds },
        { alert: 'DBSBackupPlanExpired', afterSeconds: leftSeconds },
      ],
    },
  ];
}

/** The plan's gateway, down now: both gateway alerts after their `for:`, the plan's own one (info) for inhibition. */
function gatewayFindings(seen: SeenPlan, gateways: readonly Gateway[], t: RuleThresholds): OperationsFinding[] {
  const gateway = gateways.find((g) => g.id === seen.seed.plan.gatewayId);
  const status = gateway && statusAt(gateway, seen.now);
  if (!gateway || !status || !isDown(status)) return [];
  const sinceMs = [...gateway.history].reverse().find((h) => h.at <= seen.now && h.status === status)?.at ?? gateway.createdAt;
  const forSeconds = seconds(parseDuration(t.gatewayDownFor));
  return [
    {
      kind: 'gateway-down',
      gatewayId: String(gateway.id),
      status,
      sinceMs,
      alerts: ifRunning(seen, [
        { alert: 'DBSBackupGatewayDown', afterSeconds: forSeconds },
        { alert: 'DBSBackupPlanGatewayDown', afterSeconds: forSeconds },
      ]),
    },
  ];
}

/**
 * Backups cut short by the subscription or the gateway: the log lag and the full's age pass their
 * limits when the time since the last success does (the rules count from the sets' EndTime).
 */
function stoppedFindings(seen: SeenPlan, stoppedMs: number | undefined, t: RuleThresholds): OperationsFinding[] {
  if (stoppedMs === undefined || !seen.running) return [];
  const state = stateOf(seen);
  const { plan } = seen.seed;
  const alerts: PromisedAlert[] = [];
  const lastLog = completedLogs(state, seen.now, 0).reduce((max, span) => Math.max(max, span.end), -Infinity);
  if (plan.incremental && Number.isFinite(lastLog)) {
    alerts.push({ alert: 'DBSIncrementalBackupLagging', backupType: 'incremental', afterSeconds: Math.max(0, t.incrementalLagSeconds - Math.floor((seen.now - lastLog) / 1000)) });
  }
  alerts.push(...fullOverdue(seen, t));
  // No full replaces the newest one any more: DBSRestoreWindowAtRisk once it is within the warning of its expiry.
  const expiry = newestFull(seen)?.BackupSetExpiredTime;
  if (expiry !== undefined) alerts.push({ alert: 'DBSRestoreWindowAtRisk', afterSeconds: Math.max(0, Math.ceil((Number(expiry) - t.expiryWarningSeconds * 1000 - seen.now) / 1000)) });
  return [{ kind: 'backups-stopped', sinceMs: stoppedMs, alerts }];
}

function newestFull(seen: SeenPlan) {
  return collectSets(stateOf(seen), 'full', {}, seen.now, 0)
    .filter((set) => set.BackupStatus === 'finish')
    .reduce<ReturnType<typeof collectSets>[number] | undefined>((newest, set) => (!newest || Number(set.EndTime) > Number(newest.EndTime) ? set : newest), undefined);
}

/** DBSFullBackupOverdue once the newest successful full is older than the factor times the plan's full interval. */
function fullOverdue(seen: SeenPlan, t: RuleThresholds): PromisedAlert[] {
  const { plan } = seen.seed;
  const lastFull = Number(newestFull(seen)?.EndTime ?? NaN);
  if (!Number.isFinite(lastFull)) return [];
  const maxAgeSeconds = t.fullBackupIntervalFactor * (fullBackupIntervalSeconds(plan.full.weekdays.join(',')) ?? t.fullBackupFallbackIntervalSeconds);
  return [{ alert: 'DBSFullBackupOverdue', backupType: 'full', afterSeconds: Math.max(0, Math.ceil(maxAgeSeconds - (seen.now - lastFull) / 1000)) }];
}

/** The newest full failed (and the ones after it will): DBSBackupJobFailed at once, quoting DBS's reason. */
function failedFullFindings(seen: SeenPlan, t: RuleThresholds): OperationsFinding[] {
  const failure = seen.seed.plan.full.failures?.find((f) => f.from <= seen.now && seen.now < f.to);
  if (!failure) return [];
  const alerts = ifRunning(seen, [{ alert: 'DBSBackupJobFailed', backupType: 'full', afterSeconds: 0 }, ...(failure.to === Infinity ? fullOverdue(seen, t) : [])]);
  return [{ kind: 'full-backup-failed', errorCode: failure.errorCode, errorMessage: errorMessage(failure.errorCode), alerts }];
}

/** Backup traffic of the month at or over the configured share of the free quota. */
function trafficFindings(seen: SeenPlan): OperationsFinding[] {
  const sub = subscriptionOf(stateOf(seen));
  if (!sub.billingSupported || sub.freeBytes === undefined) return [];
  const used = trafficUsed(stateOf(seen), seen.now);
  const usedRatio = (used.full + used.incremental) / sub.freeBytes;
  const alertRatio = seen.expects.backupTrafficAlertRatio;
  if (usedRatio < (alertRatio ?? 0.8)) return [];
  return [{ kind: 'traffic-nearly-used', usedRatio, ...(alertRatio !== undefined ? { alertRatio } : {}), alerts: alertRatio !== undefined && seen.running ? [{ alert: 'DBSBackupTrafficQuotaNearlyUsed', afterSeconds: 0 }] : [] }];
}

function encryptionFindings(seen: SeenPlan): OperationsFinding[] {
  const method = seen.seed.plan.storageEncryptMethod;
  if (method === undefined || isEncrypted(method) || !seen.expects.storageEncryptionRequired) return [];
  return [{ kind: 'storage-unencrypted', alerts: seen.running ? [{ alert: 'DBSBackupStorageUnencrypted', afterSeconds: 0 }] : [] }];
}

export function operationsFindings(seen: SeenPlan, gateways: readonly Gateway[], t: RuleThresholds): OperationsFinding[] {
  const subscription = subscriptionFindings(seen, t);
  const gateway = gatewayFindings(seen, gateways, t);
  const expired = subscription.find((f) => f.kind === 'subscription-expired');
  const down = gateway.find((f) => f.kind === 'gateway-down');
  const stoppedMs = expired?.kind === 'subscription-expired' ? expired.expiredMs : down?.kind === 'gateway-down' ? down.sinceMs : undefined;
  return [...subscription, ...gateway, ...stoppedFindings(seen, stoppedMs, t), ...failedFullFindings(seen, t), ...trafficFindings(seen), ...encryptionFindings(seen)];
}

export function describeOperationsFinding(finding: OperationsFinding, now: number): string {
  const span = (ms: number) => formatDuration(Math.max(0, Math.round(ms / 60_000)) * 60_000) || '0m';
  switch (finding.kind) {
    case 'subscription-expiring':
      return `prepaid subscription expires in ${span(finding.expiresMs - now)}`;
    case 'subscription-expired':
      return `prepaid subscription expired ${span(now - finding.expiredMs)} ago`;
    case 'gateway-down':
      return `its backup gateway ${finding.gatewayId} is ${finding.status} since ${span(now - finding.sinceMs)} ago`;
    case 'backups-stopped':
      return `no backup since ${span(now - finding.sinceMs)} ago`;
    case 'full-backup-failed':
      return `the newest full backup failed (DBS says ${finding.errorCode}: ${finding.errorMessage})`;
    case 'traffic-nearly-used':
      return `${Math.round(finding.usedRatio * 100)}% of this month's free backup traffic used${finding.alertRatio === undefined ? '' : ` (alert at ${Math.round(finding.alertRatio * 100)}%)`}`;
    case 'storage-unencrypted':
      return 'backup storage unencrypted, where the configuration requires encryption';
  }
}
