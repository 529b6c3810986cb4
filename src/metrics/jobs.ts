/**
 * Backup-job families, per backup_type (full, incremental), from DescribeFullBackupList
 * and DescribeIncrementBackupList as tracked by the collector. No per-backup-set labels:
 * every family is one series per plan and type (and state or storage class).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PlanSnapshot } from '../collector/snapshot.js';
import type { BackupTypeSummary } from '../collector/state.js';
import { BACKUP_TYPES, type BackupType, JOB_STATES, STORAGE_CLASSES } from '../collector/status.js';
import { type MetricsSource, PLAN_LABELS, planLabels, seconds } from './labels.js';

const TYPE_LABELS = [...PLAN_LABELS, 'backup_type'] as const;
const SOURCE = 'DescribeFullBackupList / DescribeIncrementBackupList';

type Visit = (plan: PlanSnapshot, backupType: BackupType, summary: BackupTypeSummary) => void;

function eachSummary(source: MetricsSource, visit: Visit): void {
  for (const plan of source.snapshot()?.plans ?? []) {
    if (!plan.fresh) continue;
    for (const backupType of BACKUP_TYPES) {
      const summary = plan.types[backupType];
      if (summary) visit(plan, backupType, summary);
    }
  }
}

/** A gauge with one optional value per plan and backup type. */
function perTypeGauge(
  registry: Registry,
  source: MetricsSource,
  name: string,
  help: string,
  value: (summary: BackupTypeSummary, nowMs: number) => number | undefined,
): void {
  new Gauge({
    name,
    help,
    labelNames: TYPE_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      const nowMs = source.now();
      eachSummary(source, (plan, backupType, summary) => {
        const v = value(summary, nowMs);
        if (v !== undefined && Number.isFinite(v)) this.set({ ...planLabels(plan), backup_type: backupType }, v);
      });
    },
  });
}

function perTypeCounter(registry: Registry, source: MetricsSource, name: string, help: string, value: (summary: BackupTypeSummary) => number): void {
  new Counter({
    name,
    help,
    labelNames: TYPE_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      eachSummary(source, (plan, backupType, summary) => this.inc({ ...planLabels(plan), backup_type: backupType }, value(summary)));
    },
  });
}

export function registerJobMetrics(registry: Registry, source: MetricsSource): void {
  perTypeGauge(registry, source, 'dbs_backup_last_success_timestamp_seconds', `End time of the newest successful backup job (${SOURCE}: EndTime), Unix seconds.`, (s) =>
    s.lastSuccess ? seconds(s.lastSuccess.endMs) : undefined,
  );
  perTypeGauge(registry, source, 'dbs_backup_last_failure_timestamp_seconds', `End time of the newest failed backup job (${SOURCE}: EndTime), Unix seconds.`, (s) =>
    s.lastFailureEndMs !== undefined ? seconds(s.lastFailureEndMs) : undefined,
  );
  perTypeGauge(
    registry,
    source,
    'dbs_backup_lag_seconds',
    `Seconds from the end of the newest successful backup job (${SOURCE}: EndTime) to the time of the scrape.`,
    (s, nowMs) => (s.lastSuccess ? Math.max(0, seconds(nowMs - s.lastSuccess.endMs)) : undefined),
  );
  perTypeGauge(registry, source, 'dbs_backup_last_size_bytes', `BackupSize of the newest successful backup job (${SOURCE}), bytes.`, (s) => s.lastSuccess?.sizeBytes);
  perTypeGauge(registry, source, 'dbs_backup_last_duration_seconds', `EndTime minus StartTime of the newest successful backup job (${SOURCE}).`, (s) =>
    s.lastSuccess?.startMs !== undefined ? Math.max(0, seconds(s.lastSuccess.endMs - s.lastSuccess.startMs)) : undefined,
  );
  perTypeGauge(
    registry,
    source,
    'dbs_backup_last_success_expiry_timestamp_seconds',
    `When the newest successful backup set expires (${SOURCE}: BackupSetExpiredTime), Unix seconds.`,
    (s) => (s.lastSuccess?.expiryMs !== undefined ? seconds(s.lastSuccess.expiryMs) : undefined),
  );
  perTypeGauge(
    registry,
    source,
    'dbs_backup_running_since_timestamp_seconds',
    `Start time of the newest backup job still running (${SOURCE}: StartTime of a FILLING/running job), Unix seconds; absent when none runs.`,
    (s) => (s.running ? seconds(s.running.sinceMs) : undefined),
  );
  perTypeGauge(
    registry,
    source,
    'dbs_backup_running_last_progress_timestamp_seconds',
    `When the running job's BackupSize was last seen to grow, as observed by the exporter across polls (${SOURCE}), Unix seconds.`,
    (s) => (s.running ? seconds(s.running.lastProgressMs) : undefined),
  );

  new Gauge({
    name: 'dbs_backup_jobs',
    help: `Backup jobs in the exporter's tracked window by normalised state (${SOURCE}: BackupStatus).`,
    labelNames: [...TYPE_LABELS, 'state'],
    registers: [registry],
    collect() {
      this.reset();
      eachSummary(source, (plan, backupType, summary) => {
        for (const state of JOB_STATES) this.set({ ...planLabels(plan), backup_type: backupType, state }, summary.jobsByState[state]);
      });
    },
  });

  const storageFamily = (name: string, help: string, value: (s: BackupTypeSummary) => Record<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: [...TYPE_LABELS, 'storage_class'],
      registers: [registry],
      collect() {
        this.reset();
        eachSummary(source, (plan, backupType, summary) => {
          const values = value(summary);
          for (const storageClass of STORAGE_CLASSES) this.set({ ...planLabels(plan), backup_type: backupType, storage_class: storageClass }, values[storageClass] ?? 0);
        });
      },
    });
  storageFamily('dbs_backup_sets', `Unexpired successful backup sets in the tracked window by StorageMethod (${SOURCE}).`, (s) => s.setsByStorage);
  storageFamily('dbs_backup_set_bytes', `Total BackupSize of unexpired successful backup sets in the tracked window by StorageMethod (${SOURCE}), bytes.`, (s) => s.setBytesByStorage);

  perTypeCounter(registry, source, 'dbs_backup_jobs_succeeded_total', `Backup jobs seen reaching success by this exporter process (${SOURCE}); each job counted once.`, (s) => s.succeededTotal);
  perTypeCounter(registry, source, 'dbs_backup_jobs_failed_total', `Backup jobs seen reaching failure by this exporter process (${SOURCE}); each job counted once.`, (s) => s.failedTotal);
  perTypeCounter(registry, source, 'dbs_backup_succeeded_bytes_total', `BackupSize of the jobs counted in dbs_backup_jobs_succeeded_total (${SOURCE}), bytes.`, (s) => s.succeededBytesTotal);
}
