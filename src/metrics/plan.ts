/**
 * Plan-level families, from DescribeBackupPlanList: descriptive info, status, restore
 * window and the full-backup interval implied by the plan's schedule.
 */
import { Gauge, type Registry } from 'prom-client';
import { BACKUP_PLAN_STATUSES } from '../dbs/schemas.js';
import { type MetricsSource, PLAN_LABELS, planLabels, seconds } from './labels.js';

export function registerPlanMetrics(registry: Registry, source: MetricsSource): void {
  const freshPlans = () => (source.snapshot()?.plans ?? []).filter((p) => p.fresh);

  new Gauge({
    name: 'dbs_backup_plan_info',
    help: 'Descriptive fields of a DBS backup plan (DescribeBackupPlanList: BackupPlanName, BackupMethod, DatabaseType, SourceEndpointInstanceType, SourceEndpointInstanceID); always 1.',
    labelNames: [...PLAN_LABELS, 'backup_plan_name', 'backup_method', 'database_type', 'instance_type', 'instance_id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const plan of freshPlans()) {
        this.set(
          {
            ...planLabels(plan),
            backup_plan_name: plan.info.name,
            backup_method: plan.info.backupMethod,
            database_type: plan.info.databaseType,
            instance_type: plan.info.instanceType,
            instance_id: plan.info.instanceId,
          },
          1,
        );
      }
    },
  });

  new Gauge({
    name: 'dbs_backup_plan_status',
    help: 'Current BackupPlanStatus of the plan (DescribeBackupPlanList): 1 for the current status, 0 for the other known ones.',
    labelNames: [...PLAN_LABELS, 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const plan of freshPlans()) {
        const labels = planLabels(plan);
        for (const status of BACKUP_PLAN_STATUSES) this.set({ ...labels, status }, plan.info.status === status ? 1 : 0);
        if (!(BACKUP_PLAN_STATUSES as readonly string[]).includes(plan.info.status)) this.set({ ...labels, status: plan.info.status || 'unknown' }, 1);
      }
    },
  });

  new Gauge({
    name: 'dbs_backup_plan_restorable_start_timestamp_seconds',
    help: 'Earliest point in time the plan can restore to (DescribeBackupPlanList BeginTimestampForRestore), Unix seconds.',
    labelNames: PLAN_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const plan of freshPlans()) if (plan.info.restorableStartMs !== undefined) this.set(planLabels(plan), seconds(plan.info.restorableStartMs));
    },
  });

  new Gauge({
    name: 'dbs_backup_plan_restorable_end_timestamp_seconds',
    help: 'Latest point in time the plan can restore to (DescribeBackupPlanList EndTimestampForRestore), Unix seconds.',
    labelNames: PLAN_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const plan of freshPlans()) if (plan.info.restorableEndMs !== undefined) this.set(planLabels(plan), seconds(plan.info.restorableEndMs));
    },
  });

  new Gauge({
    name: 'dbs_backup_plan_full_backup_interval_seconds',
    help: 'Longest gap between two scheduled full backups, from the weekdays in the plan\'s BackupPeriod (DescribeBackupPlanList).',
    labelNames: PLAN_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const plan of freshPlans()) if (plan.info.fullIntervalSeconds !== undefined) this.set(planLabels(plan), plan.info.fullIntervalSeconds);
    },
  });
}
