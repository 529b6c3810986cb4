/**
 * /api/v1/status's fields for operational stops (docs/design/operational-stops.md), from the same
 * view as the page: per plan its subscription, backup traffic, backup gateway, DBS's reason for the
 * newest failed full and the settings the expectations check; per target its backup gateways.
 * Absent values are null, as in the rest of the document.
 */
import type { GatewaysView, PlanOperationsView } from './operations.js';

export interface PlanOperationsJson {
  /** Charge type (PREPAY, POSTPAY) and a prepaid plan's expiry; expiresInSeconds is negative once expired. */
  subscription: { chargeType: string | null; expiresAt: string | null; expiresInSeconds: number | null; expired: boolean | null };
  /** DescribeBackupPlanBilling, once read; applicable false: DBS says the plan has no billing of its own. */
  backupTraffic: {
    applicable: boolean;
    usedBytes: number | null;
    freeBytes: number | null;
    freeUnlimited: boolean | null;
    /** usedBytes ÷ freeBytes (full and incremental together). */
    usedRatio: number | null;
    paidBytes: number | null;
    quotaEndsAt: string | null;
  } | null;
  /** The plan's backup gateway (null: a cloud database); listed false: the gateway list does not have it, null: gateways are not listed. */
  backupGateway: {
    id: string;
    listed: boolean | null;
    status: string | null;
    displayName: string | null;
    lastHeartbeatAt: string | null;
    heartbeatAgeSeconds: number | null;
    down: boolean;
  } | null;
  /** DBS's standard reason (DescribeJobErrorCode) for the newest failed full the exporter asked about. */
  lastFailureReason: { backupType: 'full'; jobId: string; failedAt: string; errorCode: string; errorMessage: string } | null;
  storage: { encryptMethod: string | null; retentionDays: number | null; logRetentionDays: number | null };
}

export interface GatewaysJson {
  /** false: the last listing failed and these are the last good values. */
  listOk: boolean;
  lastSuccessAt: string | null;
  items: Array<{
    id: string;
    status: string;
    displayName: string;
    identifier: string;
    hostname: string;
    lastHeartbeatAt: string | null;
    heartbeatAgeSeconds: number | null;
    plans: number;
    runningPlans: number;
    down: boolean;
  }>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : iso(ms));
const ageOrNull = (ms: number | undefined, asOfMs: number) => (ms === undefined ? null : Math.round((asOfMs - ms) / 1000));

export function planOperationsJson(ops: PlanOperationsView, asOfMs: number): PlanOperationsJson {
  const { traffic, gateway, failureReason: reason } = ops;
  return {
    subscription: {
      chargeType: ops.chargeType ?? null,
      expiresAt: isoOrNull(ops.expiresMs),
      expiresInSeconds: ops.expiresMs === undefined ? null : Math.round((ops.expiresMs - asOfMs) / 1000),
      expired: ops.expiresMs === undefined ? null : ops.expiresMs <= asOfMs,
    },
    backupTraffic: !traffic
      ? null
      : !traffic.supported
        ? { applicable: false, usedBytes: null, freeBytes: null, freeUnlimited: null, usedRatio: null, paidBytes: null, quotaEndsAt: null }
        : {
            applicable: true,
            usedBytes: traffic.usedBytes ?? null,
            freeBytes: traffic.freeBytes ?? null,
            freeUnlimited: traffic.unlimited,
            usedRatio: traffic.ratio === undefined ? null : Math.round(traffic.ratio * 10_000) / 10_000,
            paidBytes: traffic.paidBytes ?? null,
            quotaEndsAt: isoOrNull(traffic.quotaEndMs),
          },
    backupGateway: gateway
      ? {
          id: gateway.id,
          listed: gateway.listed ?? null,
          status: gateway.status ?? null,
          displayName: gateway.displayName ?? null,
          lastHeartbeatAt: isoOrNull(gateway.lastHeartbeatMs),
          heartbeatAgeSeconds: ageOrNull(gateway.lastHeartbeatMs, asOfMs),
          down: gateway.down,
        }
      : null,
    lastFailureReason: reason ? { backupType: reason.backupType, jobId: reason.jobId, failedAt: iso(reason.failedMs), errorCode: reason.code, errorMessage: reason.message } : null,
    storage: { encryptMethod: ops.storageEncryptMethod ?? null, retentionDays: ops.retentionDays ?? null, logRetentionDays: ops.logRetentionDays ?? null },
  };
}

export function gatewaysJson(gateways: GatewaysView | undefined, asOfMs: number): GatewaysJson | null {
  if (!gateways) return null;
  return {
    listOk: gateways.listOk,
    lastSuccessAt: isoOrNull(gateways.lastSuccessMs),
    items: gateways.items.map((g) => ({
      id: g.id,
      status: g.status,
      displayName: g.displayName,
      identifier: g.identifier,
      hostname: g.hostname,
      lastHeartbeatAt: isoOrNull(g.lastHeartbeatMs),
      heartbeatAgeSeconds: ageOrNull(g.lastHeartbeatMs, asOfMs),
      plans: g.plans,
      runningPlans: g.runningPlans,
      down: g.down,
    })),
  };
}
