/**
 * The per-plan metric families, defined once as data: name, type, HELP and how to read
 * their samples from a PlanSnapshot. Two renderers use these definitions: the fast
 * snapshot renderer that /metrics serves (exposition.ts), and prom-client collectors
 * (registerFamilies below) for comparison in the benchmark and for embedding.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PlanSnapshot } from '../collector/snapshot.js';
import type { BackupTypeSummary } from '../collector/summary.js';
import { BACKUP_TYPES, type BackupType, JOB_STATES, STORAGE_CLASSES } from '../collector/status.js';
import { BACKUP_PLAN_STATUSES } from '../dbs/schemas.js';
import { PLAN_LABELS, type MetricsSource, planLabels, seconds } from './labels.js';
import { RESTORE_FAMILIES } from './restore-families.js';
import { OPERATIONS_FAMILIES } from './operations-families.js';

export type ExtraLabels = Readonly<Record<string, string>>;
export type Emit = (value: number, extra?: ExtraLabels) => void;

export interface FamilyDef {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  /** Labels beyond account, region, backup_plan_id. */
  labelNames: readonly string[];
  /**
   * Plans it covers: `listed`, every plan DBS listed (what DBS said stays true as of the last good
   * poll); `fresh`, point-in-time values, only while polls are within the max staleness; `all`,
   * also configured plans DBS did not return (the exporter's own poll series).
   */
  scope: 'listed' | 'fresh' | 'all';
  /** Its values depend on the time of the scrape (rendered per scrape, not per cycle). */
  dynamic?: boolean;
  collect(plan: PlanSnapshot, nowMs: number, emit: Emit): void;
  /**
   * For a dynamic family whose every value is `max(0, seconds(now - since))`: the `since` of
   * each sample, so the renderer can keep the labels of a snapshot and only redo the numbers.
   */
  collectSince?(plan: PlanSnapshot, emit: Emit): void;
}

const SOURCE = 'DescribeFullBackupList / DescribeIncrementBackupList';
const TYPE_EXTRA: Record<BackupType, ExtraLabels> = { full: { backup_type: 'full' }, incremental: { backup_type: 'incremental' } };

/** A family with one value per plan and backup type: seconds from `since` to the scrape (never negative). */
function perTypeElapsed(name: string, help: string, since: (summary: BackupTypeSummary) => number | undefined): FamilyDef {
  const each = (plan: PlanSnapshot, emit: Emit) => {
    for (const backupType of BACKUP_TYPES) {
      const summary = plan.types[backupType];
      if (!summary) continue;
      const t = since(summary);
      if (t !== undefined && Number.isFinite(t)) emit(t, TYPE_EXTRA[backupType]);
    }
  };
  return {
    name,
    type: 'gauge',
    help,
    labelNames: ['backup_type'],
    scope: 'listed',
    dynamic: true,
    collect(plan, nowMs, emit) {
      each(plan, (t, extra) => emit(elapsedSeconds(nowMs, t), extra));
    },
    collectSince: each,
  };
}

/** Whether a family has samples for this plan. */
export function covers(family: FamilyDef, plan: PlanSnapshot): boolean {
  return family.scope === 'all' || (family.scope === 'listed' ? plan.listed : plan.fresh);
}

/** The value of a `collectSince` sample at nowMs. */
export const elapsedSeconds = (nowMs: number, sinceMs: number): number => Math.max(0, seconds(nowMs - sinceMs));

/** A family with one optional value per plan, from what the plan list says. */
function perPlan(name: string, help: string, value: (info: PlanSnapshot['info']) => number | undefined): FamilyDef {
  return {
    name,
    type: 'gauge',
    help,
    labelNames: [],
    scope: 'listed',
    collect(plan, _now, emit) {
      const v = value(plan.info);
      if (v !== undefined) emit(v);
    },
  };
}

/** A family with one optional value per plan and backup type. */
function perType(
  name: string,
  help: string,
  value: (summary: BackupTypeSummary, nowMs: number) => number | undefined,
  options: { type?: 'gauge' | 'counter'; scope?: FamilyDef['scope'] } = {},
): FamilyDef {
  return {
    name,
    type: options.type ?? 'gauge',
    help,
    labelNames: ['backup_type'],
    scope: options.scope ?? 'listed',
    collect(plan, nowMs, emit) {
      for (const backupType of BACKUP_TYPES) {
        const summary = plan.types[backupType];
        if (!summary) continue;
        const v = value(summary, nowMs);
        if (v !== undefined && Number.isFinite(v)) emit(v, TYPE_EXTRA[backupType]);
      }
    },
  };
}

