/**
 * The Prometheus alerting and recording rules that ship with dbs-exporter, built from one
 * set of thresholds. `config/prometheus/dbs-exporter.rules.yml` is this module rendered
 * with the defaults (`npm run gen:rules`); tests and the Helm chart render it with their own.
 */
import { stringify } from 'yaml';

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
  runbookBaseUrl: 'https://github.com/dbs-exporter/dbs-exporter/blob/main/docs/runbooks.md',
};

/**
 * Every rule reads the exporter's series through `by (PLAN)` aggregations: `instance`, `pod` and
 * `job` are gone, so two replicas in a rollout (or an HA pair) neither split nor break an alert.
 * Design: docs/design/alerts.md.
 */
const PLAN = 'account, region, backup_plan_id';
const PLAN_TYPE = `${PLAN}, backup_type`;
const WHERE = 'plan {{ $labels.backup_plan_id }} (account {{ $labels.account }}, region {{ $labels.region }})';

/** A threshold in annotation text, humanised by Prometheus when the alert fires. */
const human = (seconds: string) => `{{ ${seconds} | humanizeDuration }}`;

/** Every threshold as the text it becomes in the rules: a value, or a placeholder for the Helm chart. */
type ThresholdText = { [K in keyof RuleThresholds]: string };

interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string; runbook_url: string };
}

interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleFile {
  groups: Array<{ name: string; rules: Array<AlertRule | RecordingRule> }>;
}

export function buildRules(overrides: Partial<RuleThresholds> = {}): RuleFile {
  const merged = { ...DEFAULT_THRESHOLDS, ...overrides };
  return buildRuleFile(Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, String(v)])) as ThresholdText);
}

/** The rules with `__name__` placeholders where thresholds go: the Helm chart substitutes values.yaml's. */
export function buildRuleTemplate(): RuleFile {
  return buildRuleFile(Object.fromEntries(Object.keys(DEFAULT_THRESHOLDS).map((k) => [k, `__${k}__`])) as ThresholdText);
}

/** The helpers every group's rules are written with, bound to one set of threshold texts. */
interface RuleContext {
  t: ThresholdText;
  /** seriesGapTolerance. */
  G: string;
  alert: (name: string, rule: Omit<AlertRule, 'alert' | 'annotations'> & { summary: string; description: string }) => AlertRule;
  remembered: (record: string) => string;
  newest: (record: string, metric: string, by?: string) => string;
  runningJob: (record: string, metric: string) => string;
  bridged: (agg: 'max' | 'min', metric: string, by: string) => string;
  RUNNING: string;
  runningFor: (seconds: string) => string;
  TARGET_DOWN: string;
  gated: (name: string, condition: string) => string;
}

function ruleContext(t: ThresholdText): RuleContext {
  const runbook = (anchor: string) => `${t.runbookBaseUrl}#${anchor}`;
  const G = t.seriesGapTolerance;
  /**
   * A recording rule's own last value, for rules that remember: read over the gap tolerance, not
   * the 5m instant lookback, so it holds with evaluation intervals over 5m and a Prometheus restart.
   */
  const remembered = (record: string) => `last_over_time(${record}[${G}])`;
  const RUNNING = `on (${PLAN}) (dbs:backup_plan_status:bridged{status="running"} == 1)`;
  /**
   * New pages only from plans whose last poll worked, as the exporter says now (values frozen
   * by failing polls, or held over a gap with no exporter scraped, must not start one); a page
   * already firing goes on while polls fail, for as long as the outage lasts.
   */
  const gated = (name: string, condition: string) =>
    `(\n${condition}\n) and on (${PLAN}) (max by (${PLAN}) (dbs_exporter_plan_poll_success) == 1)\nor (\n${condition}\n) and on (${PLAN}) ALERTS{alertname="${name}", alertstate="firing"}`;
  return {
    t,
    G,
    alert: (name, rule) => ({
      alert: name,
      expr: rule.expr,
      for: rule.for,
      labels: rule.labels,
      annotations: { summary: rule.summary, description: rule.description, runbook_url: runbook(name.toLowerCase()) },
    }),
    remembered,
    /**
     * A timestamp DBS reported, newest of any replica, held over a gap (exporter restart, rollout);
     * and once no replica knows it any more (a restarted exporter whose lookback does not reach
     * back to it: a weekly full, a failure days ago), its last recorded value, for as long as the
     * plan is listed. The newest success or failure only ever moves forward, so what the exporter
     * forgot is still the newest.
     */
    newest: (record, metric, by = PLAN_TYPE) =>
      `max by (${by}) (max_over_time(${metric}[${G}]))\nor (${remembered(record)} and on (${PLAN}) dbs:backup_plan_status:bridged)`,
    /**
     * A value of the running job: held while the plan's polls fail (the exporter drops it after its
     * max staleness), and over a gap while no replica exports the plan; not once the job has ended.
     */
    runningJob: (record, metric) =>
      [
        `max by (${PLAN_TYPE}) (${metric})`,
        `or (${remembered(record)} and on (${PLAN}) (dbs:backup_plan_polled:bridged == 0))`,
        `or (max by (${PLAN_TYPE}) (last_over_time(${metric}[${G}])) unless on (${PLAN}) dbs_exporter_plan_poll_success)`,
      ].join('\n'),
    /** A current value: what the replicas say now, or over a gap the last they said. */
    bridged: (agg, metric, by) => `${agg} by (${by}) (${metric})\nor ${agg} by (${by}) (last_over_time(${metric}[${G}]))`,
    RUNNING,
    /**
     * Running, and not resumed within `seconds` (a number or a per-plan vector): a plan that was
     * paused took no backups on purpose, so its schedule counts again from the resume.
     */
    runningFor: (seconds) => `${RUNNING}\nunless on (${PLAN}) (time() - dbs:backup_plan_last_not_running_timestamp_seconds < ${seconds})`,
    TARGET_DOWN: '(dbs:exporter_target_up:bridged == 0)',
    gated,
  };
}

