/**
 * `--demo`: the embedded simulator polled through the real CLI, once to stdout and as a server on
 * loopback that shuts down cleanly on SIGTERM; and its guide (src/demo/guide.ts), whose claims are
 * checked against the demo's own /metrics, the rules, and a real Prometheus loaded with the rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { type DemoGuide, type PlanFinding, type PromisedAlert, demoGuide, describeAlert, notable } from '../../src/demo/guide.js';
import { DEMO_PLANS, demoConfig } from '../../src/demo/start.js';
import { parseConfig } from '../../src/config/index.js';
import { DEFAULT_THRESHOLDS, type RuleThresholds, buildRules, renderRules } from '../../src/rules/rules.js';
import { DEMO_CREDENTIAL } from '../../src/simulator/index.js';
import { SCENARIO_PLAN_COUNT, buildScenario, buildScenarioGateways } from '../../src/simulator/scenario.js';
import { alertKey, firingAlerts, sleep, sorted, until } from '../support/alerts.js';
import { type Sample, find, has, parseExposition, valueOf } from '../support/exposition.js';
import { PrometheusServer } from '../support/prometheus.js';
import { promtool } from '../support/promtool.js';
import { CliProcess, STACK_LINE, killAll, listeningPort, runCli, waitForStatus } from './cli-process.js';

afterEach(killAll);

/** The demo's configuration (src/demo/start.ts): its lookback, restore settings and expectations; the endpoint plays no part. */
const CONFIG = demoConfig({ endpoint: '127.0.0.1:1', region: 'cn-hangzhou' });
const guideFor = (thresholds: RuleThresholds = DEFAULT_THRESHOLDS, now = Date.now(), plans = DEMO_PLANS) =>
  demoGuide({ plans: buildScenario({ plans }, now), gateways: buildScenarioGateways({ plans }, now).all, now, config: CONFIG }, thresholds);

const ALERT_RULES = new Map(
  buildRules()
    .groups.flatMap((g) => g.rules)
    .flatMap((r) => ('alert' in r ? [[r.alert, r] as const] : [])),
);

/** The key test/support/alerts.ts gives the alert once it fires. */
function promisedKey(planId: string, finding: PlanFinding, alert: PromisedAlert): string {
  // The gateway's own alert is about the gateway, not the plan.
  const who = alert.alert === 'DBSBackupGatewayDown' && finding.kind === 'gateway-down' ? `gateway=${finding.gatewayId}` : planId;
  return [alert.alert, who, alert.backupType, finding.kind === 'not-running' ? finding.status : undefined].filter((p) => p !== undefined).join(' ');
}

function promisedAlerts(guide: DemoGuide): Array<{ key: string; afterSeconds: number }> {
  return guide.plans.flatMap((p) => p.findings.flatMap((f) => f.alerts.map((a) => ({ key: promisedKey(p.id, f, a), afterSeconds: a.afterSeconds }))));
}


/** The Prometheus test waits for the alerts promised within this long. */
const HORIZON_SECONDS = 60;

/** Alerts about plans and gateways (not the exporter's own). */
const aboutTheFleet = (a: { labels: Record<string, string> }) => a.labels.backup_plan_id !== undefined || a.labels.backup_gateway_id !== undefined;

/**
 * A Monday 00:15 UTC: the PITR-gap plan's gap (a log-backup outage before the newest full that started
 * at least 12h earlier) then ended under a day ago, within DBSRestoreGap's window; at other times of day it may not.
 */
const MONDAY = Date.UTC(2026, 11, 7, 0, 15);

