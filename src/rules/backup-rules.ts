/** The backup group's rules: signals recorded per plan, then the alerts on backups, plans and the exporter. */
import { type AlertRule, PLAN, PLAN_TYPE, type RecordingRule, type RuleContext, WHERE, human } from './context.js';

/** Plan status, poll success and target health bridged over gaps; the newest success and failure; the incremental lag. */
export function backupSignals({ G, newest, bridged, remembered }: RuleContext): RecordingRule[] {
  return [
    { record: 'dbs:backup_plan_status:bridged', expr: bridged('max', 'dbs_backup_plan_status', `${PLAN}, status`) },
    { record: 'dbs:backup_plan_polled:bridged', expr: bridged('max', 'dbs_exporter_plan_poll_success', PLAN) },
    { record: 'dbs:exporter_target_up:bridged', expr: bridged('min', 'dbs_exporter_target_up', 'account, region') },
    { record: 'dbs:backup_plan_running', expr: `max by (${PLAN}) (dbs_backup_plan_status{status="running"})` },
    {
      // When the plan was last seen in another status (paused, init...): now while it is, then
      // kept (its own last value) for as long as the plan is listed.
      record: 'dbs:backup_plan_last_not_running_timestamp_seconds',
      expr: `max by (${PLAN}) (dbs:backup_plan_status:bridged{status!="running"} == 1) * 0 + time()\nor (${remembered('dbs:backup_plan_last_not_running_timestamp_seconds')} and on (${PLAN}) dbs:backup_plan_status:bridged)`,
    },
    { record: 'dbs:backup_last_success_timestamp_seconds', expr: newest('dbs:backup_last_success_timestamp_seconds', 'dbs_backup_last_success_timestamp_seconds') },
    { record: 'dbs:backup_last_failure_timestamp_seconds', expr: newest('dbs:backup_last_failure_timestamp_seconds', 'dbs_backup_last_failure_timestamp_seconds') },
    {
      record: 'dbs:backup_no_success_since_timestamp_seconds',
      expr: `dbs:backup_last_success_timestamp_seconds\nor min by (${PLAN_TYPE}) (min_over_time(dbs_backup_history_start_timestamp_seconds[${G}]))`,
    },
    {
      record: 'dbs:backup_incremental_lag_seconds',
      expr: [
        'time() - (',
        '  dbs:backup_last_success_timestamp_seconds{backup_type="incremental"}',
        `  or (dbs:backup_no_success_since_timestamp_seconds{backup_type="incremental"} and on (${PLAN}) (max by (${PLAN}) (last_over_time(dbs_backup_plan_log_backup_enabled[${G}])) == 1))`,
        `) unless on (${PLAN}) (max by (${PLAN}) (last_over_time(dbs_backup_plan_log_backup_enabled[${G}])) == 0)`,
      ].join('\n'),
    },
  ];
}

/** Full backups: age, interval, whether one exists, the running job, expiry of the newest. */
export function fullBackupSignals({ t, G, newest, runningJob }: RuleContext): RecordingRule[] {
  return [
    { record: 'dbs:backup_full_age_seconds', expr: 'time() - dbs:backup_no_success_since_timestamp_seconds{backup_type="full"}' },
    {
      record: 'dbs:backup_full_interval_seconds',
      expr: `max by (${PLAN}) (last_over_time(dbs_backup_plan_full_backup_interval_seconds[${G}]))\nor on (${PLAN}) (max by (${PLAN}) (dbs:backup_plan_status:bridged) * 0 + ${t.fullBackupFallbackIntervalSeconds})`,
    },
    { record: 'dbs:backup_full_max_age_seconds', expr: `${t.fullBackupIntervalFactor} * dbs:backup_full_interval_seconds` },
    {
      record: 'dbs:backup_full_exists',
      expr: `max by (${PLAN}) (dbs:backup_last_success_timestamp_seconds{backup_type="full"}) * 0 + 1\nor max by (${PLAN}) (last_over_time(dbs_backup_plan_restorable_start_timestamp_seconds[${G}])) * 0 + 1`,
    },
    { record: 'dbs:backup_running_size_bytes', expr: runningJob('dbs:backup_running_size_bytes', 'dbs_backup_running_size_bytes') },
    { record: 'dbs:backup_running_since_timestamp_seconds', expr: runningJob('dbs:backup_running_since_timestamp_seconds', 'dbs_backup_running_since_timestamp_seconds') },
    { record: 'dbs:backup_full_expiry_timestamp_seconds', expr: newest('dbs:backup_full_expiry_timestamp_seconds', 'dbs_backup_last_success_expiry_timestamp_seconds{backup_type="full"}', PLAN) },
    {
      record: 'dbs:backup_full_last_start_timestamp_seconds',
      expr: `max by (${PLAN}) (dbs:backup_last_success_timestamp_seconds{backup_type="full"})\n- on (${PLAN}) (max by (${PLAN}) (last_over_time(dbs_backup_last_duration_seconds{backup_type="full"}[${G}])) or max by (${PLAN}) (dbs:backup_last_success_timestamp_seconds{backup_type="full"}) * 0)`,
    },
  ];
}

