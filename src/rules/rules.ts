/**
 * The Prometheus alerting and recording rules that ship with dbs-exporter, built from one
 * set of thresholds. `config/prometheus/dbs-exporter.rules.yml` is this module rendered
 * with the defaults (`npm run gen:rules`); tests and the Helm chart render it with their own.
 */
import { stringify } from 'yaml';

export interface RuleThresholds {
  /** Incremental (log) backup lag that is too much, seconds. */
  incrementalLagSeconds: number;
  incrementalLagFor: string;
  /** A full backup is overdue after this many times the plan's full-backup interval. */
  fullBackupIntervalFactor: number;
  /** Interval assumed when a plan's BackupPeriod is unknown, seconds. */
  fullBackupFallbackIntervalSeconds: number;
  fullBackupOverdueFor: string;
  /** A running plan with no successful full backup known (in the exporter's lookback) for this long. */
  noSuccessfulFullFor: string;
  /** Window in which a failed job keeps DBSBackupJobFailed firing. */
  jobFailedWindow: string;
  /** A running job whose size has not grown for this long is stalled, seconds. */
  stallSeconds: number;
  stallFor: string;
  planNotRunningFor: string;
  /** The newest successful full backup expires within this many seconds. */
  expiryWarningSeconds: number;
  expiryFor: string;
  targetDownFor: string;
  pollFailingFor: string;
  /** Share of DBS requests answered with Throttling that counts as persistent throttling. */
  throttledRatio: number;
  throttledWindow: string;
  throttledFor: string;
  /** Selector of the exporter's own scrape job, for `up`. */
  exporterJobSelector: string;
  exporterDownFor: string;
  runbookBaseUrl: string;
}

export const DEFAULT_THRESHOLDS: RuleThresholds = {
  incrementalLagSeconds: 2 * 3600,
  incrementalLagFor: '15m',
  fullBackupIntervalFactor: 1.5,
  fullBackupFallbackIntervalSeconds: 7 * 86_400,
  fullBackupOverdueFor: '30m',
  noSuccessfulFullFor: '1h',
  jobFailedWindow: '1h',
  stallSeconds: 3600,
  stallFor: '10m',
  planNotRunningFor: '30m',
  expiryWarningSeconds: 2 * 86_400,
  expiryFor: '1h',
  targetDownFor: '10m',
  pollFailingFor: '15m',
  throttledRatio: 0.2,
  throttledWindow: '10m',
  throttledFor: '30m',
  exporterJobSelector: 'job="dbs-exporter"',
  exporterDownFor: '5m',
  runbookBaseUrl: 'https://github.com/dbs-exporter/dbs-exporter/blob/main/docs/runbooks.md',
};

const PLAN = 'account, region, backup_plan_id';
const RUNNING_PLAN = `on (${PLAN}) (dbs_backup_plan_status{status="running"} == 1)`;
/**
 * Values derived from time() keep moving while polls fail (lag grows from the last good
 * value): those alerts hold only while the plan is being polled, so "cannot see backups"
 * raises DBSExporterPlanPollFailing / DBSExporterTargetDown instead of a false backup alert.
 */
const POLLED = `on (${PLAN}) (dbs_exporter_plan_poll_success == 1)`;
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

