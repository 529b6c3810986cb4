/**
 * End to end with a real Prometheus server: the simulator serves two accounts, the
 * exporter polls them every second, Prometheus scrapes the exporter every second and
 * evaluates the shipped rules (rendered with shrunk thresholds and `for:` durations).
 * A healthy fleet raises no alert; injected faults raise exactly the expected alerts,
 * with the right labels, and they resolve after recovery. Every Grafana panel query
 * is evaluated against the same Prometheus and must return data.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import { renderRules } from '../../src/rules/rules.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { dashboardQueries, substituteVariables, type Dashboard } from '../grafana/dashboard-queries.js';
import { type PrometheusAlert, PrometheusServer } from '../support/prometheus.js';
import { simulatorConfig } from '../support/simulator-config.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const JOB = 'dbs-exporter-e2e';

const RULES = renderRules({
  incrementalLagSeconds: 20,
  jobFailedWindowSeconds: 60, // long enough to overlap the slower lag alert, short enough to resolve in the recovery test
  stallSeconds: 10,
  planNotRunningFor: '2s',
  seriesGapTolerance: '5s',
  targetDownFor: '2s',
  pollFailingFor: '2s',
  exporterDownFor: '2s',
  exporterJobSelector: `job="${JOB}"`,
});

let prod: Simulator;
let other: Simulator;
let exporter: RunningExporter;
let prometheus: PrometheusServer;

/** A healthy plan: daily fulls for three days, a log backup every 4 s. */
function healthyPlan(sim: Simulator, id: string, name: string): void {
  sim.fleet.addPlan({
    id,
    name,
    createdAt: Date.now() - 3 * DAY,
    full: { weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'], startTime: '01:00', durationMs: 20 * MIN },
    incremental: { intervalMs: 4_000 },
    retentionDays: 7,
  });
}

const key = (a: PrometheusAlert) =>
  [a.labels.alertname, a.labels.account, a.labels.backup_plan_id ?? '-', a.labels.backup_type ?? '-', a.labels.status ?? '-'].join(' ');

async function firing(): Promise<string[]> {
  return (await prometheus.alerts())
    .filter((a) => a.state === 'firing')
    .map(key)
    .sort();
}

beforeAll(async () => {
  prod = await startSimulator();
  other = await startSimulator();
  for (const sim of [prod, other]) for (const plan of sim.fleet.listPlans()) sim.fleet.removePlan(plan.id);
  healthyPlan(prod, 'dbsorders', 'orders');
  healthyPlan(prod, 'dbslag', 'billing');
  healthyPlan(prod, 'dbsstall', 'catalog');
  healthyPlan(prod, 'dbsfail', 'reports');
  healthyPlan(prod, 'dbspause', 'legacy');
  healthyPlan(other, 'dbsother', 'staging-db');
  // A healthy prepaid plan, far from its expiry and its free traffic, behind an ONLINE backup gateway:
  // the operational-stops panels have data, and no alert.
  const gateway = prod.fleet.addGateway({ createdAt: Date.now() - 30 * DAY });
  healthyPlan(prod, 'dbsprepaid', 'warehouse');
  prod.fleet.updatePlan('dbsprepaid', {
    gatewayId: gateway.id,
    sourceEndpointInstanceType: 'Agent',
    subscription: { chargeType: 'PREPAY', boughtAt: Date.now() - 3 * DAY, expiresAt: Date.now() + 200 * DAY, freeBytes: 2 ** 50, billingSupported: true },
  });
  // A restore drill that succeeded (no expectation opts the plan into drill alerts): the drill panel has data.
  prod.fleet.addRestoreTask('dbsorders', { name: 'drill-weekly', createdAt: Date.now() - 3 * 60 * MIN, durationMs: 40 * MIN, outcome: 'finish' });

  const config = simulatorConfig({ prod, other }, [
    'collection: { interval: 1s, lookback: 2h, max_staleness: 10m }',
    'defaults:',
    '  rate_limit: { requests_per_second: 200 }',
    '  retries: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms }',
  ]);
  exporter = await runExporter(config, {
    logger: pino({ level: 'silent' }),
    build: { version: 'e2e' },
    listenAddress: '127.0.0.1:0',
    telemetryPath: '/metrics',
  });
  prometheus = await PrometheusServer.start({ scrapeTargets: [`127.0.0.1:${exporter.address.port}`], job: JOB, rules: RULES });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  await prod?.close();
  await other?.close();
});

describe('alerts through a real Prometheus', () => {
  it('a healthy fleet raises no alert', async () => {
    await prometheus.waitFor('the exporter to be scraped with all plans', async () => {
      const r = await prometheus.query(`sum(dbs_exporter_backup_plans)`);
      return r.data?.result[0]?.value?.[1] === '7' ? true : undefined;
    });
    // Long enough for every shrunk `for:` (2 s) to elapse several times over.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await prometheus.alerts()).toEqual([]);
  });

  it('injected faults raise exactly the expected alerts, with plan, account and region', async () => {
    prod.fleet.setSchedule('dbslag', { incremental: false });
    prod.fleet.addIncrementBackup('dbsstall', { BackupSetId: 'stuck-1', BackupStatus: 'FILLING', StartTime: Date.now() - 30_000, BackupSize: 123_456 });
    prod.fleet.addFullBackup('dbsfail', { BackupSetId: 'failed-1', BackupStatus: 'failed', StartTime: Date.now() - 20_000, EndTime: Date.now(), ErrMessage: 'disk full' });
    prod.fleet.setPlanStatus('dbspause', 'pause');
    other.faults.set({ kind: 'forbidden' });

    const expected = [
      'DBSBackupJobFailed prod dbsfail full -',
      'DBSBackupJobStalled prod dbsstall incremental -',
      'DBSBackupPlanNotRunning prod dbspause - pause',
      'DBSExporterTargetDown other - - -',
      'DBSIncrementalBackupLagging prod dbslag incremental -',
    ];
    const got = await prometheus.waitFor(
      'the five expected alerts',
      async () => {
        const now = await firing();
        return expected.every((e) => now.includes(e)) ? now : undefined;
      },
      90_000,
    );
    expect(got).toEqual(expected);

    const alerts = await prometheus.alerts();
    const lag = alerts.find((a) => a.labels.alertname === 'DBSIncrementalBackupLagging')!;
    expect(lag.labels).toMatchObject({ account: 'prod', region: 'cn-hangzhou', backup_plan_id: 'dbslag', severity: 'warning' });
    expect(lag.annotations.description).toContain('plan dbslag (account prod, region cn-hangzhou)');
    expect(lag.annotations.runbook_url).toMatch(/runbooks\.md#dbsincrementalbackuplagging$/);
    const down = alerts.find((a) => a.labels.alertname === 'DBSExporterTargetDown')!;
    expect(down.labels).toMatchObject({ account: 'other', region: 'cn-hangzhou', severity: 'critical' });
    // The blind account's plan keeps its last good values but raises no backup alert of its own.
    expect(alerts.filter((a) => a.labels.backup_plan_id === 'dbsother')).toEqual([]);
  }, 120_000);

  it('every Grafana panel query is valid and returns data on the simulator fleet', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../config/grafana/dbs-exporter.json', import.meta.url), 'utf8')) as Dashboard;
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const { panel, expr } of queries) {
      const result = await prometheus.query(substituteVariables(expr));
      if (result.status !== 'success') failures.push(`${panel}: ${result.error}`);
      else if ((result.data?.result.length ?? 0) === 0) failures.push(`${panel}: no data for ${expr}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('alerts resolve after recovery', async () => {
    prod.fleet.setSchedule('dbslag', { incremental: true });
    prod.fleet.updateBackup('dbsstall', 'stuck-1', { BackupStatus: 'COMPLETED', EndTime: Date.now(), BackupSize: 200_000 });
    prod.fleet.setPlanStatus('dbspause', 'running');
    // A failed full stays an incident until a later full succeeds.
    prod.fleet.addFullBackup('dbsfail', { BackupSetId: 'retry-1', StartTime: Date.now() - 10_000, EndTime: Date.now() });
    other.faults.clear();
    await prometheus.waitFor(
      'every alert to resolve',
      async () => {
        const all = await prometheus.alerts();
        return all.length === 0 ? true : undefined;
      },
      90_000,
    );
    expect(await prometheus.alerts()).toEqual([]);
  }, 120_000);
});