function buildRuleFile(t: ThresholdText): RuleFile {
  const c = ruleContext(t);
  // Rules in a group run in order and see this evaluation's values; groups run concurrently,
  // so everything an alert reads is recorded in its own group, just before it.
  return {
    groups: [
      { name: 'dbs-exporter.recording', rules: dashboardRules() },
      { name: 'dbs-exporter.alerts', rules: [...backupSignals(c), ...fullBackupSignals(c), ...backupAgeAlerts(c), ...backupJobAlerts(c), ...planAlerts(c), ...exporterAlerts(c)] },
      { name: 'dbs-exporter.restore', rules: [...restoreSignals(c), ...restoreTaskSignals(c), ...restorePointAlerts(c), ...restoreTaskAlerts(c)] },
    ],
  };
}

/** Plan status, poll success and target health bridged over gaps; the newest success and failure; the incremental lag. */
function backupSignals({ G, newest, bridged, remembered }: RuleContext): RecordingRule[] {
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
function fullBackupSignals({ t, G, newest, runningJob }: RuleContext): RecordingRule[] {
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
function backupAgeAlerts({ t, alert, gated, runningFor }: RuleContext): AlertRule[] {
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

/** Job outcomes: DBSBackupJobFailed, DBSBackupJobStalled. */
function backupJobAlerts({ t, G, alert, gated, RUNNING }: RuleContext): AlertRule[] {
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
      description: `The newest failed {{ $labels.backup_type }} backup job of ${WHERE} ended at {{ $value | humanizeTimestamp }}. The alert holds for ${human(t.jobFailedWindowSeconds)} after a failure, and for as long as no later job of that type has succeeded.`,
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
function planAlerts({ t, G, alert, gated, RUNNING }: RuleContext): AlertRule[] {
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
function exporterAlerts({ t, alert, TARGET_DOWN }: RuleContext): AlertRule[] {
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
// Restore: can the plan be restored, and to when (DescribeRestoreRangeInfo, DescribeRestoreTaskList).
// Their own group, so it records its own inputs: it reads no record of dbs-exporter.alerts.

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
function restoreSignals(c: RuleContext): RecordingRule[] {
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
function restoreTaskSignals(c: RuleContext): RecordingRule[] {
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
function restorePointAlerts({ t, G, alert, gated }: RuleContext): AlertRule[] {
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
function restoreTaskAlerts({ t, G, alert, gated }: RuleContext): AlertRule[] {
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

/** Fleet views for dashboards. */
function dashboardRules(): RecordingRule[] {
  return [
    { record: 'account_region_backup_type:dbs_backup_lag_seconds:max', expr: 'max by (account, region, backup_type) (dbs_backup_lag_seconds)' },
    { record: 'account_region_status:dbs_backup_plans:count', expr: `count by (account, region, status) (max by (${PLAN}, status) (dbs_backup_plan_status) == 1)` },
    { record: 'account_backup_type:dbs_backup_jobs_failed:increase24h', expr: 'sum by (account, backup_type) (increase(dbs_backup_jobs_failed_total[24h]))' },
    { record: 'account_region_storage_class:dbs_backup_set_bytes:sum', expr: `sum by (account, region, storage_class) (max by (${PLAN_TYPE}, storage_class) (dbs_backup_set_bytes))` },
  ];
}

const YAML_OPTIONS = { lineWidth: 0, blockQuote: 'literal' } as const;

export function renderRules(overrides: Partial<RuleThresholds> = {}): string {
  const header = [
    '# dbs-exporter alerting and recording rules.',
    '# Generated from src/rules/rules.ts with its default thresholds (npm run gen:rules);',
    '# to change a threshold, render your own: `dbs-exporter rules --set incrementalLagSeconds=3600`.',
    '',
  ].join('\n');
  return header + stringify(buildRules(overrides), YAML_OPTIONS);
}

/** The rules' `groups:` with `__threshold__` placeholders, for the Helm chart's PrometheusRule. */
export function renderRuleTemplate(): string {
  const header = [
    '# Generated from src/rules/rules.ts (npm run gen:rules). The chart replaces each __name__',
    '# with .Values.prometheusRule.thresholds.name; Prometheus templates ({{ ... }}) are left as they are.',
    '',
  ].join('\n');
  return header + stringify(buildRuleTemplate(), YAML_OPTIONS);
}
