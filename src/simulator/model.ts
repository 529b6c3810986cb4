/**
 * The simulator's domain model of a backup plan: what DBS shows about it plus the
 * schedule its jobs are generated from. Jobs are never stored; they are derived from
 * the plan, the generation windows and the clock (see schedule.ts).
 */
import type { BackupPlanStatus, WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Index = Date#getUTCDay(). */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** BackupPeriod order DBS uses. */
export const EVERY_DAY: readonly Weekday[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export type BackupMethod = 'logical' | 'physical' | 'duplication';
export type FullBackupOutcome = 'finish' | 'failed';
export type IncrementBackupOutcome = 'COMPLETED' | 'UNCOMPLETED';

export interface FullBackupSchedule {
  /** Days with a scheduled full backup (BackupPeriod). */
  weekdays: Weekday[];
  /** Scheduled start, "HH:mm" UTC (BackupStartTime). */
  startTime: string;
  /** Typical duration; each job varies by ±15%. */
  durationMs: number;
  /** Typical size of a finished full; grows slowly with the plan's age. */
  sizeBytes: number;
  /** How a full ends once its duration has passed. */
  outcome: FullBackupOutcome;
  /** ErrMessage of a failed full. */
  errMessage?: string;
  /** DescribeJobErrorCode's ErrorCode of a failed full (see job-errors.ts); derived from errMessage when unset. */
  errorCode?: string;
  /** Stretches of StartTime in which fulls fail whatever `outcome` says, each with its standard error code. */
  failures?: FullBackupFailure[];
}

export interface FullBackupFailure {
  from: number;
  /** Infinity while the cause lasts. */
  to: number;
  errorCode: string;
}

export interface IncrementalBackupSchedule {
  /** A new log backup starts every interval; each covers one interval and is FILLING meanwhile. */
  intervalMs: number;
  /** Typical size of one increment. */
  sizeBytes: number;
  outcome: IncrementBackupOutcome;
}

/** Sets move to colder storage as they age (days since EndTime); Infinity = never. */
export interface StorageTiering {
  iaAfterDays: number;
  archiveAfterDays: number;
}

export type ChargeType = 'PREPAY' | 'POSTPAY';

/** How a plan is paid for: DescribeBackupPlanList's charge fields and DescribeBackupPlanBilling. */
export interface PlanSubscription {
  chargeType: ChargeType;
  /** PREPAY: when the subscription ends (epoch ms); DBS starts no backup at or after it. */
  expiresAt?: number;
  /** BuyCreateTimestamp (epoch ms). */
  boughtAt: number;
  /** Free backup traffic per monthly quota period (PREPAY); undefined means unlimited. */
  freeBytes?: number;
  /** false: DescribeBackupPlanBilling answers "This backupPlan can't support this action". */
  billingSupported: boolean;
}

export interface BackupPlan {
  id: string;
  name: string;
  /** BackupPlanStatus; only 'running' plans start new jobs. */
  status: BackupPlanStatus | (string & {});
  /** Region the plan lives in (the Region filter of DescribeBackupPlanList). */
  region: string;
  backupMethod: BackupMethod;
  databaseType: string;
  sourceEndpointInstanceType: string;
  sourceEndpointInstanceId: string;
  sourceEndpointRegion: string;
  sourceEndpointIpPort: string;
  instanceClass: string;
  /** BackupObjects of full sets, as DBS sends it (a JSON string). */
  backupObjects: string;
  /** Epoch ms; no job starts before this. */
  createdAt: number;
  /** BackupRetentionPeriod in days; a set expires at EndTime + retention. */
  retentionDays: number;
  full: FullBackupSchedule;
  /** Log (incremental) backups; undefined when EnableBackupLog is off. */
  incremental?: IncrementalBackupSchedule;
  storage: StorageTiering;
  /** Plan-level ErrMessage. */
  errMessage?: string;
  /** Seeds the per-job variation (jitter, sizes). */
  seed: number;
  /** Default: POSTPAY since createdAt, billing supported. */
  subscription?: PlanSubscription;
  /** BackupGatewayId of a self-managed database's backup gateway; undefined for a cloud database. */
  gatewayId?: number;
  /** StorageEncryptMethod ('sse_kms', 'sse_oss', 'none'); undefined: DBS does not send the field. */
  storageEncryptMethod?: string;
}

/** A half-open time interval [from, to) of StartTimes in which the schedule generates jobs. */
export interface Interval {
  from: number;
  to: number;
}

export type BackupKind = 'full' | 'incremental';

/** Fields a test may set on a plan after creation. */
export interface PlanPatch {
  name?: string;
  status?: BackupPlan['status'];
  region?: string;
  backupMethod?: BackupMethod;
  databaseType?: string;
  sourceEndpointInstanceType?: string;
  sourceEndpointInstanceId?: string;
  sourceEndpointRegion?: string;
  sourceEndpointIpPort?: string;
  instanceClass?: string;
  backupObjects?: string;
  retentionDays?: number;
  full?: Partial<FullBackupSchedule>;
  /** null turns log backups off. */
  incremental?: Partial<IncrementalBackupSchedule> | null;
  storage?: Partial<StorageTiering>;
  errMessage?: string;
  subscription?: Partial<PlanSubscription>;
  /** null removes the gateway. */
  gatewayId?: number | null;
  storageEncryptMethod?: string;
}

/** What addPlan accepts: every field optional; the rest comes from a healthy MySQL default. */
export interface PlanInput extends PlanPatch {
  id?: string;
  createdAt?: number;
  seed?: number;
  /** Whether the schedule generates jobs at all (default both true). */
  schedule?: ScheduleSwitch;
}

export interface ScheduleSwitch {
  full?: boolean;
  incremental?: boolean;
}

export type FullBackupInput = Partial<WireFullBackupFile>;
export type IncrementBackupInput = Partial<WireIncrementBackupFile>;
