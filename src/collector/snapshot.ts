/**
 * The finished result of a collection cycle: plain data, never mutated after it is built.
 * The HTTP server holds one snapshot at a time and swaps it whole, so a scrape never sees
 * half a cycle and never calls DBS.
 */
import type { PlanExpectations } from '../config/expectations.js';
import type { PlanInfo } from './plan-info.js';
import type { ObservedGateway } from './sources/backup-gateways.js';
import type { BackupTypeSummary } from './summary.js';
import type { SourceViews } from './sources/index.js';
import type { BackupType } from './status.js';

export interface PlanSnapshot {
  account: string;
  region: string;
  planId: string;
  info: PlanInfo;
  /** Outcome of the most recent poll of this plan. */
  pollOk: boolean;
  /** When the most recent poll ran (its outcome is pollOk); absent for a configured plan DBS did not return. */
  lastPollAttemptMs?: number;
  lastPollSuccessMs?: number;
  /** In the latest successful plan list (false for a configured plan id DBS did not return). */
  listed: boolean;
  /**
   * Polled successfully within the max staleness. A stale plan keeps what DBS said (plan status,
   * backup timestamps) but loses its point-in-time gauges (job and set counts, the running job).
   */
  fresh: boolean;
  types: Partial<Record<BackupType, BackupTypeSummary>>;
  /** What each source with a state of its own last said (restore ranges, restore tasks), by source name. */
  views: SourceViews;
  /** What the configuration declares about this plan (log backup off on purpose, drill thresholds). */
  expectations?: PlanExpectations;
}

export interface TargetSnapshot {
  account: string;
  region: string;
  /** The last discovery (DescribeBackupPlanList) succeeded. */
  up: boolean;
  /** When discovery last succeeded (the landing page shows how old the plan list is). */
  lastListingSuccessMs?: number;
  /** Plans with fresh values. */
  plans: number;
  /**
   * Plans DBS lists that the configured selection leaves out: not polled, but not gone either
   * (a plan paused out of a status filter must not look deleted).
   */
  excluded: readonly string[];
  /** The region's backup gateways (DescribeBackupGatewayList), when the exporter lists them. */
  gateways?: GatewaysSnapshot;
}

export interface GatewaySnapshot extends ObservedGateway {
  /** Plans in the exporter's plan list that name this gateway. */
  plans: number;
  /** Of those, the ones whose BackupPlanStatus is running. */
  runningPlans: number;
}

export interface GatewaysSnapshot {
  /** The last listing worked; false means these are the last good values. */
  listOk: boolean;
  lastSuccessMs?: number;
  items: readonly GatewaySnapshot[];
}

export interface Snapshot {
  completedAtMs: number;
  cycle: number;
  plans: PlanSnapshot[];
  targets: TargetSnapshot[];
}