function buildRuleFile(t: ThresholdText): RuleFile {
  const runbook = (anchor: string) => `${t.runbookBaseUrl}#${anchor}`;
  const alert = (name: string, rule: Omit<AlertRule, 'alert' | 'annotations'> & { summary: string; description: string }): AlertRule => ({
    alert: name,
    expr: rule.expr,
    for: rule.for,
    labels: rule.labels,
    annotations: { summary: rule.summary, description: rule.description, runbook_url: runbook(name.toLowerCase()) },
  });

  // Evaluated in the same group as the alert that reads it, just before it: rules within a
  // group run in order, so the alert always sees this evaluation's value (groups run concurrently).
  const fullMaxAge: RecordingRule = {
    record: 'dbs:backup_full_max_age_seconds',
    expr: `${t.fullBackupIntervalFactor} * dbs_backup_plan_full_backup_interval_seconds\nor on (${PLAN})\n(max by (${PLAN}) (dbs_backup_plan_info) * 0 + ${t.fullBackupIntervalFactor} * ${t.fullBackupFallbackIntervalSeconds})`,
  };

  const recording: RecordingRule[] = [
    { record: 'account_region_backup_type:dbs_backup_lag_seconds:max', expr: 'max by (account, region, backup_type) (dbs_backup_lag_seconds)' },
    { record: 'account_region_status:dbs_backup_plans:count', expr: 'count by (account, region, status) (dbs_backup_plan_status == 1)' },
    { record: 'account_backup_type:dbs_backup_jobs_failed:increase24h', expr: 'sum by (account, backup_type) (increase(dbs_backup_jobs_failed_total[24h]))' },
    { record: 'account_region_storage_class:dbs_backup_set_bytes:sum', expr: 'sum by (account, region, storage_class) (dbs_backup_set_bytes)' },
  ];

  const backups: AlertRule[] = [
    alert('DBSIncrementalBackupLagging', {
      expr: `dbs_backup_lag_seconds{backup_type="incremental"} > ${t.incrementalLagSeconds}\nand ${RUNNING_PLAN}\nand ${POLLED}`,
      for: t.incrementalLagFor,
      labels: { severity: 'warning' },
      summary: 'DBS incremental (log) backups are lagging',
      description: `The newest successful log backup of ${WHERE} ended {{ $value | humanizeDuration }} ago (threshold ${human(t.incrementalLagSeconds)}). Point-in-time restore cannot reach the last {{ $value | humanizeDuration }}.`,
    }),
    alert('DBSFullBackupOverdue', {
      expr: `(time() - dbs_backup_last_success_timestamp_seconds{backup_type="full"})\n> on (${PLAN}) group_left () dbs:backup_full_max_age_seconds\nand ${RUNNING_PLAN}\nand ${POLLED}`,
      for: t.fullBackupOverdueFor,
      labels: { severity: 'critical' },
      summary: 'No successful DBS full backup within its schedule',
      description: `The newest successful full backup of ${WHERE} is {{ $value | humanizeDuration }} old, more than ${t.fullBackupIntervalFactor} times the plan's full-backup interval (${human(t.fullBackupFallbackIntervalSeconds)} assumed when BackupPeriod is unknown).`,
    }),
    alert('DBSNoSuccessfulFullBackup', {
      expr: `max by (${PLAN}) (dbs_backup_plan_status{status="running"} == 1)\nunless on (${PLAN}) dbs_backup_last_success_timestamp_seconds{backup_type="full"}\nand ${POLLED}`,
      for: t.noSuccessfulFullFor,
      labels: { severity: 'warning' },
      summary: 'A running DBS backup plan has no successful full backup',
      description: `The exporter found no successful full backup of ${WHERE} in its lookback (at least two full-backup intervals). Without a full backup there is nothing to restore.`,
    }),
    alert('DBSBackupJobFailed', {
      expr: `increase(dbs_backup_jobs_failed_total[${t.jobFailedWindow}]) > 0`,
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS backup job failed',
      description: `{{ $value | humanize }} {{ $labels.backup_type }} backup job(s) of ${WHERE} failed in the last ${t.jobFailedWindow}.`,
    }),
    alert('DBSBackupJobStalled', {
      expr: `time() - dbs_backup_running_last_progress_timestamp_seconds > ${t.stallSeconds}\nand ${POLLED}`,
      for: t.stallFor,
      labels: { severity: 'warning' },
      summary: 'A DBS backup job is running but not making progress',
      description: `The running {{ $labels.backup_type }} backup job of ${WHERE} has not grown for {{ $value | humanizeDuration }} (threshold ${human(t.stallSeconds)}).`,
    }),
    alert('DBSBackupPlanNotRunning', {
      expr: `max by (${PLAN}, status) (dbs_backup_plan_status{status!="running"} == 1)`,
      for: t.planNotRunningFor,
      labels: { severity: 'warning' },
      summary: 'A DBS backup plan is not running',
      description: `Backup ${WHERE} is in status {{ $labels.status }}: it takes no new backups until it runs again.`,
    }),
    alert('DBSRestoreWindowAtRisk', {
      expr: `dbs_backup_last_success_expiry_timestamp_seconds{backup_type="full"} - time() < ${t.expiryWarningSeconds}\nand ${POLLED}`,
      for: t.expiryFor,
      labels: { severity: 'warning' },
      summary: 'The newest DBS full backup expires soon',
      description: `The newest successful full backup set of ${WHERE} expires in {{ $value | humanizeDuration }} (threshold ${human(t.expiryWarningSeconds)}). If no new full succeeds by then, the plan has nothing to restore from.`,
    }),
  ];

  const exporter: AlertRule[] = [
    alert('DBSExporterTargetDown', {
      expr: 'dbs_exporter_target_up == 0',
      for: t.targetDownFor,
      labels: { severity: 'critical' },
      summary: 'dbs-exporter cannot list backup plans from DBS',
      description:
        'DescribeBackupPlanList has been failing for account {{ $labels.account }} in region {{ $labels.region }}: backup alerts for this account are blind. Check dbs_exporter_api_requests_total by code.',
    }),
    alert('DBSExporterPlanPollFailing', {
      expr: `dbs_exporter_plan_poll_success == 0\nunless on (account, region) (dbs_exporter_target_up == 0)`,
      for: t.pollFailingFor,
      labels: { severity: 'warning' },
      summary: 'dbs-exporter cannot poll a backup plan',
      description: `Polling ${WHERE} has been failing; its metrics are the last good ones, and are dropped after the exporter's max staleness.`,
    }),
    alert('DBSExporterThrottled', {
      expr: `sum by (account) (rate(dbs_exporter_api_requests_total{code="throttled"}[${t.throttledWindow}]))\n/ sum by (account) (rate(dbs_exporter_api_requests_total[${t.throttledWindow}]))\n> ${t.throttledRatio}`,
      for: t.throttledFor,
      labels: { severity: 'warning' },
      summary: 'DBS is throttling dbs-exporter',
      description: `{{ $value | humanizePercentage }} of DBS API requests for account {{ $labels.account }} are throttled. Lower rate_limit.requests_per_second, raise the poll interval, or shard the plans.`,
    }),
    alert('DBSExporterDown', {
      expr: `up{${t.exporterJobSelector}} == 0 or absent(up{${t.exporterJobSelector}})`,
      for: t.exporterDownFor,
      labels: { severity: 'critical' },
      summary: 'dbs-exporter is down or not scraped',
      description: 'Prometheus cannot scrape dbs-exporter ({{ $labels.instance }}): no DBS backup alert can fire.',
    }),
  ];

  return {
    groups: [
      { name: 'dbs-exporter.recording', rules: recording },
      { name: 'dbs-exporter.backups', rules: [fullMaxAge, ...backups] },
      { name: 'dbs-exporter.exporter', rules: exporter },
    ],
  };
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