/** Lag and age: DBSIncrementalBackupLagging, DBSFullBackupOverdue, DBSNoSuccessfulFullBackup. */
export function backupAgeAlerts({ t, alert, gated, runningFor }: RuleContext): AlertRule[] {
  return [
    alert('DBSIncrementalBackupLagging', {
      expr: gated('DBSIncrementalBackupLagging', `dbs:backup_incremental_lag_seconds > ${t.incrementalLagSeconds}\nand ${runningFor(t.incrementalLagSeconds)}`),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'DBS incremental (log) backups are lagging',
      description: `No successful log backup of ${WHERE} has ended in the last {{ $value | humanizeDuration }} (threshold ${human(t.incrementalLagSeconds)}; "at least" when none is known since the exporter's lookback or the plan's creation). Point-in-time restore cannot reach that period.`,
    }),
    alert('DBSFullBackupOverdue', {
      expr: gated(
        'DBSFullBackupOverdue',
        `dbs:backup_full_age_seconds > on (${PLAN}) group_left () dbs:backup_full_max_age_seconds\nand ${runningFor(`on (${PLAN}) dbs:backup_full_max_age_seconds`)}\nand on (${PLAN}) dbs:backup_full_exists`,
      ),
      for: '0m',
      labels: { severity: 'critical' },
      summary: 'No successful DBS full backup within its schedule',
      description: `No full backup of ${WHERE} has succeeded for {{ $value | humanizeDuration }}, more than ${t.fullBackupIntervalFactor} times the plan's full-backup interval (${human(t.fullBackupFallbackIntervalSeconds)} assumed when BackupPeriod is unknown).`,
    }),
    alert('DBSNoSuccessfulFullBackup', {
      expr: gated(
        'DBSNoSuccessfulFullBackup',
        `dbs:backup_full_age_seconds > on (${PLAN}) group_left () dbs:backup_full_max_age_seconds\nand ${runningFor(`on (${PLAN}) dbs:backup_full_max_age_seconds`)}\nunless on (${PLAN}) dbs:backup_full_exists`,
      ),
      for: '0m',
      labels: { severity: 'critical' },
      summary: 'A running DBS backup plan has no full backup to restore from',
      description: `DBS lists no restorable full backup of ${WHERE}, and none has succeeded in the {{ $value | humanizeDuration }} the exporter can see (since its lookback or the plan's creation). Without a full backup there is nothing to restore.`,
    }),
  ];
}

/**
 * DBS's reason for the plan's newest failed full backup (DescribeJobErrorCode), when the exporter knows it:
 * what the replicas say now, else the last said within the gap tolerance (an exporter restart).
 */
function failureReason(G: string): string {
  const selector = 'dbs_backup_last_failure_reason_info{account=%q, region=%q, backup_plan_id=%q, backup_type=%q}';
  const args = '$labels.account $labels.region $labels.backup_plan_id $labels.backup_type';
  const query = `max by (error_code, error_message) (${selector}) or on () max by (error_code, error_message) (last_over_time(${selector}[${G}]))`;
  return `{{ with printf "${query}" ${args} ${args} | query }}{{ with . | first }} DBS says: {{ .Labels.error_code }}: {{ .Labels.error_message }}{{ end }}{{ end }}`;
}

