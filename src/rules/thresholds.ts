/** The thresholds every rule is written with: their defaults, and their text in a rendering. */
export interface RuleThresholds {
  /** Incremental (log) backup lag that is too much, seconds (also: no log backup known for this long). */
  incrementalLagSeconds: number;
  /** A full backup is overdue after this many times the plan's full-backup interval. */
  fullBackupIntervalFactor: number;
  /** Interval assumed when a plan's BackupPeriod is unknown, seconds. */
  fullBackupFallbackIntervalSeconds: number;
  /** A failed job pages for at least this long after it ended (and while it is the newest outcome), seconds. */
  jobFailedWindowSeconds: number;
  /** A running job whose size has not changed for this long is stalled, seconds. */
  stallSeconds: number;
  /** A plan paused, stopped, locked or in check_pass this long pages. */
  planNotRunningFor: string;
  /** A plan still in init this long after its BackupPlanCreateTime pages, seconds. */
  planInitSeconds: number;
  /** The newest successful full backup expires within this many seconds... */
  expiryWarningSeconds: number;
  /** ...and its replacement is this late (or the set expires before the next scheduled full starts), seconds. */
  expiryReplacementGraceSeconds: number;
  /** How long the rules bridge a plan's series that went missing (exporter restart, rollout). */
  seriesGapTolerance: string;
  /** A running plan that vanished from DBS's plan list pages for this long. */
  planDisappearedWindow: string;
  targetDownFor: string;
  pollFailingFor: string;
  /** Share of DBS requests answered with Throttling that counts as persistent throttling. */
  throttledRatio: number;
  throttledWindow: string;
  throttledFor: string;
  /** Selector of the exporter's own scrape job, for `up`. */
  exporterJobSelector: string;
  exporterDownFor: string;
  /** DBSRestoreGap: a hole in point-in-time restore pages until this long after it ended, seconds. */
  restoreGapRecentSeconds: number;
  /** DBSRecoveryPointTooOld: the newest point-in-time restorable moment is older than this (the RPO), seconds. */
  recoveryPointMaxAgeSeconds: number;
  /** DBSLogBackupDisabled: log backup off on a running plan this long pages (`for:`). */
  logBackupDisabledFor: string;
  /** DBSRestoreFailed: a failed restore pages for at least this long after it ended (and while it is the newest outcome), seconds. */
  restoreFailedWindowSeconds: number;
  /** DBSBackupPlanExpiringSoon: a prepaid plan's subscription ends within this many seconds. */
  planExpiryWarningSeconds: number;
  /** DBSBackupGatewayDown: a backup gateway whose last heartbeat is older than this is down, seconds. */
  gatewayHeartbeatMaxAgeSeconds: number;
  /** DBSBackupGatewayDown (and DBSBackupPlanGatewayDown): how long a gateway must be down (`for:`). */
  gatewayDownFor: string;
  runbookBaseUrl: string;
}

export const DEFAULT_THRESHOLDS: RuleThresholds = {
  incrementalLagSeconds: 2 * 3600,
  fullBackupIntervalFactor: 1.5,
  fullBackupFallbackIntervalSeconds: 7 * 86_400,
  jobFailedWindowSeconds: 3600,
  stallSeconds: 3600,
  planNotRunningFor: '30m',
  planInitSeconds: 6 * 3600,
  expiryWarningSeconds: 2 * 86_400,
  expiryReplacementGraceSeconds: 3600,
  seriesGapTolerance: '15m',
  planDisappearedWindow: '6h',
  targetDownFor: '10m',
  pollFailingFor: '15m',
  throttledRatio: 0.2,
  throttledWindow: '10m',
  throttledFor: '30m',
  exporterJobSelector: 'job="dbs-exporter"',
  exporterDownFor: '5m',
  restoreGapRecentSeconds: 86_400,
  recoveryPointMaxAgeSeconds: 3 * 3600,
  logBackupDisabledFor: '30m',
  restoreFailedWindowSeconds: 86_400,
  planExpiryWarningSeconds: 14 * 86_400,
  gatewayHeartbeatMaxAgeSeconds: 600,
  gatewayDownFor: '5m',
  runbookBaseUrl: 'https://github.com/dbs-exporter/dbs-exporter/blob/main/docs/runbooks.md',
};

/** Every threshold as the text it becomes in the rules: a value, or a placeholder for the Helm chart. */
export type ThresholdText = { [K in keyof RuleThresholds]: string };
