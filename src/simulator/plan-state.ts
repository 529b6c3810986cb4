/**
 * One plan's record inside the fleet: the plan, its generation windows, explicit overrides of
 * its backup sets, and its restore history. Pure helpers over it; the Fleet holds the map.
 */
import type { WireBackupPlanDetail, WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';
import { EVERY_DAY, MINUTE, type BackupKind, type BackupPlan, type Interval, type PlanInput, type ScheduleSwitch } from './model.js';
import type { PlanRestores } from './restore-tasks.js';

export interface PlanState {
  plan: BackupPlan;
  schedule: Required<ScheduleSwitch>;
  windows: Record<BackupKind, Interval[]>;
  /** Sets added explicitly; static, they do not evolve with the clock. */
  addedFull: WireFullBackupFile[];
  addedIncrement: WireIncrementBackupFile[];
  /** Field overrides of generated sets, by BackupSetId. */
  patches?: Map<string, Partial<WireFullBackupFile & WireIncrementBackupFile>>;
  /** Generated sets removed by a test. */
  removed?: Set<string>;
  restores: PlanRestores;
  /** The plan's backup gateway is OFFLINE or STOPPED: no new jobs start (kept by the Fleet). */
  gatewayOffline?: boolean;
}

/** Filters of DescribeBackupPlanList. */
export interface PlanFilter {
  region?: string;
  backupPlanId?: string;
  /** Substring of BackupPlanName. */
  backupPlanName?: string;
  backupPlanStatus?: string;
}

export class UnknownPlanError extends Error {
  constructor(readonly planId: string) {
    super(`unknown backup plan ${planId}`);
    this.name = 'UnknownPlanError';
  }
}

export function matchesPlanFilter(plan: BackupPlan, filter: PlanFilter): boolean {
  return (
    (filter.region === undefined || plan.region === filter.region) &&
    (filter.backupPlanId === undefined || plan.id === filter.backupPlanId) &&
    (filter.backupPlanName === undefined || plan.name.includes(filter.backupPlanName)) &&
    (filter.backupPlanStatus === undefined || plan.status === filter.backupPlanStatus)
  );
}

export const DEFAULT_INCREMENTAL = { intervalMs: 5 * MINUTE, sizeBytes: 16 * 1024 ** 2, outcome: 'COMPLETED' } as const;

/** addPlan's defaults: a healthy daily-full MySQL plan with 5-minute log backups. */
export function planFromInput(input: PlanInput, id: string, defaults: { region: string; createdAt: number; seed: number }): BackupPlan {
  return {
    id,
    name: input.name ?? `plan-${id}`,
    status: input.status ?? 'running',
    region: input.region ?? defaults.region,
    backupMethod: input.backupMethod ?? 'logical',
    databaseType: input.databaseType ?? 'MySQL',
    sourceEndpointInstanceType: input.sourceEndpointInstanceType ?? 'RDS',
    sourceEndpointInstanceId: input.sourceEndpointInstanceId ?? `rm-${id}`,
    sourceEndpointRegion: input.sourceEndpointRegion ?? input.region ?? defaults.region,
    sourceEndpointIpPort: input.sourceEndpointIpPort ?? '10.0.0.1:3306',
    instanceClass: input.instanceClass ?? 'small',
    backupObjects: input.backupObjects ?? '[]',
    createdAt: defaults.createdAt,
    retentionDays: input.retentionDays ?? 7,
    full: { weekdays: [...EVERY_DAY], startTime: '02:00', durationMs: 30 * MINUTE, sizeBytes: 1024 ** 3, outcome: 'finish', ...input.full },
    incremental: input.incremental === null ? undefined : { ...DEFAULT_INCREMENTAL, ...input.incremental },
    storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity, ...input.storage },
    errMessage: input.errMessage,
    seed: input.seed ?? defaults.seed,
    subscription: { chargeType: 'POSTPAY', boughtAt: defaults.createdAt, billingSupported: true, ...input.subscription },
    gatewayId: input.gatewayId ?? undefined,
    storageEncryptMethod: input.storageEncryptMethod,
  };
}

/** Opens or closes the generation window of each kind to match status and switches. */
export function syncWindows(state: PlanState, kinds: readonly BackupKind[], at: number): void {
  for (const kind of kinds) {
    const shouldRun =
      state.plan.status === 'running' && !state.gatewayOffline && state.schedule[kind] && (kind === 'full' || state.plan.incremental !== undefined);
    const windows = state.windows[kind];
    const last = windows[windows.length - 1];
    const open = last !== undefined && last.to === Infinity;
    if (shouldRun && !open) windows.push({ from: at, to: Infinity });
    if (!shouldRun && open) last.to = at;
  }
}

/** The plan as DescribeBackupPlanList shows it, with its restore window (see backup-sets.ts). */
export function planDetail(plan: BackupPlan, restore: { begin: number; end: number } | undefined): WireBackupPlanDetail {
  return {
    BackupPlanId: plan.id,
    BackupPlanName: plan.name,
    BackupPlanStatus: plan.status,
    BackupMethod: plan.backupMethod,
    DatabaseType: plan.databaseType,
    SourceEndpointInstanceType: plan.sourceEndpointInstanceType,
    SourceEndpointInstanceID: plan.sourceEndpointInstanceId,
    SourceEndpointRegion: plan.sourceEndpointRegion,
    SourceEndpointIpPort: plan.sourceEndpointIpPort,
    BeginTimestampForRestore: restore?.begin ?? 0,
    EndTimestampForRestore: restore?.end ?? 0,
    BackupPeriod: plan.full.weekdays.join(','),
    BackupStartTime: plan.full.startTime,
    BackupRetentionPeriod: plan.retentionDays,
    EnableBackupLog: plan.incremental !== undefined,
    BackupStorageType: 'system',
    InstanceClass: plan.instanceClass,
    BackupPlanCreateTime: plan.createdAt,
    ErrMessage: plan.errMessage ?? '',
    BackupObjects: plan.backupObjects,
    OSSBucketName: `dbs-backup-${plan.region}-${plan.id}`,
    ...operationalFields(plan),
  };
}

/** The plan list's charge, gateway, encryption and retention fields; retention days are strings on the wire. */
function operationalFields(plan: BackupPlan): Partial<WireBackupPlanDetail> {
  const subscription = plan.subscription ?? { chargeType: 'POSTPAY' };
  const logDays = plan.incremental ? String(plan.retentionDays) : undefined;
  return {
    InstanceChargeType: subscription.chargeType,
    ...(subscription.chargeType === 'PREPAY' && subscription.expiresAt !== undefined ? { InstanceExpiredTimestamp: subscription.expiresAt } : {}),
    BackupGatewayId: plan.gatewayId ?? 0,
    ...(plan.storageEncryptMethod !== undefined ? { StorageEncryptMethod: plan.storageEncryptMethod } : {}),
    ...(logDays !== undefined ? { LogBackupRetentionPeriod: logDays, IncrementBackupRetentionPeriod: logDays } : {}),
  };
}
