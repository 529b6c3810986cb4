/**
 * Operational stops (docs/design/operational-stops.md): a prepaid plan's subscription, its free backup
 * traffic, the backup gateway of a self-managed database, and the plan's settings against the
 * configured expectations (retention, storage encryption). Their own group, so it records its own
 * inputs: it reads no record of another group.
 */
import { type AlertRule, GATEWAY, PLAN, PLAN_TYPE, type RecordingRule, type RuleContext, WHERE, human } from './context.js';

/** The operations group's plan is listed (0 or 1: running or not) for as long as this is present. */
const LISTED = 'dbs:operations_plan_running:bridged';
const ON_GATEWAY = `on (${GATEWAY})`;
const GATEWAY_WHERE = 'backup gateway {{ $labels.backup_gateway_id }} (account {{ $labels.account }}, region {{ $labels.region }})';

/** A per-plan (or per-gateway) value of another series, looked up when the alert's annotations are rendered. */
const queried = (record: string, fn: 'humanizeDuration' | 'humanizeTimestamp' | 'humanizePercentage', labels = ['account', 'region', 'backup_plan_id']) =>
  `{{ with printf "${record}{${labels.map((l) => `${l}=%q`).join(', ')}}" ${labels.map((l) => `$labels.${l}`).join(' ')} | query }}{{ . | first | value | ${fn} }}{{ end }}`;

/** Plan settings, the billing period's traffic, and the expectations, each bridged over a gap. */
export function operationsPlanSignals({ G, bridged }: RuleContext): RecordingRule[] {
  const gateway = 'dbs_backup_plan_settings_info{backup_gateway_id!=""}';
  const by = `${PLAN}, backup_gateway_id`;
  return [
    { record: LISTED, expr: bridged('max', 'dbs_backup_plan_status{status="running"}', PLAN) },
    { record: 'dbs:operations_plan_expiry_timestamp_seconds', expr: bridged('max', 'dbs_backup_plan_expiry_timestamp_seconds', PLAN) },
    {
      // The plan's gateway. Matched on the plan alone over a gap, so a plan that moved to another
      // gateway counts under the new one only.
      record: 'dbs:operations_plan_gateway:bridged',
      expr: `max by (${by}) (${gateway})\nor on (${PLAN}) max by (${by}) (last_over_time(${gateway}[${G}]) and on (instance, job) up)\nor on (${PLAN}) max by (${by}) (last_over_time(${gateway}[${G}]))`,
    },
    { record: 'dbs:operations_plan_gateway_running', expr: `dbs:operations_plan_gateway:bridged\nand on (${PLAN}) (${LISTED} == 1)` },
    { record: 'dbs:operations_backup_traffic_used_bytes', expr: `sum by (${PLAN}) (\n${bridged('max', 'dbs_backup_traffic_used_bytes', PLAN_TYPE)}\n)` },
    { record: 'dbs:operations_backup_traffic_free_bytes', expr: bridged('max', 'dbs_backup_traffic_free_bytes', PLAN) },
    { record: 'dbs:operations_backup_traffic_free_unlimited', expr: bridged('max', 'dbs_backup_traffic_free_unlimited', PLAN) },
    { record: 'dbs:operations_backup_traffic_alert_ratio', expr: bridged('max', 'dbs_backup_traffic_alert_ratio', PLAN) },
    { record: 'dbs:operations_backup_retention_seconds', expr: bridged('max', 'dbs_backup_retention_seconds', PLAN_TYPE) },
    { record: 'dbs:operations_backup_retention_minimum_seconds', expr: bridged('max', 'dbs_backup_retention_minimum_seconds', PLAN_TYPE) },
    { record: 'dbs:operations_storage_encrypted', expr: bridged('max', 'dbs_backup_plan_storage_encrypted', PLAN) },
    { record: 'dbs:operations_storage_encryption_required', expr: bridged('max', 'dbs_backup_plan_storage_encryption_required', PLAN) },
  ];
}