describe('demoGuide', () => {
  it('the demo fleet: the eight backup cases, the five restore cases and the five operational stops, and the alerts each raises', () => {
    expect(DEMO_PLANS).toBe(SCENARIO_PLAN_COUNT);
    const guide = guideFor(DEFAULT_THRESHOLDS, MONDAY);
    expect(guide.plans.map((p) => [p.name, notable(p.findings).map((f) => f.kind)])).toEqual([
      ['mysql-orders-prod', []],
      ['pg-analytics', []],
      ['sqlserver-erp', ['storage-unencrypted']],
      ['mongo-sessions', []],
      ['mysql-legacy-paused', ['not-running']],
      ['mysql-billing-failing', ['full-backups-fail', 'log-backups-fail']],
      ['polardb-catalog-stuck', ['log-backup-stuck', 'recovery-point-old']],
      ['mysql-reports-duplication', ['log-backups-off']],
      ['mysql-ledger-pitr-gap', ['restore-gap']],
      ['mysql-crm-nolog', ['log-backups-off']],
      ['pg-billing-restores', ['restore-failed', 'restore-running']],
      ['mysql-payments-drill', ['restore-drills']],
      ['mysql-inventory-drill-overdue', ['restore-drills']],
      ['mysql-loyalty-prepaid-expiring', ['subscription-expiring']],
      ['mysql-hr-prepaid-expired', ['recovery-point-old', 'subscription-expired', 'backups-stopped']],
      ['mysql-idc-gateway-offline', ['recovery-point-old', 'gateway-down', 'backups-stopped']],
      ['mysql-wms-full-failed', ['full-backup-failed']],
      ['pg-warehouse-prepaid-traffic', ['traffic-nearly-used']],
    ]);
    expect(guide.title).toBe('Demo fleet: 18 simulated DBS backup plans, 13 of them raising alerts');
    const byName = (name: string) => guide.plans.find((p) => p.name === name)!;
    const id = (name: string) => byName(name).id;
    const gatewayOf = (name: string) => {
      const down = byName(name).findings.find((f) => f.kind === 'gateway-down');
      return down?.kind === 'gateway-down' ? down.gatewayId : undefined;
    };
    // The duplication plan's log backups are off on purpose (the demo's expectations say so); the CRM plan's are not.
    expect(byName('mysql-reports-duplication').findings).toEqual([{ kind: 'log-backups-off', intended: true, alerts: [] }]);
    // Delays with the default thresholds: the paused plan pages after `for: 30m`, as does log backup off; the
    // stall after an hour of an unchanged size; the rest at once (the fleet's 72h of history is past the lag
    // and full-age limits, the stuck plan's recovery point stood still 5h ago, a restore failed 20h ago, the overdue plan's last drill is 9 days old).
    expect(promisedAlerts(guide)).toEqual([
      // The ERP plan's storage is unencrypted, and the demo's expectations require encryption for it.
      { key: `DBSBackupStorageUnencrypted ${id('sqlserver-erp')}`, afterSeconds: 0 },
      { key: `DBSBackupPlanNotRunning ${id('mysql-legacy-paused')} pause`, afterSeconds: 1800 },
      { key: `DBSBackupJobFailed ${id('mysql-billing-failing')} full`, afterSeconds: 0 },
      { key: `DBSNoSuccessfulFullBackup ${id('mysql-billing-failing')} full`, afterSeconds: 0 },
      { key: `DBSBackupJobFailed ${id('mysql-billing-failing')} incremental`, afterSeconds: 0 },
      { key: `DBSIncrementalBackupLagging ${id('mysql-billing-failing')} incremental`, afterSeconds: 0 },
      { key: `DBSIncrementalBackupLagging ${id('polardb-catalog-stuck')} incremental`, afterSeconds: 0 },
      { key: `DBSBackupJobStalled ${id('polardb-catalog-stuck')} incremental`, afterSeconds: 3600 },
      { key: `DBSRecoveryPointTooOld ${id('polardb-catalog-stuck')}`, afterSeconds: 0 },
      { key: `DBSRestoreGap ${id('mysql-ledger-pitr-gap')}`, afterSeconds: 0 },
      { key: `DBSLogBackupDisabled ${id('mysql-crm-nolog')}`, afterSeconds: 1800 },
      { key: `DBSRestoreFailed ${id('pg-billing-restores')}`, afterSeconds: 0 },
      { key: `DBSRestoreDrillOverdue ${id('mysql-inventory-drill-overdue')}`, afterSeconds: 0 },
      // Expires in 5 days: warned now, expired then.
      { key: `DBSBackupPlanExpiringSoon ${id('mysql-loyalty-prepaid-expiring')}`, afterSeconds: 0 },
      { key: `DBSBackupPlanExpired ${id('mysql-loyalty-prepaid-expiring')}`, afterSeconds: 5 * 86_400 },
      // Expired two days ago: no backup since, so the log lag, the full's age and the recovery point are past their limits;
      // the newest full (Dec 4, 03:15, 30m, kept 7d) comes within 2 days of its expiry on Dec 9 at 03:45.
      { key: `DBSRecoveryPointTooOld ${id('mysql-hr-prepaid-expired')}`, afterSeconds: 0 },
      { key: `DBSBackupPlanExpired ${id('mysql-hr-prepaid-expired')}`, afterSeconds: 0 },
      { key: `DBSIncrementalBackupLagging ${id('mysql-hr-prepaid-expired')} incremental`, afterSeconds: 0 },
      { key: `DBSFullBackupOverdue ${id('mysql-hr-prepaid-expired')} full`, afterSeconds: 0 },
      { key: `DBSRestoreWindowAtRisk ${id('mysql-hr-prepaid-expired')}`, afterSeconds: expect.any(Number) },
      // Its gateway went OFFLINE 3h ago (21:15): gateway alerts after their 5m `for:`; the log lag at once; the
      // recovery point (the last log before 21:15) reaches 3h a few minutes from now; the newest full (Dec 6,
      // 01:45-02:15) turns 36h old 14h later, and comes within 2 days of its expiry (Dec 13, 02:15) on Dec 11.
      { key: `DBSRecoveryPointTooOld ${id('mysql-idc-gateway-offline')}`, afterSeconds: expect.any(Number) },
      { key: `DBSBackupGatewayDown gateway=${gatewayOf('mysql-idc-gateway-offline')}`, afterSeconds: 300 },
      { key: `DBSBackupPlanGatewayDown ${id('mysql-idc-gateway-offline')}`, afterSeconds: 300 },
      { key: `DBSIncrementalBackupLagging ${id('mysql-idc-gateway-offline')} incremental`, afterSeconds: 0 },
      { key: `DBSFullBackupOverdue ${id('mysql-idc-gateway-offline')} full`, afterSeconds: expect.any(Number) },
      { key: `DBSRestoreWindowAtRisk ${id('mysql-idc-gateway-offline')}`, afterSeconds: expect.any(Number) },
      // The newest full (Dec 6, 18:00) failed; the one before it ended on Dec 5 (18:00 + ~30m): 36h after that, overdue.
      { key: `DBSBackupJobFailed ${id('mysql-wms-full-failed')} full`, afterSeconds: 0 },
      { key: `DBSFullBackupOverdue ${id('mysql-wms-full-failed')} full`, afterSeconds: expect.any(Number) },
      { key: `DBSBackupTrafficQuotaNearlyUsed ${id('pg-warehouse-prepaid-traffic')}`, afterSeconds: 0 },
    ]);
    const promised = new Map(promisedAlerts(guide).map((a) => [a.key, a.afterSeconds]));
    // Job durations vary by some minutes around the schedule: the ends they count from, to within 30 minutes.
    const within = (key: string, seconds: number) => expect(Math.abs(promised.get(key)! - seconds), key).toBeLessThan(1800);
    within(`DBSRestoreWindowAtRisk ${id('mysql-hr-prepaid-expired')}`, 2 * 86_400 + 3.5 * 3600 - 15 * 60);
    within(`DBSFullBackupOverdue ${id('mysql-idc-gateway-offline')} full`, 36 * 3600 - 22 * 3600);
    within(`DBSRestoreWindowAtRisk ${id('mysql-idc-gateway-offline')}`, 4 * 86_400 + 2 * 3600);
    expect(promised.get(`DBSRecoveryPointTooOld ${id('mysql-idc-gateway-offline')}`)).toBeGreaterThan(0);
    expect(promised.get(`DBSRecoveryPointTooOld ${id('mysql-idc-gateway-offline')}`)).toBeLessThan(600);
    expect(promised.get(`DBSFullBackupOverdue ${id('mysql-wms-full-failed')} full`)).toBeGreaterThan(6 * 3600);
    expect(promised.get(`DBSFullBackupOverdue ${id('mysql-wms-full-failed')} full`)).toBeLessThan(6.5 * 3600);
    const line = (name: string) => guide.lines.find((l) => l.startsWith(`${name} (`));
    expect(line('mysql-hr-prepaid-expired')).toMatch(/prepaid subscription expired 2d ago → DBSBackupPlanExpired at once; no backup since 2d ago → /);
    expect(line('mysql-idc-gateway-offline')).toMatch(new RegExp(`its backup gateway ${gatewayOf('mysql-idc-gateway-offline')} is OFFLINE since 3h ago → DBSBackupGatewayDown after 5m, DBSBackupPlanGatewayDown after 5m`));
    expect(line('mysql-wms-full-failed')).toMatch(/the newest full backup failed \(DBS says DBS\.FullBackup\.SourceConnectFailed: Failed to connect to the source database: .+\) → DBSBackupJobFailed \(full\) at once/);
    expect(line('pg-warehouse-prepaid-traffic')).toMatch(/: 95% of this month's free backup traffic used \(alert at 90%\) → DBSBackupTrafficQuotaNearlyUsed at once\.$/);
    expect(line('mysql-legacy-paused')).toMatch(/: status pause since 1d2h ago → DBSBackupPlanNotRunning after 30m\.$/);
    expect(line('polardb-catalog-stuck')).toMatch(
      /: a log backup started 5h\d*m? ago is stuck at 37 MiB, and none has started since → DBSIncrementalBackupLagging \(incremental\) at once, DBSBackupJobStalled \(incremental\) after 1h; the newest moment a point-in-time restore reaches is [45]h\d+m ago → DBSRecoveryPointTooOld at once\.$/,
    );
    expect(line('mysql-reports-duplication')).toMatch(/: log backups off, declared intended \(expectations: log_backup_off: intended\); no alert\.$/);
    expect(line('mysql-ledger-pitr-gap')).toMatch(/: point-in-time restore has a 6h\d+m gap, ending \d+h\d+m ago → DBSRestoreGap at once \(for \d+h\d*m?\)\.$/);
    expect(line('mysql-crm-nolog')).toMatch(/: log backups off → DBSLogBackupDisabled after 30m\.$/);
    expect(line('pg-billing-restores')).toMatch(/: a restore failed 19h\d+m ago \("restore failed: .+"\), one succeeded 5h\d+m ago → DBSRestoreFailed at once \(for 4h\d+m\); a restore running since 10m ago\.$/);
    expect(line('mysql-payments-drill')).toMatch(/: last restore drill 1d\d+h\d+m ago, took \d+m \(expected every 8d, within 1h\); no alert\.$/);
    expect(line('mysql-inventory-drill-overdue')).toMatch(/: last restore drill 9d\d+h\d+m ago, took \d+m \(expected every 8d, within 1h\) → DBSRestoreDrillOverdue at once\.$/);

    // Six hours later in the day the gap ended over a day before the demo started: no DBSRestoreGap.
    const later = guideFor(DEFAULT_THRESHOLDS, MONDAY + 6 * 3_600_000);
    const gap = later.plans.find((p) => p.name === 'mysql-ledger-pitr-gap')!;
    expect(gap.findings.map((f) => f.kind)).toEqual(['restore-gap']);
    expect(gap.alerts).toEqual([]);
    expect(later.lines.find((l) => l.startsWith('mysql-ledger-pitr-gap'))).toMatch(/ending 1d2h\d+m ago \(past the window DBSRestoreGap pages in\); no alert\.$/);
  });

  it('names only alerts the rules have, and a `for:` alert no sooner than its `for:`', () => {
    for (const plan of guideFor().plans) {
      for (const alert of plan.alerts) {
        const rule = ALERT_RULES.get(alert.alert);
        expect(rule, alert.alert).toBeDefined();
        expect(alert.afterSeconds).toBeGreaterThanOrEqual(parseDuration(rule!.for) / 1000);
      }
    }
    expect(ALERT_RULES.get('DBSBackupPlanNotRunning')?.for).toBe(DEFAULT_THRESHOLDS.planNotRunningFor);
    expect(ALERT_RULES.get('DBSLogBackupDisabled')?.for).toBe(DEFAULT_THRESHOLDS.logBackupDisabledFor);
  });

  it('follows the thresholds it is given', () => {
    const now = MONDAY;
    const guide = guideFor(
      {
        ...DEFAULT_THRESHOLDS,
        planNotRunningFor: '2h',
        stallSeconds: 600,
        incrementalLagSeconds: 100 * 3600,
        fullBackupIntervalFactor: 4,
        logBackupDisabledFor: '1h',
        recoveryPointMaxAgeSeconds: 8 * 3600,
        restoreGapRecentSeconds: 3600,
        restoreFailedWindowSeconds: 2 * 86_400,
        planExpiryWarningSeconds: 3 * 86_400,
        gatewayDownFor: '2m',
      },
      now,
    );
    // The operational stops: a 3-day expiry warning says nothing yet of a plan expiring in 5; the gateway's `for:` is 2m.
    const ops = (name: string) => guide.plans.find((p) => p.name === name)!.alerts.map((a) => `${a.alert} ${a.afterSeconds}`);
    expect(ops('mysql-loyalty-prepaid-expiring')).toEqual([]);
    expect(ops('mysql-idc-gateway-offline').filter((a) => a.includes('GatewayDown'))).toEqual(['DBSBackupGatewayDown 120', 'DBSBackupPlanGatewayDown 120']);
    const backupAndRestore = { ...guide, plans: guide.plans.slice(0, 13) };
    const alerts = Object.fromEntries(promisedAlerts(backupAndRestore).map((a) => [a.key.split(' ').filter((_, i) => i !== 1).join(' '), a.afterSeconds]));
    const findings = guide.plans.flatMap((p) => p.findings);
    const stuckSince = findings.find((f) => f.kind === 'log-backup-stuck')!.sinceMs;
    const recoveryPoint = findings.find((f) => f.kind === 'recovery-point-old')!;
    expect(alerts).toEqual({
      DBSBackupStorageUnencrypted: 0,
      'DBSBackupPlanNotRunning pause': 7200,
      'DBSBackupJobFailed full': 0,
      // 4 × 1d, of which the exporter already sees 72h.
      'DBSNoSuccessfulFullBackup full': 24 * 3600,
      'DBSBackupJobFailed incremental': 0,
      // 100h of lag: 28h after the 72h the exporter sees; the stuck plan's last log backup ended when the stuck one started.
      'DBSIncrementalBackupLagging incremental': expect.any(Number),
      'DBSBackupJobStalled incremental': 600,
      // The stuck plan's recovery point stands still: 8h after it, about 3h from now.
      DBSRecoveryPointTooOld: expect.any(Number),
      DBSLogBackupDisabled: 3600,
      // The failed restore of ~20h ago is within a 2-day window, though a restore succeeded since: at once, for another ~28h.
      DBSRestoreFailed: 0,
      DBSRestoreDrillOverdue: 0,
      // No DBSRestoreGap: the gap ended more than an hour ago.
    });
    const lagging = promisedAlerts(backupAndRestore).filter((a) => a.key.startsWith('DBSIncrementalBackupLagging')).map((a) => a.afterSeconds);
    expect(lagging).toEqual([28 * 3600, 100 * 3600 - Math.ceil((now - stuckSince) / 1000)]);
    expect(recoveryPoint.kind === 'recovery-point-old' && recoveryPoint.alerts).toEqual([{ alert: 'DBSRecoveryPointTooOld', afterSeconds: 8 * 3600 - Math.floor((now - recoveryPoint.pointMs) / 1000) }]);
    const failed = findings.find((f) => f.kind === 'restore-failed')!;
    expect(failed.alerts).toEqual([{ alert: 'DBSRestoreFailed', afterSeconds: 0, endsAfterSeconds: expect.any(Number) }]);
    expect(failed.alerts[0]!.endsAfterSeconds).toBeGreaterThan(28 * 3600);
    expect(failed.alerts[0]!.endsAfterSeconds).toBeLessThan(29 * 3600);
    expect(guide.lines.join('\n')).toContain('DBSBackupPlanNotRunning after 2h.');
    expect(guide.lines.join('\n')).toMatch(/→ DBSRestoreFailed at once \(for 1d4h\d*m?\); a restore running since 10m ago\./);
  });

  it('opts plans into the drill alerts as the configuration says, and looks ahead at the drill schedule', () => {
    const plansOf = (yaml: string[]) => {
      const config = { ...CONFIG, expectations: parseConfig(['targets: [{ name: demo, region: cn-hangzhou, credentials: { type: access_key, access_key_id: a, access_key_secret_env: S } }]', ...yaml].join('\n'), { env: { S: 'b' } }).expectations };
      const guide = demoGuide({ plans: buildScenario({ plans: DEMO_PLANS }, MONDAY), now: MONDAY, config }, DEFAULT_THRESHOLDS);
      return Object.fromEntries(guide.plans.filter((p) => p.name.includes('drill')).map((p) => [p.name, p.alerts]));
    };
    // Without expectations: no drill alert (and the duplication plan's log backup off pages too).
    expect(plansOf([])).toEqual({ 'mysql-payments-drill': [], 'mysql-inventory-drill-overdue': [] });
    // A 30-minute RTO: both drills (~40m) were slow. A 3-day maximum age: the weekly drill is late in 3d less its age, before its next one.
    const strict = plansOf(['expectations:', '  - plans: { name_regex: drill }', '    restore_drill_max_age: 3d', '    restore_drill_rto: 30m']);
    expect(strict['mysql-payments-drill']!.map((a) => a.alert)).toEqual(['DBSRestoreDrillOverdue', 'DBSRestoreDrillSlow']);
    expect(strict['mysql-payments-drill']![0]!.afterSeconds).toBeGreaterThan(3600);
    expect(strict['mysql-payments-drill']![0]!.afterSeconds).toBeLessThan(2 * 86_400);
    expect(strict['mysql-inventory-drill-overdue']).toEqual([
      { alert: 'DBSRestoreDrillOverdue', afterSeconds: 0 },
      { alert: 'DBSRestoreDrillSlow', afterSeconds: 0 },
    ]);
    // A weekly drill and a 6-day maximum age: due before the next drill, in 6d less the last one's age (~1d14h).
    const weekly = plansOf(['expectations:', '  - plans: { name_regex: payments }', '    restore_drill_max_age: 6d'])['mysql-payments-drill']!;
    expect(weekly.map((a) => a.alert)).toEqual(['DBSRestoreDrillOverdue']);
    expect(weekly[0]!.afterSeconds).toBeGreaterThan(4 * 86_400);
    expect(weekly[0]!.afterSeconds).toBeLessThan(5 * 86_400);
    // 170h: the next weekly drill (about 40 minutes long) succeeds before it is due.
    expect(plansOf(['expectations:', '  - plans: { name_regex: payments }', '    restore_drill_max_age: 170h'])['mysql-payments-drill']).toEqual([]);
  });

  it('groups a large fleet by kind of plan and the alerts it raises, one line each, all healthy plans on one', () => {
    const guide = guideFor(DEFAULT_THRESHOLDS, MONDAY, 200);
    expect(guide.plans).toHaveLength(200);
    const kinds = new Set(guide.plans.map((p) => notable(p.findings).map((f) => [f.kind, ...f.alerts.map((a) => a.alert)].join(':')).join('+')));
    expect(guide.lines).toHaveLength(kinds.size + 1);
    const counts = guide.lines.slice(0, -1).map((l) => Number(/^(\d+) plans? \(/.exec(l)?.[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
    const healthy = guide.plans.filter((p) => notable(p.findings).length === 0).length;
    expect(guide.lines.find((l) => l.endsWith(': healthy, no alert.'))).toMatch(new RegExp(`^${healthy} plans \\(mysql-orders-prod, pg-analytics, mongo-sessions, and ${healthy - 3} more\\)`));
    // The log-off plan that pages is not grouped with the duplication plans that do not.
    expect(guide.lines.find((l) => l.includes('(mysql-crm-nolog)'))).toMatch(/^1 plan \(mysql-crm-nolog\), .*DBSLogBackupDisabled after 30m\.$/);
  });
});

/**
 * Whether the demo's exposition shows what the guide says of a plan. The guide was built a moment apart
 * from the demo's fleet: times derived from the start (a stuck job's 10-minute slot) may differ by a slot.
 */
function expectShown(m: Sample[], plan: DemoGuide['plans'][number]): void {
  const id = { backup_plan_id: plan.id };
  const at = (name: string, type: string) => find(m, name, { ...id, backup_type: type })[0]?.value;
  const of = (name: string, labels: Record<string, string> = {}) => find(m, name, { ...id, ...labels })[0]?.value;
  const near = (value: number | undefined, ms: number, slackSeconds: number, what: string) => {
    expect(value, `${plan.name} ${what}`).toBeDefined();
    expect(Math.abs(value! - ms / 1000), `${plan.name} ${what}`).toBeLessThanOrEqual(slackSeconds);
  };
  expect(valueOf(m, 'dbs_backup_plan_info', id), plan.name).toBe(1);
  expect(has(m, 'dbs_backup_plan_info', { ...id, backup_plan_name: plan.name }), plan.name).toBe(true);
  const findings = notable(plan.findings);
  if (findings.length === 0) {
    // Healthy: running, its newest full (and log backup, when on) succeeded after any failure; restorable without a hole.
    expect(valueOf(m, 'dbs_backup_plan_status', { ...id, status: 'running' }), plan.name).toBe(1);
    for (const type of plan.findings.some((f) => f.kind === 'log-backups-off') ? ['full'] : ['full', 'incremental']) {
      expect(at('dbs_backup_last_success_timestamp_seconds', type), `${plan.name} ${type}`).toBeGreaterThan(at('dbs_backup_last_failure_timestamp_seconds', type) ?? 0);
    }
    expect(of('dbs_restore_gaps'), plan.name).toBe(0);
  }
  for (const finding of plan.findings) {
    switch (finding.kind) {
      case 'not-running':
        expect(valueOf(m, 'dbs_backup_plan_status', { ...id, status: finding.status }), plan.name).toBe(1);
        break;
      case 'full-backups-fail':
        expect(at('dbs_backup_last_failure_timestamp_seconds', 'full'), plan.name).toBeGreaterThan(0);
        expect(at('dbs_backup_last_success_timestamp_seconds', 'full'), plan.name).toBeUndefined();
        break;
      case 'log-backups-fail':
        expect(at('dbs_backup_last_failure_timestamp_seconds', 'incremental'), plan.name).toBeGreaterThan(0);
        expect(at('dbs_backup_last_success_timestamp_seconds', 'incremental'), plan.name).toBeUndefined();
        break;
      case 'log-backup-stuck':
        near(at('dbs_backup_running_since_timestamp_seconds', 'incremental'), finding.sinceMs, 600, 'stuck since');
        expect(at('dbs_backup_running_size_bytes', 'incremental'), plan.name).toBe(finding.sizeBytes);
        break;
      case 'log-backups-off':
        expect(valueOf(m, 'dbs_backup_plan_log_backup_enabled', id), plan.name).toBe(0);
        expect(of('dbs_backup_plan_log_backup_off_intended'), plan.name).toBe(finding.intended ? 1 : undefined);
        break;
      case 'restore-gap':
        expect(of('dbs_restore_gaps'), plan.name).toBe(1);
        near(of('dbs_restore_newest_gap_end_timestamp_seconds'), finding.endMs, 600, 'gap end');
        near(of('dbs_restore_newest_gap_seconds'), finding.endMs - finding.startMs, 600, 'gap length');
        break;
      case 'recovery-point-old':
        if (finding.atLeast) expect(of('dbs_restore_recovery_point_timestamp_seconds'), plan.name).toBeUndefined();
        else near(of('dbs_restore_recovery_point_timestamp_seconds'), finding.pointMs, 600, 'recovery point');
        break;
      case 'restore-failed':
        near(of('dbs_restore_last_failure_timestamp_seconds'), finding.atMs, 60, 'restore failure');
        if (finding.succeededMs !== undefined) near(of('dbs_restore_last_success_timestamp_seconds'), finding.succeededMs, 60, 'restore success');
        break;
      case 'restore-running':
        expect(of('dbs_restore_tasks', { state: 'running' }), plan.name).toBeGreaterThanOrEqual(1);
        break;
      case 'restore-drills':
        if (finding.lastSuccessMs !== undefined) near(of('dbs_restore_drill_last_success_timestamp_seconds'), finding.lastSuccessMs, 60, 'drill');
        if (finding.durationMs !== undefined) near(of('dbs_restore_drill_last_success_duration_seconds'), finding.durationMs, 1, 'drill duration');
        expect(of('dbs_restore_drill_max_age_seconds'), plan.name).toBe(finding.maxAgeMs === undefined ? undefined : finding.maxAgeMs / 1000);
        expect(of('dbs_restore_drill_rto_seconds'), plan.name).toBe(finding.rtoMs === undefined ? undefined : finding.rtoMs / 1000);
        break;
      case 'subscription-expiring':
        near(of('dbs_backup_plan_expiry_timestamp_seconds'), finding.expiresMs, 600, 'expiry');
        break;
      case 'subscription-expired':
        near(of('dbs_backup_plan_expiry_timestamp_seconds'), finding.expiredMs, 600, 'expiry');
        break;
      case 'gateway-down':
        expect(find(m, 'dbs_backup_plan_settings_info', { ...id, backup_gateway_id: finding.gatewayId }), plan.name).toHaveLength(1);
        expect(valueOf(m, 'dbs_backup_gateway_status', { backup_gateway_id: finding.gatewayId, status: finding.status }), plan.name).toBe(1);
        near(find(m, 'dbs_backup_gateway_last_heartbeat_timestamp_seconds', { backup_gateway_id: finding.gatewayId })[0]?.value, finding.sinceMs, 600, 'last heartbeat');
        break;
      case 'backups-stopped':
        // Nothing started since: a job already running then may still have ended after (a full takes ~30m, a log backup minutes).
        expect(at('dbs_backup_last_success_timestamp_seconds', 'full')! * 1000, plan.name).toBeLessThanOrEqual(finding.sinceMs + 2 * 3_600_000);
        expect(at('dbs_backup_last_success_timestamp_seconds', 'incremental')! * 1000, plan.name).toBeLessThanOrEqual(finding.sinceMs + 30 * 60_000);
        expect(Date.now() - at('dbs_backup_last_success_timestamp_seconds', 'incremental')! * 1000, plan.name).toBeGreaterThan(2 * 3_600_000);
        break;
      case 'full-backup-failed':
        expect(find(m, 'dbs_backup_last_failure_reason_info', id).map((r) => [r.labels.backup_type, r.labels.error_code, r.labels.error_message]), plan.name).toEqual([
          ['full', finding.errorCode, finding.errorMessage],
        ]);
        break;
      case 'traffic-nearly-used': {
        const used = (at('dbs_backup_traffic_used_bytes', 'full') ?? 0) + (at('dbs_backup_traffic_used_bytes', 'incremental') ?? 0);
        expect(Math.abs(used / of('dbs_backup_traffic_free_bytes')! - finding.usedRatio), plan.name).toBeLessThan(0.02);
        expect(of('dbs_backup_traffic_alert_ratio'), plan.name).toBe(finding.alertRatio);
        break;
      }
      case 'storage-unencrypted':
        expect([of('dbs_backup_plan_storage_encrypted'), of('dbs_backup_plan_storage_encryption_required')], plan.name).toEqual([0, 1]);
        break;
    }
  }
}

describe('dbs-exporter --demo', () => {
  it(`--once prints an exposition that promtool accepts, with the ${DEMO_PLANS} demo plans and build info, and exits 0`, async () => {
    const run = await runCli(['--demo', '--once']);
    expect(run.code, run.stderr).toBe(0);
    const lint = promtool(['check', 'metrics'], run.stdout);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const m = parseExposition(run.stdout);
    const plans = find(m, 'dbs_backup_plan_info', { account: 'demo' });
    // The default fleet: every backup and restore case (src/cli.ts's --demo.plans default is src/demo/start.ts's DEMO_PLANS).
    expect(plans, "--demo.plans's default in src/cli.ts").toHaveLength(DEMO_PLANS);
    expect(new Set(plans.map((s) => s.labels.backup_plan_id)).size).toBe(DEMO_PLANS);
    expect(valueOf(m, 'dbs_exporter_build_info', { version: '0.1.0' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'demo' })).toBe(1);
    // Logs go to stderr, never into the exposition; the demo secret goes nowhere.
    expect(run.stdout).not.toContain('collection cycle finished');
    expect(run.stderr).toContain('collection cycle finished');
    expect(run.stdout + run.stderr).not.toContain(DEMO_CREDENTIAL.accessKeySecret);
    // What the guide says of each plan, the exposition shows.
    for (const plan of guideFor().plans) expectShown(m, plan);
  });

  it('serves on 127.0.0.1:9871 by default (the simulator on loopback too), explains its fleet in the banner and on the landing page, exits 0 on SIGTERM', async () => {
    const exporter = new CliProcess(['--demo', '--demo.plans', String(DEMO_PLANS)]);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the "dbs-exporter listening" log line on 127.0.0.1 (is port 9871 taken?)');
    expect(port).toBe(9871);
    // The bound addresses, as each server reports its own.
    expect(exporter.stderr).toMatch(/^ts=\S+ level=info msg="dbs-exporter listening" address=127\.0\.0\.1:9871 telemetry_path=\/metrics targets=1 app=dbs-exporter$/m);
    expect(exporter.stderr).toMatch(/^ts=\S+ level=info msg="embedded DBS simulator started" endpoint=127\.0\.0\.1:\d+ /m);
    await exporter.waitFor((p) => (p.stderr.includes('grep ^dbs_') ? true : undefined), 5_000, 'the banner');
    expect(exporter.stderr).toContain('curl -s http://127.0.0.1:9871/metrics | grep ^dbs_');
    expect(exporter.stderr).toContain('Landing page: http://127.0.0.1:9871/');

    // The banner: the guide's title and a line per plan, naming each plan's alerts and their delays.
    const guide = guideFor();
    const banner = exporter.stderr.split('\n').filter((l) => l.startsWith('    - ')).map((l) => l.slice(6));
    expect(exporter.stderr).toContain(`  ${guide.title}:\n`);
    expect(banner).toHaveLength(guide.lines.length);
    guide.plans.forEach((plan, i) => {
      expect(banner[i]).toContain(`${plan.name} (${plan.id}), ${plan.schedule}: `);
      // Delays counted to the second from the fleet's history differ by a second or so between the demo's
      // guide and this one, built a moment later: those are compared by name.
      for (const alert of plan.alerts) expect(banner[i]).toContain(alert.afterSeconds % 60 === 0 ? describeAlert(alert) : describeAlert(alert).replace(/ after .*$/, ' after '));
      if (plan.alerts.length === 0) expect(banner[i]).toMatch(/: (healthy, )?no alert\.$|; no alert\.$/);
    });

    await waitForStatus('http://127.0.0.1:9871/-/ready', 200, 10_000);
    // The landing page carries the same guide (its JSON twin, exactly; the page, its title).
    const status = (await (await fetch('http://127.0.0.1:9871/api/v1/status')).json()) as { notice: { title: string; lines: string[] } | null };
    expect(status.notice).toEqual({ title: guide.title, lines: banner });
    expect(await (await fetch('http://127.0.0.1:9871/')).text()).toContain(guide.title);

    const m = parseExposition(await (await fetch('http://127.0.0.1:9871/metrics')).text());
    expect(find(m, 'dbs_backup_plan_info', { account: 'demo' })).toHaveLength(DEMO_PLANS);
    for (const plan of guide.plans) expectShown(m, plan);
    // A long-running server carries the process metrics --once leaves out.
    expect(m.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);

    const started = Date.now();
    exporter.signal('SIGTERM');
    const exit = await exporter.exit(5_000);
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(exit.stderr).toContain('shutting down');
    expect(exit.stderr).toMatch(/^ts=\S+ level=info msg=stopped app=dbs-exporter$/m);
    expect(exit.stderr).not.toMatch(STACK_LINE);
    await expect(fetch('http://127.0.0.1:9871/-/healthy')).rejects.toThrow();
  });

  it('a real Prometheus with the rules raises exactly the alerts the guide promises, each when it says (short thresholds)', async () => {
    // Short `for:` and stall thresholds so that every promised alert comes within the test; the guide
    // is computed with the same ones, so this checks its arithmetic, not just the defaults' text. The
    // stall window stays over the demo's 15s poll interval, so a growing job always shows a change.
    // DBSRestoreGap looks back a week here, so the PITR-gap plan's gap pages at any time of day.
    // The gateway's `for:` is 10s and the RPO 2h, so the gateway plan's recovery point (3h old) pages at once.
    const thresholds: RuleThresholds = {
      ...DEFAULT_THRESHOLDS,
      planNotRunningFor: '15s',
      stallSeconds: 30,
      logBackupDisabledFor: '20s',
      restoreGapRecentSeconds: 7 * 86_400,
      gatewayDownFor: '10s',
      recoveryPointMaxAgeSeconds: 2 * 3600,
    };
    // The fleet size explicitly: this checks the alerts, whatever --demo.plans defaults to.
    const exporter = new CliProcess(['--demo', '--demo.plans', String(DEMO_PLANS), '--web.listen-address', '127.0.0.1:0', '--log.format', 'json']);
    const port = await exporter.waitFor(listeningPort, 15_000, 'the listening line');
    const guide = guideFor(thresholds);
    // What comes within the test; the rest (an expiry in 5 days, a full overdue in hours) is promised for later.
    const promised = promisedAlerts(guide).filter((a) => a.afterSeconds <= HORIZON_SECONDS);
    expect(promised.map((a) => a.afterSeconds)).toEqual(expect.arrayContaining([0, 10, 15, 20, 30]));
    // Every restore alert the demo can show: a gap, a recovery point standing still, log backup off, a failed restore, a drill overdue.
    expect(new Set(promised.map((a) => a.key.split(' ')[0]))).toEqual(
      new Set([
        'DBSBackupPlanNotRunning',
        'DBSBackupJobFailed',
        'DBSNoSuccessfulFullBackup',
        'DBSIncrementalBackupLagging',
        'DBSFullBackupOverdue',
        'DBSBackupJobStalled',
        'DBSRecoveryPointTooOld',
        'DBSRestoreGap',
        'DBSLogBackupDisabled',
        'DBSRestoreFailed',
        'DBSRestoreDrillOverdue',
        'DBSBackupStorageUnencrypted',
        'DBSBackupPlanExpiringSoon',
        'DBSBackupPlanExpired',
        'DBSBackupGatewayDown',
        'DBSBackupPlanGatewayDown',
        'DBSBackupTrafficQuotaNearlyUsed',
      ]),
    );

    const prometheus = await PrometheusServer.start({ job: 'dbs-exporter', rules: renderRules(thresholds), scrapeTargets: [`127.0.0.1:${port}`] });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/-/ready`, 200, 10_000);
      // Delays count from Prometheus's first scrape of the fleet (it scrapes and evaluates every second).
      await until('Prometheus to scrape the demo fleet', async () => ((await prometheus.query('dbs_exporter_plan_poll_success')).data?.result.length ?? 0) > 0, 20_000, 100);
      const t0 = Date.now();
      const firstFiring = new Map<string, number>();
      const deadline = t0 + (Math.max(...promised.map((a) => a.afterSeconds)) + 20) * 1000;
      let firing: string[] = [];
      while (Date.now() < deadline) {
        firing = sorted((await firingAlerts(prometheus)).filter(aboutTheFleet).map((a) => alertKey(a.labels)));
        for (const key of firing) if (!firstFiring.has(key)) firstFiring.set(key, Date.now());
        if (promised.every((a) => firstFiring.has(a.key))) break;
        await sleep(250);
      }
      await sleep(2_000);
      firing = sorted((await firingAlerts(prometheus)).filter(aboutTheFleet).map((a) => alertKey(a.labels)));
      // Exactly the promised alerts: none for the healthy plans.
      expect(firing).toEqual(sorted(promised.map((a) => a.key)));
      for (const { key, afterSeconds } of promised) {
        const after = (firstFiring.get(key)! - t0) / 1000;
        expect(after, `${key}: promised after ${afterSeconds}s`).toBeGreaterThanOrEqual(afterSeconds - 2);
        expect(after, `${key}: promised after ${afterSeconds}s`).toBeLessThanOrEqual(afterSeconds + 8);
      }
    } finally {
      await prometheus.stop();
    }
  }, 90_000);
});