/** Job outcomes: DBSBackupJobFailed, DBSBackupJobStalled. */
export function backupJobAlerts({ t, G, alert, gated, RUNNING }: RuleContext): AlertRule[] {
  return [
    alert('DBSBackupJobFailed', {
      // After the window, only a failure that is still the newest outcome of a running plan's
      // backups pages: not one of a paused plan (NotRunning says it), nor of log backups switched off.
      expr: [
        `dbs:backup_last_failure_timestamp_seconds > time() - ${t.jobFailedWindowSeconds}`,
        'or (',
        '  dbs:backup_last_failure_timestamp_seconds > dbs:backup_last_success_timestamp_seconds',
        '  or dbs:backup_last_failure_timestamp_seconds unless dbs:backup_last_success_timestamp_seconds',
        `) and ${RUNNING}`,
        `unless on (${PLAN_TYPE}) label_replace(max by (${PLAN}) (last_over_time(dbs_backup_plan_log_backup_enabled[${G}])) == 0, "backup_type", "incremental", "", "")`,
      ].join('\n'),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS backup job failed',
      description: `The newest failed {{ $labels.backup_type }} backup job of ${WHERE} ended at {{ $value | humanizeTimestamp }}.${failureReason(G)} The alert holds for ${human(t.jobFailedWindowSeconds)} after a failure, and for as long as no later job of that type has succeeded.`,
    }),
    alert('DBSBackupJobStalled', {
      expr: gated(
        'DBSBackupJobStalled',
        [
          `time() - dbs:backup_running_since_timestamp_seconds > ${t.stallSeconds}`,
          `and on (${PLAN_TYPE}) (dbs:backup_running_size_bytes == last_over_time(dbs:backup_running_size_bytes[${G}] offset ${t.stallSeconds}s))`,
          `and on (${PLAN_TYPE}) (max_over_time(dbs:backup_running_size_bytes[${t.stallSeconds}s]) == min_over_time(dbs:backup_running_size_bytes[${t.stallSeconds}s]))`,
        ].join('\n'),
      ),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS backup job is running but not making progress',
      description: `The {{ $labels.backup_type }} backup job of ${WHERE} has been running for {{ $value | humanizeDuration }} and its size has not changed for ${human(t.stallSeconds)}.`,
    }),
  ];
}

