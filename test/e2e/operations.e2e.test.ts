/**
 * Operational stops with a real Prometheus: the simulator serves the plans' subscriptions
 * (DescribeBackupPlanList, DescribeBackupPlanBilling), a backup gateway (DescribeBackupGatewayList)
 * and DBS's reason for a failed full (DescribeJobErrorCode); the exporter polls every second
 * (billing too) over signed HTTP, and Prometheus scrapes it every second and evaluates the shipped
 * rules with the gateway's `for:` shrunk to 3 s. Every other threshold keeps its default: backups
 * that stop for a minute behind a down gateway or an ended subscription raise only these alerts.
 *
 * One timeline, as in restore.e2e.test.ts: after each step the exact set of firing alerts is
 * asserted; a DBS outage of the gateway listing, a rollout to a new pod and a restart in place
 * must change none of them; the last test checks the whole run from Prometheus's ALERTS history.
 *
 * Plans:
 *   dbsok        healthy, and opted into every policy alert: never an alert
 *   dbsexpiring  prepaid, expires in 10 days (DBSBackupPlanExpiringSoon), renewed
 *   dbsexpires   prepaid, expires 25 s into the run (ExpiringSoon, then DBSBackupPlanExpired), renewed
 *   dbsidc       running, behind gateway gw: DBSBackupGatewayDown (1 running plan) and DBSBackupPlanGatewayDown
 *   dbsidcpaused paused, behind the same gateway: counted by neither (its DBSBackupPlanNotRunning waits out its 30m `for:`)
 *   dbstraffic   prepaid, its month's backup traffic over its free quota (DBSBackupTrafficQuotaNearlyUsed at 90%)
 *   dbsshort     keeps full backups 3 days, 7 required (DBSBackupRetentionBelowMinimum)
 *   dbsplain     storage not encrypted, encryption required (DBSBackupStorageUnencrypted)
 *   dbsfail      its newest full failed: DBSBackupJobFailed quotes DBS's standard reason
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRules } from '../../src/rules/rules.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { alertKey as key, sleep, sorted, until } from '../support/alerts.js';
import { E2eStack, nowSeconds } from '../support/e2e-stack.js';
import type { PrometheusAlert } from '../support/prometheus.js';

const JOB = 'dbs-exporter-operations';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FAILED_WINDOW_SECONDS = 20;

const RULES = renderRules({ gatewayDownFor: '3s', jobFailedWindowSeconds: FAILED_WINDOW_SECONDS, exporterJobSelector: `job="${JOB}"` });

const EXPORTER_CONFIG = [
  'collection:',
  '  interval: 1s',
  '  lookback: 24h',
  '  max_staleness: 10m',
  '  billing: { interval: 1s }',
  'defaults:',
  '  rate_limit: { requests_per_second: 500 }',
  '  retries: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms }',
  'expectations:',
  '  - plans: { ids: [dbsok, dbstraffic, dbsshort, dbsplain] }',
  '    min_retention: { full: 7d }',
  '    storage_encryption: required',
  '    backup_traffic_alert_ratio: 0.9',
];

/* The alerts, as alertKey() spells them. */
const SOON = 'DBSBackupPlanExpiringSoon dbsexpiring';
const SOON_25S = 'DBSBackupPlanExpiringSoon dbsexpires';
const EXPIRED = 'DBSBackupPlanExpired dbsexpires';
const TRAFFIC = 'DBSBackupTrafficQuotaNearlyUsed dbstraffic';
const RETENTION = 'DBSBackupRetentionBelowMinimum dbsshort full';
const PLAIN = 'DBSBackupStorageUnencrypted dbsplain';
const FAILED = 'DBSBackupJobFailed dbsfail full';
let GATEWAY_DOWN: string;
const PLAN_GATEWAY_DOWN = 'DBSBackupPlanGatewayDown dbsidc';
/** Pending all along: the paused plan's own alert waits out its 30m `for:`. */
const PAUSED = 'DBSBackupPlanNotRunning dbsidcpaused pause';

let sim: Simulator;
let stack: E2eStack;
let gatewayId: string;
let expiresAt: number;
let runStart: number;

/** A full start time (HH:mm UTC) `ms` from now: no scheduled full runs during the test. */
const hhmmIn = (ms: number) => new Date(Date.now() + ms).toISOString().slice(11, 16);