function perTypeAndKey<K extends string>(
  name: string,
  help: string,
  key: string,
  keys: readonly K[],
  values: (summary: BackupTypeSummary) => Readonly<Record<K, number>>,
): FamilyDef {
  // Label objects are built once, not per sample.
  const extras = Object.fromEntries(
    BACKUP_TYPES.map((backupType) => [backupType, keys.map((k) => ({ backup_type: backupType, [key]: k }) as ExtraLabels)]),
  ) as Record<BackupType, ExtraLabels[]>;
  return {
    name,
    type: 'gauge',
    help,
    labelNames: ['backup_type', key],
    scope: 'fresh',
    collect(plan, _nowMs, emit) {
      for (const backupType of BACKUP_TYPES) {
        const summary = plan.types[backupType];
        if (!summary) continue;
        const record = values(summary);
        keys.forEach((k, i) => emit(record[k] ?? 0, extras[backupType][i]));
      }
    },
  };
}

const STATUS_EXTRAS = BACKUP_PLAN_STATUSES.map((status) => ({ status }));

export const PLAN_FAMILIES: readonly FamilyDef[] = [
  {
    name: 'dbs_backup_plan_info',
    type: 'gauge',
    help: 'Descriptive fields of a DBS backup plan (DescribeBackupPlanList: BackupPlanName, BackupMethod, DatabaseType, SourceEndpointInstanceType, SourceEndpointInstanceID); always 1.',
    labelNames: ['backup_plan_name', 'backup_method', 'database_type', 'instance_type', 'instance_id'],
    scope: 'listed',
    collect(plan, _now, emit) {
      emit(1, {
        backup_plan_name: plan.info.name,
        backup_method: plan.info.backupMethod,
        database_type: plan.info.databaseType,
        instance_type: plan.info.instanceType,
        instance_id: plan.info.instanceId,
      });
    },
  },
  {
    name: 'dbs_backup_plan_status',
    type: 'gauge',
    help: 'Current BackupPlanStatus of the plan (DescribeBackupPlanList): 1 for the current status, 0 for the other known ones.',
    labelNames: ['status'],
    scope: 'listed',
    collect(plan, _now, emit) {
      BACKUP_PLAN_STATUSES.forEach((status, i) => emit(plan.info.status === status ? 1 : 0, STATUS_EXTRAS[i]));
      if (!(BACKUP_PLAN_STATUSES as readonly string[]).includes(plan.info.status)) emit(1, { status: plan.info.status || 'unknown' });
    },
  },
  perPlan('dbs_backup_plan_restorable_start_timestamp_seconds', 'Earliest point in time the plan can restore to (DescribeBackupPlanList BeginTimestampForRestore), Unix seconds.', (i) =>
    i.restorableStartMs !== undefined ? seconds(i.restorableStartMs) : undefined,
  ),
  perPlan('dbs_backup_plan_restorable_end_timestamp_seconds', 'Latest point in time the plan can restore to (DescribeBackupPlanList EndTimestampForRestore), Unix seconds.', (i) =>
    i.restorableEndMs !== undefined ? seconds(i.restorableEndMs) : undefined,
  ),
  perPlan(
    'dbs_backup_plan_full_backup_interval_seconds',
    "Longest gap between two scheduled full backups, from the weekdays in the plan's BackupPeriod (DescribeBackupPlanList).",
    (i) => i.fullIntervalSeconds,
  ),
  perPlan('dbs_backup_plan_create_timestamp_seconds', 'When the plan was created (DescribeBackupPlanList BackupPlanCreateTime), Unix seconds.', (i) =>
    i.createdMs !== undefined ? seconds(i.createdMs) : undefined,
  ),
  perPlan(
    'dbs_backup_plan_log_backup_enabled',
    'Whether the plan takes incremental (log) backups (DescribeBackupPlanList EnableBackupLog): 1 or 0; absent when DBS does not say.',
    (i) => (i.logBackupEnabled === undefined ? undefined : i.logBackupEnabled ? 1 : 0),
  ),
  {
    name: 'dbs_backup_history_start_timestamp_seconds',
    type: 'gauge',
    help: `Start of the backup history the exporter has read (${SOURCE} StartTimestamp of its first poll, or BackupPlanCreateTime if later), Unix seconds: no backup before it is known.`,
    labelNames: ['backup_type'],
    scope: 'listed',
    collect(plan, _now, emit) {
      for (const backupType of BACKUP_TYPES) {
        const start = plan.types[backupType]?.historyStartMs;
        if (start !== undefined) emit(seconds(Math.max(start, plan.info.createdMs ?? start)), TYPE_EXTRA[backupType]);
      }
    },
  },
  perType('dbs_backup_last_success_timestamp_seconds', `End time of the newest successful backup job (${SOURCE}: EndTime), Unix seconds.`, (s) =>
    s.lastSuccess ? seconds(s.lastSuccess.endMs) : undefined,
  ),
  perType('dbs_backup_last_failure_timestamp_seconds', `End time of the newest failed backup job (${SOURCE}: EndTime), Unix seconds.`, (s) =>
    s.lastFailureEndMs !== undefined ? seconds(s.lastFailureEndMs) : undefined,
  ),
  perTypeElapsed(
    'dbs_backup_lag_seconds',
    `Seconds from the end of the newest successful backup job (${SOURCE}: EndTime) to the time of the scrape (to the second).`,
    (s) => s.lastSuccess?.endMs,
  ),
  perType('dbs_backup_last_size_bytes', `BackupSize of the newest successful backup job (${SOURCE}), bytes.`, (s) => s.lastSuccess?.sizeBytes),
  perType('dbs_backup_last_duration_seconds', `EndTime minus StartTime of the newest successful backup job (${SOURCE}).`, (s) =>
    s.lastSuccess?.startMs !== undefined ? Math.max(0, seconds(s.lastSuccess.endMs - s.lastSuccess.startMs)) : undefined,
  ),
  perType(
    'dbs_backup_last_success_expiry_timestamp_seconds',
    `When the newest successful backup set expires (${SOURCE}: BackupSetExpiredTime), Unix seconds.`,
    (s) => (s.lastSuccess?.expiryMs !== undefined ? seconds(s.lastSuccess.expiryMs) : undefined),
  ),
  perType(
    'dbs_backup_running_since_timestamp_seconds',
    `Start time of the running backup job that has gone longest without progress (${SOURCE}: StartTime of a FILLING/running job), Unix seconds; absent when none runs.`,
    (s) => (s.running ? seconds(s.running.sinceMs) : undefined),
    { scope: 'fresh' },
  ),
  perType(
    'dbs_backup_running_last_progress_timestamp_seconds',
    `When that running job's BackupSize was last seen to grow, as observed by the exporter across polls (${SOURCE}), Unix seconds.`,
    (s) => (s.running ? seconds(s.running.lastProgressMs) : undefined),
    { scope: 'fresh' },
  ),
  perType(
    'dbs_backup_running_size_bytes',
    `BackupSize of that running job (${SOURCE}), bytes: unchanged across scrapes means no progress.`,
    (s) => s.running?.sizeBytes,
    { scope: 'fresh' },
  ),
  perTypeAndKey('dbs_backup_jobs', `Backup jobs in the exporter's tracked window by normalised state (${SOURCE}: BackupStatus).`, 'state', JOB_STATES, (s) => s.jobsByState),
  perTypeAndKey(
    'dbs_backup_sets',
    `Unexpired successful backup sets in the tracked window by StorageMethod (${SOURCE}).`,
    'storage_class',
    STORAGE_CLASSES,
    (s) => s.setsByStorage,
  ),
  perTypeAndKey(
    'dbs_backup_set_bytes',
    `Total BackupSize of unexpired successful backup sets in the tracked window by StorageMethod (${SOURCE}), bytes.`,
    'storage_class',
    STORAGE_CLASSES,
    (s) => s.setBytesByStorage,
  ),
  perType('dbs_backup_jobs_succeeded_total', `Backup jobs seen reaching success by this exporter process (${SOURCE}); each job counted once.`, (s) => s.succeededTotal, {
    type: 'counter',
  }),
  perType('dbs_backup_jobs_failed_total', `Backup jobs seen reaching failure by this exporter process (${SOURCE}); each job counted once.`, (s) => s.failedTotal, {
    type: 'counter',
  }),
  perType('dbs_backup_succeeded_bytes_total', `BackupSize of the jobs counted in dbs_backup_jobs_succeeded_total (${SOURCE}), bytes.`, (s) => s.succeededBytesTotal, {
    type: 'counter',
  }),
  ...RESTORE_FAMILIES,
  ...OPERATIONS_FAMILIES,
  {
    name: 'dbs_exporter_plan_poll_success',
    type: 'gauge',
    help: 'Whether the most recent poll of this plan (DescribeFullBackupList and DescribeIncrementBackupList) succeeded; 0 means values are the last good ones.',
    labelNames: [],
    scope: 'all',
    collect(plan, _now, emit) {
      emit(plan.pollOk ? 1 : 0);
    },
  },
  {
    name: 'dbs_exporter_plan_last_poll_success_timestamp_seconds',
    type: 'gauge',
    help: 'When this plan was last polled successfully by the exporter, Unix seconds.',
    labelNames: [],
    scope: 'all',
    collect(plan, _now, emit) {
      if (plan.lastPollSuccessMs !== undefined) emit(seconds(plan.lastPollSuccessMs));
    },
  },
];

/** The same families as prom-client collectors (one registry render per scrape: the straightforward way). */
export function registerFamilies(registry: Registry, source: MetricsSource, families: readonly FamilyDef[] = PLAN_FAMILIES): void {
  for (const family of families) {
    const config = {
      name: family.name,
      help: family.help,
      labelNames: [...PLAN_LABELS, ...family.labelNames],
      registers: [registry],
    };
    const fill = (set: (labels: Record<string, string>, value: number) => void) => {
      const nowMs = source.now();
      for (const plan of source.snapshot()?.plans ?? []) {
        if (!covers(family, plan)) continue;
        const labels = planLabels(plan);
        family.collect(plan, nowMs, (value, extra) => set(extra ? { ...labels, ...extra } : labels, value));
      }
    };
    if (family.type === 'counter') {
      new Counter({
        ...config,
        collect() {
          this.reset();
          fill((labels, value) => this.inc(labels, value));
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          fill((labels, value) => this.set(labels, value));
        },
      });
    }
  }
}
