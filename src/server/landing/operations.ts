/**
 * The landing page's view of what stops backups for operational reasons (docs/design/operational-stops.md):
 * per plan its subscription, backup traffic, backup gateway and DBS's reason for the newest failed full;
 * per target its backup gateways. Pure, built once per snapshot with the rest of the view (view.ts).
 */
import type { GatewaySnapshot, GatewaysSnapshot, PlanSnapshot } from '../../collector/snapshot.js';
import { type GatewayLookup, type OperationsThresholds, gatewayDownReason, trafficRatio } from './operations-problems.js';

/** DescribeBackupPlanBilling's traffic of the quota period, or "not applicable" (supported: false). */
export type TrafficView =
  | { supported: false }
  | {
      supported: true;
      /** Full and incremental together, when DBS sent either. */
      usedBytes?: number;
      freeBytes?: number;
      unlimited: boolean;
      /** usedBytes ÷ freeBytes, as DBSBackupTrafficQuotaNearlyUsed computes it. */
      ratio?: number;
      paidBytes?: number;
      quotaEndMs?: number;
    };

export interface PlanGatewayView {
  id: string;
  /** In the target's last gateway listing (false: the plan names a gateway DBS did not list; absent: gateways are not listed). */
  listed?: boolean;
  status?: string;
  lastHeartbeatMs?: number;
  /** DisplayName as DBS sent it: untrusted text. */
  displayName?: string;
  /** Down as DBSBackupGatewayDown reads it: OFFLINE, STOPPED, or silent too long while the listing works. */
  down: boolean;
}

export interface FailureReasonView {
  backupType: 'full';
  /** The failed job's BackupSetId. */
  jobId: string;
  failedMs: number;
  /** DBS's standard error code and message (untrusted text); both empty when DBS no longer knows the job. */
  code: string;
  message: string;
}

export interface PlanOperationsView {
  /** InstanceChargeType: PREPAY or POSTPAY. */
  chargeType?: string;
  /** When a prepaid plan's subscription ends. */
  expiresMs?: number;
  traffic?: TrafficView;
  gateway?: PlanGatewayView;
  failureReason?: FailureReasonView;
  storageEncryptMethod?: string;
  retentionDays?: number;
  logRetentionDays?: number;
}

export interface GatewayView extends GatewaySnapshot {
  down: boolean;
}

export interface GatewaysView {
  listOk: boolean;
  lastSuccessMs?: number;
  /** Down ones first, then by display name and id. */
  items: readonly GatewayView[];
}

function trafficView(plan: PlanSnapshot): TrafficView | undefined {
  const b = plan.views.billing;
  if (!b) return undefined;
  if (!b.supported) return { supported: false };
  const anyUsed = b.usedFullBytes !== undefined || b.usedIncrementalBytes !== undefined;
  return {
    supported: true,
    usedBytes: anyUsed ? (b.usedFullBytes ?? 0) + (b.usedIncrementalBytes ?? 0) : undefined,
    freeBytes: b.freeBytes,
    unlimited: b.freeUnlimited === true,
    ratio: trafficRatio(plan),
    paidBytes: b.paidBytes,
    quotaEndMs: b.quotaEndMs,
  };
}

function gatewayView(id: string | undefined, lookup: GatewayLookup | undefined, nowMs: number, t: OperationsThresholds): PlanGatewayView | undefined {
  if (id === undefined) return undefined;
  if (!lookup) return { id, down: false };
  const g = lookup.gateway;
  if (!g) return { id, listed: false, down: false };
  return { id, listed: true, status: g.status, lastHeartbeatMs: g.lastHeartbeatMs, displayName: g.displayName, down: gatewayDownReason(g, lookup.listOk, nowMs, t) !== undefined };
}

export function planOperationsView(plan: PlanSnapshot, lookup: GatewayLookup | undefined, nowMs: number, t: OperationsThresholds): PlanOperationsView {
  const { info } = plan;
  const reason = plan.views.job_errors?.full;
  return {
    chargeType: info.chargeType,
    expiresMs: info.expiresMs,
    traffic: trafficView(plan),
    gateway: gatewayView(info.gatewayId, lookup, nowMs, t),
    failureReason: reason ? { backupType: 'full', jobId: reason.jobId, failedMs: reason.endMs, code: reason.code, message: reason.message } : undefined,
    storageEncryptMethod: info.storageEncryptMethod,
    retentionDays: info.retentionDays,
    logRetentionDays: info.logRetentionDays,
  };
}

/** Each target's gateways by id, to find a plan's. */
export function gatewayIndex(gateways: GatewaysSnapshot | undefined): (id: string | undefined) => GatewayLookup | undefined {
  if (!gateways) return () => undefined;
  const byId = new Map(gateways.items.map((g) => [g.id, g]));
  return (id) => (id === undefined ? undefined : { gateway: byId.get(id), listOk: gateways.listOk });
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function gatewaysView(gateways: GatewaysSnapshot | undefined, nowMs: number, t: OperationsThresholds): GatewaysView | undefined {
  if (!gateways) return undefined;
  const items = gateways.items
    .map((g) => ({ ...g, down: gatewayDownReason(g, gateways.listOk, nowMs, t) !== undefined }))
    .sort((a, b) => Number(b.down) - Number(a.down) || compareText(a.displayName, b.displayName) || compareText(a.id, b.id));
  return { listOk: gateways.listOk, ...(gateways.lastSuccessMs !== undefined ? { lastSuccessMs: gateways.lastSuccessMs } : {}), items };
}