/** The labels and annotations every alert here must carry. */
function expectAlert(alerts: PrometheusAlert[], k: string, labels: Record<string, string>): PrometheusAlert {
  const alert = alerts.find((a) => key(a.labels) === k);
  expect(alert, k).toBeDefined();
  expect(alert!.labels).toEqual({ alertname: k.split(' ')[0], account: 'prod', region: 'cn-hangzhou', ...labels });
  expect(alert!.annotations.summary).toBeTruthy();
  expect(alert!.annotations.description).not.toMatch(/<no value>|\{\{|NaN/);
  expect(alert!.annotations.runbook_url).toMatch(new RegExp(`/docs/runbooks\\.md#${k.split(' ')[0]!.toLowerCase()}$`));
  return alert!;
}

beforeAll(async () => {
  sim = await startSimulator({ adminApi: true });
  for (const plan of sim.fleet.listPlans()) sim.fleet.removePlan(plan.id);
  const now = Date.now();
  const createdAt = now - 3 * DAY;
  const prepaid = (expires: number, freeBytes?: number) => ({ chargeType: 'PREPAY' as const, boughtAt: createdAt, expiresAt: expires, billingSupported: true, ...(freeBytes !== undefined ? { freeBytes } : {}) });
  expiresAt = now + 25_000;
  sim.fleet.addPlan({ id: 'dbsok', createdAt, retentionDays: 30, storageEncryptMethod: 'sse_kms' });
  sim.fleet.addPlan({ id: 'dbsexpiring', createdAt, subscription: prepaid(now + 10 * DAY, 2 ** 50) });
  sim.fleet.addPlan({ id: 'dbsexpires', createdAt, subscription: prepaid(expiresAt, 2 ** 50) });
  const gw = sim.fleet.addGateway({ createdAt: now - 30 * DAY });
  gatewayId = String(gw.id);
  GATEWAY_DOWN = `DBSBackupGatewayDown gateway=${gatewayId}`;
  sim.fleet.addPlan({ id: 'dbsidc', createdAt, gatewayId: gw.id, sourceEndpointInstanceType: 'Agent' });
  sim.fleet.addPlan({ id: 'dbsidcpaused', createdAt, gatewayId: gw.id, sourceEndpointInstanceType: 'Agent', status: 'pause' });
  // One byte free: whatever the month's fulls and logs used is over 90% of it.
  sim.fleet.addPlan({ id: 'dbstraffic', createdAt, subscription: prepaid(now + 100 * DAY, 1) });
  sim.fleet.addPlan({ id: 'dbsshort', createdAt, retentionDays: 3, storageEncryptMethod: 'sse_oss' });
  sim.fleet.addPlan({ id: 'dbsplain', createdAt, retentionDays: 30, storageEncryptMethod: 'none' });
  sim.fleet.addPlan({ id: 'dbsfail', createdAt, full: { startTime: hhmmIn(12 * HOUR) } });
  sim.fleet.addFullBackup('dbsfail', { BackupSetId: 'dbsfail-full-bad', BackupStatus: 'failed', StartTime: now - 20 * MIN, EndTime: now - 10 * MIN });

  stack = new E2eStack(sim, EXPORTER_CONFIG, JOB, 'operations-e2e');
  await stack.start(RULES);
  runStart = nowSeconds();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await sim?.close();
});

describe('operational-stop alerts through a real Prometheus', () => {
  it('1. an expiry within 14 days, traffic over the quota, short retention, unencrypted storage and a failed full raise exactly their alerts', async () => {
    const alerts = await stack.expectFiring([SOON, SOON_25S, TRAFFIC, RETENTION, PLAIN, FAILED], 20_000);
    const soon = expectAlert(alerts, SOON, { backup_plan_id: 'dbsexpiring', severity: 'warning' });
    expect(Number(soon.value)).toBeGreaterThan(10 * 86_400 - 120);
    expect(soon.annotations.description).toMatch(/expires in 9d 23h \d+m \d+s/);
    const traffic = expectAlert(alerts, TRAFFIC, { backup_plan_id: 'dbstraffic', severity: 'warning' });
    expect(Number(traffic.value)).toBeGreaterThan(1000);
    expect(traffic.annotations.description).toContain('at or over the 90% configured for it');
    const retention = expectAlert(alerts, RETENTION, { backup_plan_id: 'dbsshort', backup_type: 'full', severity: 'warning' });
    expect(Number(retention.value)).toBe(3 * 86_400);
    expect(retention.annotations.description).toContain('for 3d 0h 0m 0s, less than the minimum of 7d 0h 0m 0s');
    expectAlert(alerts, PLAIN, { backup_plan_id: 'dbsplain', severity: 'warning' });
    // DBS's reason, in the page: what DescribeJobErrorCode answers for the failed set.
    const reason = sim.fleet.jobError('dbsfail-full-bad')!;
    expect(reason.ErrorCode).toMatch(/^DBS\./);
    const failed = expectAlert(alerts, FAILED, { backup_plan_id: 'dbsfail', backup_type: 'full', severity: 'warning' });
    expect(failed.annotations.description).toContain(`DBS says: ${reason.ErrorCode}: ${reason.ErrorMessage}`);
    await stack.expectNothingPending([PAUSED]);
    await stack.expectRulesHealthy();
  }, 40_000);

  it('2. the gateway goes offline: one page for it, counting only the running plan, and an info alert for that plan', async () => {
    sim.fleet.setGatewayStatus(gatewayId, 'OFFLINE');
    const alerts = await stack.expectFiring([SOON, SOON_25S, TRAFFIC, RETENTION, PLAIN, FAILED, GATEWAY_DOWN, PLAN_GATEWAY_DOWN], 20_000);
    const down = alerts.find((a) => key(a.labels) === GATEWAY_DOWN)!;
    expect(down.labels).toEqual({ alertname: 'DBSBackupGatewayDown', account: 'prod', region: 'cn-hangzhou', backup_gateway_id: gatewayId, severity: 'critical' });
    expect(Number(down.value)).toBe(1);
    expect(down.annotations.description).toContain('serves 1 running plans');
    expect(down.annotations.description).toContain('status OFFLINE');
    const plan = expectAlert(alerts, PLAN_GATEWAY_DOWN, { backup_plan_id: 'dbsidc', backup_gateway_id: gatewayId, severity: 'info' });
    expect(plan.annotations.description).toContain(`backup gateway ${gatewayId}`);
    await stack.expectNothingPending([PAUSED]);
  }, 30_000);

  it('3. the gateway listing fails for a while (a DBS outage): the gateway page holds', async () => {
    await stack.expectSteadyThrough([SOON, SOON_25S, TRAFFIC, RETENTION, PLAIN, FAILED, GATEWAY_DOWN, PLAN_GATEWAY_DOWN], async () => {
      sim.faults.set({ kind: 'http', status: 503, action: 'DescribeBackupGatewayList' });
      await until('the exporter to say its gateway listing fails', async () => {
        const res = await stack.prometheus.query('dbs_exporter_gateway_list_success == 0');
        return res.data?.result.length === 1;
      }, 15_000);
      await sleep(3_000);
      sim.faults.clear();
    });
  }, 60_000);

  it('4. the subscription ends: DBSBackupPlanExpired replaces the warning', async () => {
    const alerts = await stack.expectFiring([SOON, EXPIRED, TRAFFIC, RETENTION, PLAIN, FAILED, GATEWAY_DOWN, PLAN_GATEWAY_DOWN], expiresAt - Date.now() + 15_000);
    const expired = expectAlert(alerts, EXPIRED, { backup_plan_id: 'dbsexpires', severity: 'critical' });
    expect(Number(expired.value)).toBeCloseTo(expiresAt / 1000, 3);
    await stack.expectNothingPending([PAUSED]);
  }, 60_000);

  it('5. a rollout to a new pod and a restart in place: every alert fires on, same activeAt', async () => {
    const firing = [SOON, EXPIRED, TRAFFIC, RETENTION, PLAIN, FAILED, GATEWAY_DOWN, PLAN_GATEWAY_DOWN];
    await stack.expectSteadyThrough(firing, () => stack.rollout('exporter-b'));
    await stack.expectSteadyThrough(firing, () => stack.restartInPlace());
    await stack.expectNothingPending([PAUSED]);
    await stack.expectRulesHealthy();
  }, 90_000);

  it('6. renewed, back online, more free traffic, longer retention, encrypted, a successful full: every alert resolves', async () => {
    const now = Date.now();
    sim.fleet.setSubscription('dbsexpiring', { expiresAt: now + 100 * DAY });
    sim.fleet.setSubscription('dbsexpires', { expiresAt: now + 100 * DAY });
    sim.fleet.setGatewayStatus(gatewayId, 'ONLINE');
    sim.fleet.setSubscription('dbstraffic', { freeBytes: 2 ** 50 });
    sim.fleet.updatePlan('dbsshort', { retentionDays: 30 });
    sim.fleet.updatePlan('dbsplain', { storageEncryptMethod: 'sse_kms' });
    sim.fleet.addFullBackup('dbsfail', { BackupSetId: 'dbsfail-full-good', BackupStatus: 'finish', StartTime: now - 5 * MIN, EndTime: now - 1_000 });
    // The failure leaves its window 20 s after it ended (it ended 10 minutes before the run): at once.
    await stack.expectFiring([], 20_000);
    await stack.expectNothingPending([PAUSED]);
  }, 40_000);

  it('7. over the whole run: each alert fired in one unbroken stretch, dbsok and the paused plan raised nothing, rules evaluated cleanly', async () => {
    const from = Math.ceil(runStart) + 1;
    const history = await stack.prometheus.queryRange('ALERTS{alertstate="firing"}', from, Math.ceil(nowSeconds()), 1);
    expect(history.status).toBe('success');
    const stretches = (history.data?.result ?? []).map((series) => {
      const steps = series.values.map(([t]) => t);
      const holes = steps.slice(1).filter((t, i) => t - steps[i]! !== 1).length;
      return `${key(series.metric)}: ${holes === 0 ? 'one stretch' : `${holes + 1} stretches`}`;
    });
    expect(sorted(stretches)).toEqual(sorted([SOON, SOON_25S, EXPIRED, TRAFFIC, RETENTION, PLAIN, FAILED, GATEWAY_DOWN, PLAN_GATEWAY_DOWN].map((k) => `${k}: one stretch`)));
    const quiet = await stack.prometheus.query(`max_over_time(ALERTS{backup_plan_id=~"dbsok|dbsidcpaused", alertname!="DBSBackupPlanNotRunning"}[${Math.ceil(nowSeconds() - from)}s])`);
    expect(quiet.data?.result).toEqual([]);
    await stack.expectRulesHealthy();
    expect(stack.prometheus.logs()).not.toMatch(/Evaluating rule failed|many-to-many|duplicate series|vector contains metrics with the same labelset/i);
  }, 30_000);
});
