/**
 * The Prometheus alerting and recording rules that ship with dbs-exporter, built from one
 * set of thresholds. `config/prometheus/dbs-exporter.rules.yml` is this module rendered
 * with the defaults (`npm run gen:rules`); tests and the Helm chart render it with their own.
 * The groups' rules are in backup-rules.ts, restore-rules.ts and operations-rules.ts; their shared helpers in context.ts.
 */
import { stringify } from 'yaml';
import { backupAgeAlerts, backupJobAlerts, backupSignals, exporterAlerts, fullBackupSignals, planAlerts } from './backup-rules.js';
import { type AlertRule, PLAN, PLAN_TYPE, type RecordingRule, ruleContext } from './context.js';
import { gatewayAlerts, operationsGatewaySignals, operationsPlanSignals, settingsAlerts, subscriptionAlerts } from './operations-rules.js';
import { restorePointAlerts, restoreSignals, restoreTaskAlerts, restoreTaskSignals } from './restore-rules.js';
import { DEFAULT_THRESHOLDS, type RuleThresholds, type ThresholdText } from './thresholds.js';

export { DEFAULT_THRESHOLDS, type RuleThresholds } from './thresholds.js';

export interface RuleFile {
  groups: Array<{ name: string; rules: Array<AlertRule | RecordingRule> }>;
}

export function buildRules(overrides: Partial<RuleThresholds> = {}): RuleFile {
  const merged = { ...DEFAULT_THRESHOLDS, ...overrides };
  return buildRuleFile(Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, k === 'stallSeconds' ? String(v) : asHelmPrints(v)])) as ThresholdText);
}

/**
 * A threshold as the Helm chart prints it (Go's %v): a number of a million or more in exponent form
 * (1209600 is 1.2096e+06, which PromQL and Prometheus templates read as the same number), so the chart
 * with its default values renders exactly the shipped rules. stallSeconds, also a range ([<n>s]), stays digits.
 */
function asHelmPrints(v: string | number): string {
  if (typeof v !== 'number' || v === 0 || (Math.abs(v) < 1e6 && Math.abs(v) >= 1e-4)) return String(v);
  return v.toExponential().replace(/e([+-])(\d)$/, (_, sign: string, digit: string) => `e${sign}0${digit}`);
}

/** The rules with `__name__` placeholders where thresholds go: the Helm chart substitutes values.yaml's. */
export function buildRuleTemplate(): RuleFile {
  return buildRuleFile(Object.fromEntries(Object.keys(DEFAULT_THRESHOLDS).map((k) => [k, `__${k}__`])) as ThresholdText);
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
      { name: 'dbs-exporter.operations', rules: [...operationsPlanSignals(c), ...operationsGatewaySignals(c), ...subscriptionAlerts(c), ...gatewayAlerts(c), ...settingsAlerts(c)] },
    ],
  };
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