/** The plan itself: DBSBackupPlanNotRunning, DBSRestoreWindowAtRisk, DBSBackupPlanDisappeared. */
export function planAlerts({ t, G, alert, gated, RUNNING }: RuleContext): AlertRule[] {
  return [
    alert('DBSBackupPlanNotRunning', {
      // wait: bought, never configured (not an incident); init: starting, an incident only
      // once it has lasted long past the plan's creation (DBS's own clock, so restarts don't matter).
      expr: [
        'dbs:backup_plan_status:bridged{status!~"running|wait|init"} == 1',
        'or dbs:backup_plan_status:bridged{status="init"} == 1',
        `  unless on (${PLAN}) (time() - max by (${PLAN}) (last_over_time(dbs_backup_plan_create_timestamp_seconds[${G}])) < ${t.planInitSeconds})`,
      ].join('\n'),
      for: t.planNotRunningFor,
      labels: { severity: 'warning' },
      summary: 'A DBS backup plan is not running',
      description: `Backup ${WHERE} has been in status {{ $labels.status }} for over ${t.planNotRunningFor} (init: and over ${human(t.planInitSeconds)} since it was created): it takes no scheduled backups until it runs.`,
    }),
    alert('DBSRestoreWindowAtRisk', {
      expr: gated(
        'DBSRestoreWindowAtRisk',
        [
          `dbs:backup_full_expiry_timestamp_seconds - time() < ${t.expiryWarningSeconds}`,
          `and ${RUNNING}`,
          'and (',
          `  dbs:backup_full_expiry_timestamp_seconds < on (${PLAN}) (dbs:backup_full_last_start_timestamp_seconds + on (${PLAN}) dbs:backup_full_interval_seconds)`,
          `  or on (${PLAN}) (time() - dbs:backup_full_last_start_timestamp_seconds > on (${PLAN}) (dbs:backup_full_interval_seconds + ${t.expiryReplacementGraceSeconds}))`,
          `    unless on (${PLAN}) dbs:backup_running_since_timestamp_seconds{backup_type="full"}`,
          ')',
        ].join('\n'),
      ),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'The newest DBS full backup expires with no replacement on track',
      description: `The newest successful full backup set of ${WHERE} expires in {{ $value | humanizeDuration }}, and the next full will not replace it in time (it is scheduled after the expiry, or is over ${human(t.expiryReplacementGraceSeconds)} late). Then the plan has nothing to restore from.`,
    }),
    alert('DBSBackupPlanDisappeared', {
      // A new page only while its account's plan list works and no exporter instance is down (a
      // plan missing then may just be unseen); one already firing goes on through both. A plan
      // the exporter's selection now leaves out (dbs_exporter_plan_excluded) is not gone.
      expr: [
        '(',
        `max_over_time(dbs:backup_plan_running[${t.planDisappearedWindow}]) == 1`,
        `unless on (${PLAN}) dbs:backup_plan_status:bridged`,
        `unless on (${PLAN}) max by (${PLAN}) (last_over_time(dbs_exporter_plan_excluded[${G}]))`,
        `) and on (account, region) (dbs:exporter_target_up:bridged == 1)`,
        `unless on () (max(up{${t.exporterJobSelector}} == 0))`,
        'or (',
        `max_over_time(dbs:backup_plan_running[${t.planDisappearedWindow}]) == 1`,
        `unless on (${PLAN}) dbs:backup_plan_status:bridged`,
        `unless on (${PLAN}) max by (${PLAN}) (last_over_time(dbs_exporter_plan_excluded[${G}]))`,
        `) and on (${PLAN}) ALERTS{alertname="DBSBackupPlanDisappeared", alertstate="firing"}`,
      ].join('\n'),
      for: '0m',
      labels: { severity: 'critical' },
      summary: 'A running DBS backup plan is gone from DBS',
      description: `Backup ${WHERE} was running within the last ${t.planDisappearedWindow} and DescribeBackupPlanList no longer returns it: it was deleted, released or moved. Its database is no longer backed up. The alert ends when the plan returns or ${t.planDisappearedWindow} after it left.`,
    }),
  ];
}

/** The exporter's own health. */
export function exporterAlerts({ t, alert, TARGET_DOWN }: RuleContext): AlertRule[] {
  return [
    alert('DBSExporterTargetDown', {
      expr: TARGET_DOWN,
      for: t.targetDownFor,
      labels: { severity: 'critical' },
      summary: 'dbs-exporter cannot list backup plans from DBS',
      description:
        'DescribeBackupPlanList has been failing for account {{ $labels.account }} in region {{ $labels.region }} (unreachable, forbidden, bad credentials or throttled): backup alerts for this account are blind. Pages already firing go on. Check dbs_exporter_api_requests_total by code.',
    }),
    alert('DBSExporterPlanPollFailing', {
      expr: `dbs:backup_plan_polled:bridged == 0\nunless on (account, region) ${TARGET_DOWN}`,
      for: t.pollFailingFor,
      labels: { severity: 'warning' },
      summary: 'dbs-exporter cannot poll a backup plan',
      description: `Polling the backups of ${WHERE} has been failing: its values are the last good ones and no new backup page can start for it; pages already firing go on.`,
    }),
    alert('DBSExporterThrottled', {
      expr: `sum by (account) (rate(dbs_exporter_api_requests_total{code="throttled"}[${t.throttledWindow}]))\n/ sum by (account) (rate(dbs_exporter_api_requests_total[${t.throttledWindow}]))\n> ${t.throttledRatio}`,
      for: t.throttledFor,
      labels: { severity: 'warning' },
      summary: 'DBS is throttling dbs-exporter',
      description: `{{ $value | humanizePercentage }} of DBS API requests for account {{ $labels.account }} are throttled. Lower rate_limit.requests_per_second, raise the poll interval, or shard the plans.`,
    }),
    alert('DBSExporterDown', {
      expr: `max by (job, instance) (up{${t.exporterJobSelector}}) == 0 or absent(up{${t.exporterJobSelector}})`,
      for: t.exporterDownFor,
      labels: { severity: 'critical' },
      summary: 'dbs-exporter is down or not scraped',
      description: 'Prometheus cannot scrape dbs-exporter ({{ $labels.instance }}): no new DBS backup alert can fire.',
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