/** Backup gateways: status, heartbeat age, the listing's health, and which gateways are down. */
export function operationsGatewaySignals({ t, bridged }: RuleContext): RecordingRule[] {
  const stale = `dbs:operations_gateway_heartbeat_age_seconds > ${t.gatewayHeartbeatMaxAgeSeconds}`;
  return [
    { record: 'dbs:operations_gateway_list_success:bridged', expr: bridged('min', 'dbs_exporter_gateway_list_success', 'account, region') },
    { record: 'dbs:operations_gateway_status:bridged', expr: bridged('max', 'dbs_backup_gateway_status', `${GATEWAY}, status`) },
    { record: 'dbs:operations_gateway_heartbeat_age_seconds', expr: `time() - (\n${bridged('max', 'dbs_backup_gateway_last_heartbeat_timestamp_seconds', GATEWAY)}\n)` },
    {
      // OFFLINE or STOPPED; or silent too long, as a working gateway listing says (a failing one holds
      // the last heartbeat, which ages without news: no new page from it, a firing one goes on).
      record: 'dbs:operations_gateway_down',
      expr: [
        `max by (${GATEWAY}) (dbs:operations_gateway_status:bridged{status=~"OFFLINE|STOPPED"} == 1)`,
        'or (',
        `  ${stale} and on (account, region) (dbs:operations_gateway_list_success:bridged == 1)`,
        `  or ${stale} and ${ON_GATEWAY} ALERTS{alertname="DBSBackupGatewayDown", alertstate="firing"}`,
        ') * 0 + 1',
      ].join('\n'),
    },
  ];
}

/** DBSBackupPlanExpiringSoon, DBSBackupPlanExpired, DBSBackupTrafficQuotaNearlyUsed. */
export function subscriptionAlerts({ t, alert }: RuleContext): AlertRule[] {
  const expiry = 'dbs:operations_plan_expiry_timestamp_seconds';
  return [
    alert('DBSBackupPlanExpiringSoon', {
      expr: `${expiry} - time() < ${t.planExpiryWarningSeconds}\nand ${expiry} - time() > 0\nand on (${PLAN}) ${LISTED}`,
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A prepaid DBS backup plan expires soon',
      description: `The subscription of prepaid backup ${WHERE} expires in {{ $value | humanizeDuration }}, at ${queried(expiry, 'humanizeTimestamp')} (warning ${human(t.planExpiryWarningSeconds)} ahead). Renew it, or its backups stop when it expires.`,
    }),
    alert('DBSBackupPlanExpired', {
      expr: `${expiry} <= time()\nand on (${PLAN}) ${LISTED}`,
      for: '0m',
      labels: { severity: 'critical' },
      summary: 'A prepaid DBS backup plan has expired',
      description: `The subscription of prepaid backup ${WHERE} expired at {{ $value | humanizeTimestamp }} and DBS still lists the plan: DBS takes no backups of it until it is renewed. Alertmanager can mute its plan-level backup and restore alerts meanwhile (docs/alerts.md#one-cause-one-page).`,
    }),
    alert('DBSBackupTrafficQuotaNearlyUsed', {
      // Opt-in: only plans with dbs_backup_traffic_alert_ratio. Not with an unlimited (or unknown) quota.
      expr: [
        'dbs:operations_backup_traffic_used_bytes',
        `/ on (${PLAN}) (dbs:operations_backup_traffic_free_bytes > 0)`,
        `>= on (${PLAN}) dbs:operations_backup_traffic_alert_ratio`,
        `unless on (${PLAN}) (dbs:operations_backup_traffic_free_unlimited == 1)`,
        `and on (${PLAN}) ${LISTED}`,
      ].join('\n'),
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS backup plan has nearly used its free backup traffic',
      description: `Backup ${WHERE} has used {{ $value | humanizePercentage }} of the free backup traffic of its billing period (full and incremental), at or over the ${queried('dbs:operations_backup_traffic_alert_ratio', 'humanizePercentage')} configured for it. Backup traffic beyond the free quota is charged (dbs_backup_traffic_paid_bytes).`,
    }),
  ];
}

