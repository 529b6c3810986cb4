/**
 * Restore: can the plan be restored, and to when (DescribeRestoreRangeInfo, DescribeRestoreTaskList).
 * Their own group, so it records its own inputs: it reads no record of dbs-exporter.alerts.
 */
import { type AlertRule, PLAN, type RecordingRule, type RuleContext, WHERE, human } from './context.js';


/** The restore group's plan is listed (0 or 1) for as long as this is present. */
const LISTED = 'dbs:restore_plan_running:bridged';
const RESTORE_RUNNING = `on (${PLAN}) (${LISTED} == 1)`;

/** A per-plan value of another series, looked up when the alert's annotations are rendered. */
const queried = (record: string, fn: 'humanizeDuration' | 'humanizeTimestamp') =>
  `{{ with printf "${record}{account=%q, region=%q, backup_plan_id=%q}" $labels.account $labels.region $labels.backup_plan_id | query }}{{ . | first | value | ${fn} }}{{ end }}`;

/**
 * The restore group's versions of newest() and of a held current value: over a gap the newest (or
 * last) any replica said; once none says it any more, the record's own last value while the plan is listed.
 */
function restoreHelpers({ G, remembered, bridged }: RuleContext) {
  return {
    newest: (record: string, metric: string) => `max by (${PLAN}) (max_over_time(${metric}[${G}]))\nor (${remembered(record)} and on (${PLAN}) ${LISTED})`,
    latest: (record: string, metric: string) => `${bridged('max', metric, PLAN)}\nor (${remembered(record)} and on (${PLAN}) ${LISTED})`,
  };
}

/** Plan state, log backup, and the restore ranges: the recovery point's age and the newest gap. */
export function restoreSignals(c: RuleContext): RecordingRule[] {
  const { G, bridged, remembered } = c;
  const { newest, latest } = restoreHelpers(c);
  const last = (metric: string) => `max by (${PLAN}) (last_over_time(${metric}[${G}]))`;
  return [
    { record: LISTED, expr: bridged('max', 'dbs_backup_plan_status{status="running"}', PLAN) },
    { record: 'dbs:restore_log_backup_enabled:bridged', expr: bridged('max', 'dbs_backup_plan_log_backup_enabled', PLAN) },
    {
      // When the plan was last seen not running, or running without log backup: the recovery
      // point stood still on purpose then, so its age counts again from then.
      record: 'dbs:restore_log_backup_last_off_timestamp_seconds',
      expr: `max by (${PLAN}) (${LISTED} == 0 or dbs:restore_log_backup_enabled:bridged == 0) * 0 + time()\nor (${remembered('dbs:restore_log_backup_last_off_timestamp_seconds')} and on (${PLAN}) ${LISTED})`,
    },
    { record: 'dbs:restore_recovery_point_timestamp_seconds', expr: newest('dbs:restore_recovery_point_timestamp_seconds', 'dbs_restore_recovery_point_timestamp_seconds') },
    {
      // With no continuous range known at all while DBS lists restorable points (a full, but no
      // log chain from it): at least since the window DBS was asked about, or the plan's creation.
      record: 'dbs:restore_recovery_point_age_seconds',
      expr: [
        'time() - (',
        '  dbs:restore_recovery_point_timestamp_seconds',
        `  or on (${PLAN}) (`,
        `    (${last('dbs_restore_window_start_timestamp_seconds')} > on (${PLAN}) ${last('dbs_backup_plan_create_timestamp_seconds')}`,
        `    or on (${PLAN}) ${last('dbs_backup_plan_create_timestamp_seconds')})`,
        `    and on (${PLAN}) ((${bridged('max', 'dbs_restore_ranges{range_type="range"}', PLAN).replace('\n', ' ')}) == 0)`,
        `    and on (${PLAN}) ((${bridged('max', 'dbs_restore_ranges{range_type="point"}', PLAN).replace('\n', ' ')}) > 0)`,
        '  )',
        ')',
      ].join('\n'),
    },
    { record: 'dbs:restore_newest_gap_end_timestamp_seconds', expr: newest('dbs:restore_newest_gap_end_timestamp_seconds', 'dbs_restore_newest_gap_end_timestamp_seconds') },
    { record: 'dbs:restore_newest_gap_seconds', expr: latest('dbs:restore_newest_gap_seconds', 'dbs_restore_newest_gap_seconds') },
  ];
}

/** Restore tasks and drills: newest outcomes, the newest drill's duration, the opt-in expectations. */
export function restoreTaskSignals(c: RuleContext): RecordingRule[] {
  const { bridged } = c;
  const { newest, latest } = restoreHelpers(c);
  const timestamps = ['restore_last_success', 'restore_last_failure', 'restore_drill_last_success'];
  return [
    ...timestamps.map((name) => ({ record: `dbs:${name}_timestamp_seconds`, expr: newest(`dbs:${name}_timestamp_seconds`, `dbs_${name}_timestamp_seconds`) })),
    { record: 'dbs:restore_drill_last_success_duration_seconds', expr: latest('dbs:restore_drill_last_success_duration_seconds', 'dbs_restore_drill_last_success_duration_seconds') },
    { record: 'dbs:restore_drill_max_age_seconds', expr: bridged('max', 'dbs_restore_drill_max_age_seconds', PLAN) },
    { record: 'dbs:restore_drill_rto_seconds', expr: bridged('max', 'dbs_restore_drill_rto_seconds', PLAN) },
  ];
}

