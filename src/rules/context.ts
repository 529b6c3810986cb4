/** What every group's rules are written with: the plan labels, the rule shapes, and helpers bound to the thresholds. */
import type { ThresholdText } from './thresholds.js';

/**
 * Every rule reads the exporter's series through `by (PLAN)` aggregations: `instance`, `pod` and
 * `job` are gone, so two replicas in a rollout (or an HA pair) neither split nor break an alert.
 * Design: docs/design/alerts.md.
 */
export const PLAN = 'account, region, backup_plan_id';
export const PLAN_TYPE = `${PLAN}, backup_type`;
export const WHERE = 'plan {{ $labels.backup_plan_id }} (account {{ $labels.account }}, region {{ $labels.region }})';
/** A backup gateway (DescribeBackupGatewayList): one per account, region and gateway id. */
export const GATEWAY = 'account, region, backup_gateway_id';

/** A threshold in annotation text, humanised by Prometheus when the alert fires. */
export const human = (seconds: string) => `{{ ${seconds} | humanizeDuration }}`;


export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  /** info: never a page by itself; it marks what an Alertmanager inhibit rule mutes (docs/alerts.md#one-cause-one-page). */
  labels: { severity: 'critical' | 'warning' | 'info' };
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RecordingRule {
  record: string;
  expr: string;
}

/** The helpers every group's rules are written with, bound to one set of threshold texts. */
export interface RuleContext {
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

/** Alerts whose runbook link is the base URL and the alert's name in lower case. */
function alertWithRunbook(runbookBaseUrl: string): RuleContext['alert'] {
  return (name, rule) => ({
    alert: name,
    expr: rule.expr,
    for: rule.for,
    labels: rule.labels,
    annotations: { summary: rule.summary, description: rule.description, runbook_url: `${runbookBaseUrl}#${name.toLowerCase()}` },
  });
}

export function ruleContext(t: ThresholdText): RuleContext {
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
    alert: alertWithRunbook(t.runbookBaseUrl),
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
    /**
     * A current value: what the replicas say now; over a gap, the last that the targets still scraped
     * said (a pod replaced in a rollout has no `up` any more, so its older values cannot come back on
     * one missed scrape); failing that (Prometheus restarted), the last any replica said.
     */
    bridged: (agg, metric, by) =>
      `${agg} by (${by}) (${metric})\nor ${agg} by (${by}) (last_over_time(${metric}[${G}]) and on (instance, job) up)\nor ${agg} by (${by}) (last_over_time(${metric}[${G}]))`,
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