/** DBSBackupGatewayDown, and DBSBackupPlanGatewayDown for each running plan behind it. */
export function gatewayAlerts({ t, alert }: RuleContext): AlertRule[] {
  const behind = `dbs:operations_plan_gateway_running\nand ${ON_GATEWAY} dbs:operations_gateway_down`;
  const info = `{{ with printf "max by (display_name, hostname) (last_over_time(dbs_backup_gateway_info{account=%q, region=%q, backup_gateway_id=%q}[${t.seriesGapTolerance}]))" $labels.account $labels.region $labels.backup_gateway_id | query }}{{ with . | first }} ({{ .Labels.display_name }}, host {{ .Labels.hostname }}){{ end }}{{ end }}`;
  const status = `{{ with printf "dbs:operations_gateway_status:bridged{account=%q, region=%q, backup_gateway_id=%q} == 1" $labels.account $labels.region $labels.backup_gateway_id | query }}{{ with . | first }}status {{ .Labels.status }}, {{ end }}{{ end }}`;
  const heartbeat = queried('dbs:operations_gateway_heartbeat_age_seconds', 'humanizeDuration', ['account', 'region', 'backup_gateway_id']);
  return [
    alert('DBSBackupGatewayDown', {
      expr: `count by (${GATEWAY}) (\n${behind}\n)`,
      for: t.gatewayDownFor,
      labels: { severity: 'critical' },
      summary: 'A DBS backup gateway serving running plans is down',
      description: `The ${GATEWAY_WHERE}${info} serves {{ $value }} running plans and has been down for over ${t.gatewayDownFor}: ${status}last heartbeat ${heartbeat} ago (OFFLINE, STOPPED, or silent over ${human(t.gatewayHeartbeatMaxAgeSeconds)}). No backup of those plans runs until it is back. Alertmanager can mute those plans' own backup and restore alerts meanwhile (DBSBackupPlanGatewayDown, docs/alerts.md#one-cause-one-page).`,
    }),
    alert('DBSBackupPlanGatewayDown', {
      // Not a page: one per plan behind the gateway, with the plan's labels, for Alertmanager to
      // inhibit that plan's backup and restore alerts (docs/alerts.md#one-cause-one-page).
      expr: behind,
      for: t.gatewayDownFor,
      labels: { severity: 'info' },
      summary: 'The backup gateway of a running DBS backup plan is down',
      description: `Running ${WHERE} is backed up through backup gateway {{ $labels.backup_gateway_id }}, which is down (DBSBackupGatewayDown pages for it). Not a page: it lets an Alertmanager inhibit rule mute the plan's own backup and restore alerts meanwhile; route severity="info" to a null receiver.`,
    }),
  ];
}

/** Opt-in settings checks: DBSBackupRetentionBelowMinimum, DBSBackupStorageUnencrypted. */
export function settingsAlerts({ alert }: RuleContext): AlertRule[] {
  return [
    alert('DBSBackupRetentionBelowMinimum', {
      // Opt-in: only plans and backup types with dbs_backup_retention_minimum_seconds.
      expr: `dbs:operations_backup_retention_seconds < on (${PLAN_TYPE}) dbs:operations_backup_retention_minimum_seconds\nand on (${PLAN}) ${LISTED}`,
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS backup plan keeps backups for less than the minimum',
      description: `Backup ${WHERE} keeps its {{ $labels.backup_type }} backups for {{ $value | humanizeDuration }}, less than the minimum of ${queried('dbs:operations_backup_retention_minimum_seconds', 'humanizeDuration', ['account', 'region', 'backup_plan_id', 'backup_type'])} configured for it (expectations: min_retention). Older backups are deleted sooner than required.`,
    }),
    alert('DBSBackupStorageUnencrypted', {
      // Opt-in: only plans with dbs_backup_plan_storage_encryption_required.
      expr: `dbs:operations_storage_encrypted == 0\nand on (${PLAN}) (dbs:operations_storage_encryption_required == 1)\nand on (${PLAN}) ${LISTED}`,
      for: '0m',
      labels: { severity: 'warning' },
      summary: 'A DBS backup plan stores its backups unencrypted',
      description: `Backup ${WHERE} stores its backups without storage encryption (StorageEncryptMethod empty or none), and the exporter's configuration requires it (expectations: storage_encryption: required).`,
    }),
  ];
}