/** What can be restored: DBSRestoreGap, DBSRecoveryPointTooOld, DBSLogBackupDisabled. */
export function restorePointAlerts({ t, G, alert, gated }: RuleContext): AlertRule[] {
  const rpo = t.recoveryPointMaxAgeSeconds;
  return [
    alert('DBSRestoreGap', {
      expr: `dbs:restore_newest_gap_seconds\nand on (${PLAN}) (time() - dbs:restore_newest_gap_end_timestamp_seconds < ${t.restoreGapRecentSeconds})`,
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'Point-in-time restore of a DBS backup plan has a gap',
      description: `Point-in-time restore of ${WHERE} has a gap of {{ $value | humanizeDuration }}, ending at ${queried('dbs:restore_newest_gap_end_timestamp_seconds', 'humanizeTimestamp')}: no moment in it can be restored to. The alert holds for ${human(t.restoreGapRecentSeconds)} after the gap ended.`,
    }),
    alert('DBSRecoveryPointTooOld', {
      // One cause with DBSIncrementalBackupLagging (log backups stopped) is one page: Alertmanager
      // inhibits the lag warning while this fires (docs/design/alerts.md).
      expr: gated(
        'DBSRecoveryPointTooOld',
        [
          `dbs:restore_recovery_point_age_seconds > ${rpo}`,
          `and ${RESTORE_RUNNING}`,
          `and on (${PLAN}) (dbs:restore_log_backup_enabled:bridged == 1)`,
          `unless on (${PLAN}) (time() - dbs:restore_log_backup_last_off_timestamp_seconds < ${rpo})`,
        ].join('\n'),
      ),
      for: '0m',
      labels: { severity: 'critical' },
      summary: 'The newest point-in-time restorable moment of a DBS backup plan is too old',
      description: `The newest moment ${WHERE} can be restored to is {{ $value | humanizeDuration }} ago (recovery point objective ${human(rpo)}; "at least" when DBS lists no continuous restore range in the plan's retention window). A restore now loses everything written since.`,
    }),
    alert('DBSLogBackupDisabled', {
      expr: [
        'dbs:restore_log_backup_enabled:bridged == 0',
        `and ${RESTORE_RUNNING}`,
        `unless on (${PLAN}) ((max by (${PLAN}) (dbs_backup_plan_log_backup_off_intended) or max by (${PLAN}) (last_over_time(dbs_backup_plan_log_backup_off_intended[${G}]))) == 1)`,
      ].join('\n'),
      for: t.logBackupDisabledFor,
      labels: { severity: 'warning' },
      summary: 'Log backup is off on a running DBS backup plan',
      description: `Log backup (EnableBackupLog) of running ${WHERE} has been off for over ${t.logBackupDisabledFor}: only its full backups can be restored, no moment between them. If that is intended, declare it in the exporter's configuration (expectations: log_backup_off: intended).`,
    }),
  ];
}

/** Restore tasks and drills: DBSRestoreFailed, DBSRestoreDrillOverdue, DBSRestoreDrillSlow. */
export function restoreTaskAlerts({ t, G, alert, gated }: RuleContext): AlertRule[] {
  return [
    alert('DBSRestoreFailed', {
      // After the window, only a failure that is still the newest outcome of a running plan's restores.
      expr: [
        `dbs:restore_last_failure_timestamp_seconds > time() - ${t.restoreFailedWindowSeconds}`,
        'or (',
        '  dbs:restore_last_failure_timestamp_seconds > dbs:restore_last_success_timestamp_seconds',
        '  or dbs:restore_last_failure_timestamp_seconds unless dbs:restore_last_success_timestamp_seconds',
        `) and ${RESTORE_RUNNING}`,
      ].join('\n'),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS restore task failed',
      description: `The newest restore task of ${WHERE} failed; it ended at {{ $value | humanizeTimestamp }}. The alert holds for ${human(t.restoreFailedWindowSeconds)} after a failure, and, while the plan runs, for as long as no later restore has succeeded.`,
    }),
    alert('DBSRestoreDrillOverdue', {
      // Opt-in: only plans with dbs_restore_drill_max_age_seconds. Never drilled: counted from the plan's creation.
      expr: gated(
        'DBSRestoreDrillOverdue',
        [
          '(',
          '  time() - dbs:restore_drill_last_success_timestamp_seconds',
          `  or on (${PLAN}) (time() - max by (${PLAN}) (last_over_time(dbs_backup_plan_create_timestamp_seconds[${G}])) unless on (${PLAN}) dbs:restore_drill_last_success_timestamp_seconds)`,
          `) > on (${PLAN}) dbs:restore_drill_max_age_seconds`,
          `and ${RESTORE_RUNNING}`,
        ].join('\n'),
      ),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'No successful DBS restore drill within its maximum age',
      description: `No restore drill of ${WHERE} has succeeded for {{ $value | humanizeDuration }} (since the plan's creation when none is known), more than the ${queried('dbs:restore_drill_max_age_seconds', 'humanizeDuration')} configured for it. Its backups are not known to restore.`,
    }),
    alert('DBSRestoreDrillSlow', {
      // Opt-in: only plans with dbs_restore_drill_rto_seconds.
      expr: `dbs:restore_drill_last_success_duration_seconds > on (${PLAN}) dbs:restore_drill_rto_seconds\nand ${RESTORE_RUNNING}`,
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'The newest DBS restore drill took longer than the RTO',
      description: `The newest successful restore drill of ${WHERE} took {{ $value | humanizeDuration }}, longer than the recovery time objective of ${queried('dbs:restore_drill_rto_seconds', 'humanizeDuration')} configured for it. The alert ends when a drill succeeds within it.`,
    }),
  ];
}
