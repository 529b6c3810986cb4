/**
 * History drills with a real Prometheus: the incident classes that need days of DBS history
 * (a full overdue by its schedule, no full ever, a full set expiring before its replacement,
 * a plan stuck in init for hours, log backups failing or known only from before the lookback).
 * The history is planted in the simulator with timestamps in the past instead of waited for.
 *
 * The exact set of firing alerts is asserted once it settles, sampled every 500 ms across an
 * exporter restart on the same port (set and activeAt must never change), asserted again, and
 * then two incidents are resolved.
 *
 * Shrunk thresholds as in the lifecycle drills (lag 15 s, gap tolerance 14 s, `for:` 3 s); the
 * production full-backup factor (1.5: a daily plan's full is overdue after 36 h), init grace (6 h),
 * expiry warning (2 d) and replacement grace (1 h). Exporter lookback 2 h (fulls: 3 d for a daily
 * plan, two intervals plus a day). Scrape, evaluation and exporter poll every second; real time.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import { renderRules } from '../../src/rules/rules.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { type AlertSample, alertKey, expectFiring as expectFiringOf, firingAlerts as firingAlertsOf, sampleAlerts, sleep, sorted, until } from '../support/alerts.js';
import { type PrometheusAlert, PrometheusServer } from '../support/prometheus.js';
import { simulatorConfig } from '../support/simulator-config.js';

const JOB = 'dbs-exporter-history';
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const LAG_SECONDS = 15;

const RULES = renderRules({
  incrementalLagSeconds: LAG_SECONDS,
  jobFailedWindowSeconds: 120,
  stallSeconds: 17,
  planNotRunningFor: '3s',
  seriesGapTolerance: '14s',
  targetDownFor: '3s',
  pollFailingFor: '3s',
  exporterDownFor: '5s',
  planDisappearedWindow: '2m',
  // Longer than the exporter's longest pause after Throttling (30 s), so the window always holds requests.
  throttledWindow: '40s',
  throttledFor: '3s',
  exporterJobSelector: `job="${JOB}"`,
});

/* The alerts, as key() spells them. */
const OVERDUE = 'DBSFullBackupOverdue dbsoverdue full';
const NO_FULL = 'DBSNoSuccessfulFullBackup dbsnofull full';
const AT_RISK = 'DBSRestoreWindowAtRisk dbsexpiring';
const INIT = 'DBSBackupPlanNotRunning dbsinit init';
const LOG_FAILED = 'DBSBackupJobFailed dbslogfail incremental';
const LOG_FAIL_LAG = 'DBSIncrementalBackupLagging dbslogfail incremental';
const NO_LOG_LAG = 'DBSIncrementalBackupLagging dbsnolog incremental';
/** Neither log chain starts at its full: DBS lists no continuous range, so no point-in-time restore at all. */
const LOG_FAIL_RPO = 'DBSRecoveryPointTooOld dbslogfail';
const NO_LOG_RPO = 'DBSRecoveryPointTooOld dbsnolog';
const INITIAL = [OVERDUE, NO_FULL, AT_RISK, INIT, LOG_FAILED, LOG_FAIL_LAG, NO_LOG_LAG, LOG_FAIL_RPO, NO_LOG_RPO];
const FINAL = INITIAL.filter((k) => k !== OVERDUE && k !== INIT);

const nowSeconds = () => Date.now() / 1000;

let sim: Simulator;
let prometheus: PrometheusServer | undefined;
let exporter: RunningExporter | undefined;
let port = 0;
/** When the history was planted (epoch ms): every planted timestamp is relative to it. */
let t0: number;
let firstSet: PrometheusAlert[] = [];

async function startExporter(listenPort: number): Promise<RunningExporter> {
  const config = simulatorConfig({ prod: sim }, [
    'collection: { interval: 1s, lookback: 2h, max_staleness: 10m }',
    'defaults:',
    '  rate_limit: { requests_per_second: 500 }',
    '  retries: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms }',
  ]);
  return runExporter(config, {
    logger: pino({ level: 'silent' }),
    build: { version: 'history' },
    listenAddress: `127.0.0.1:${listenPort}`,
    telemetryPath: '/metrics',
  });
}

const key = alertKey;
const firingAlerts = () => firingAlertsOf(prometheus!);
const expectFiring = (expected: readonly string[], timeoutMs?: number) => expectFiringOf(prometheus!, expected, timeoutMs);

/** Samples the firing alerts every 500 ms until `done` resolves. */
async function sampleWhile(done: Promise<unknown>): Promise<AlertSample[]> {
  const samples: AlertSample[] = [];
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  while (!finished) {
    samples.push(await sampleAlerts(prometheus!));
    await sleep(500);
  }
  await done;
  return samples;
}

const byKey = (alerts: PrometheusAlert[], k: string) => alerts.find((a) => key(a.labels) === k)!;

beforeAll(async () => {
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
  sim = await startSimulator();
  for (const plan of sim.fleet.listPlans()) sim.fleet.removePlan(plan.id);
  const fleet = sim.fleet;
  t0 = Date.now();
  const logEvery3s = { intervalMs: 3_000 };
  // Daily BackupPeriod (the default: every weekday); the simulator schedules no full.
  const plan = (id: string, createdAgoMs: number, extra: Parameters<typeof fleet.addPlan>[0] = {}) =>
    fleet.addPlan({ id, name: `db-${id}`, createdAt: t0 - createdAgoMs, incremental: logEvery3s, schedule: { full: false, incremental: true }, ...extra });
  /** A successful full that ended `endedAgoMs` ago after running 20 minutes. */
  const full = (id: string, endedAgoMs: number, extra: Parameters<typeof fleet.addFullBackup>[1] = {}) =>
    fleet.addFullBackup(id, { StartTime: t0 - endedAgoMs - 20 * MIN, EndTime: t0 - endedAgoMs, ...extra });

  plan('dbsoverdue', 10 * DAY);
  full('dbsoverdue', 40 * HOUR);

  plan('dbsnofull', 2 * DAY);

  plan('dbsexpiring', 10 * DAY);
  full('dbsexpiring', 20 * HOUR, { BackupSetExpiredTime: t0 + HOUR });

  plan('dbsinit', 7 * HOUR, { status: 'init' });
  plan('dbsinitnew', 1 * HOUR, { status: 'init' });

  plan('dbslogfail', 10 * DAY, { schedule: { full: false, incremental: false } });
  full('dbslogfail', 2 * HOUR);
  fleet.addIncrementBackup('dbslogfail', { BackupSetId: 'dbslogfail-ok', BackupStatus: 'COMPLETED', StartTime: t0 - 63 * SEC, EndTime: t0 - 60 * SEC });
  fleet.addIncrementBackup('dbslogfail', { BackupSetId: 'dbslogfail-broken', BackupStatus: 'UNCOMPLETED', StartTime: t0 - 33 * SEC, EndTime: t0 - 30 * SEC });

  plan('dbsnolog', 10 * DAY, { schedule: { full: false, incremental: false } });
  full('dbsnolog', 2 * HOUR);
  fleet.addIncrementBackup('dbsnolog', { BackupSetId: 'dbsnolog-old', BackupStatus: 'COMPLETED', StartTime: t0 - 4 * HOUR - 3 * SEC, EndTime: t0 - 4 * HOUR });

  plan('dbshealthy', 10 * DAY);
  full('dbshealthy', 2 * HOUR);

  expect(fleet.describePlan('dbsinit')!.EnableBackupLog).toBe(true);
  expect(fleet.describePlan('dbsnolog')!.EnableBackupLog).toBe(true);

  exporter = await startExporter(0);
  port = exporter.address.port;
  prometheus = await PrometheusServer.start({ scrapeTargets: [`127.0.0.1:${port}`], job: JOB, rules: RULES });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  await sim?.close();
});

describe('incidents that need days of DBS history, planted in the simulator', () => {
  it('each planted history raises exactly its alert, with the value the history implies', async () => {
    const alerts = await expectFiring(INITIAL, 40_000);
    firstSet = alerts;
    const t0s = t0 / 1000;
    const elapsed = nowSeconds() - t0s + 5;
    const value = (k: string) => Number(byKey(alerts, k).value);
    // Daily plan: overdue past 1.5 × 24 h; the full ended 40 h ago.
    expect(value(OVERDUE)).toBeGreaterThanOrEqual(40 * 3600);
    expect(value(OVERDUE)).toBeLessThan(40 * 3600 + elapsed);
    // No full since the plan's creation 2 days ago (the 3-day full lookback is clipped to it).
    expect(value(NO_FULL)).toBeGreaterThanOrEqual(48 * 3600 - 5);
    expect(value(NO_FULL)).toBeLessThan(48 * 3600 + elapsed);
    // The set expires in under an hour, before the next daily full would start.
    expect(value(AT_RISK)).toBeLessThanOrEqual(3600);
    expect(value(AT_RISK)).toBeGreaterThan(3600 - elapsed);
    // The failed log job's EndTime, from DBS.
    expect(value(LOG_FAILED)).toBeCloseTo(t0s - 30, 0);
    // dbslogfail: the newest log success ended 60 s ago.
    expect(value(LOG_FAIL_LAG)).toBeGreaterThanOrEqual(60);
    expect(value(LOG_FAIL_LAG)).toBeLessThan(60 + elapsed);
    // dbsnolog: its only log success (4 h ago) is older than the 2 h lookback: the lag is the
    // lookback's lower bound ("at least 2 h"), never less, and not the unseen 4 h.
    expect(value(NO_LOG_LAG)).toBeGreaterThanOrEqual(2 * 3600);
    expect(value(NO_LOG_LAG)).toBeLessThan(2 * 3600 + elapsed);
    expect(byKey(alerts, INIT).labels).toEqual({
      alertname: 'DBSBackupPlanNotRunning',
      account: 'prod',
      region: 'cn-hangzhou',
      backup_plan_id: 'dbsinit',
      status: 'init',
      severity: 'warning',
    });
    // The young init plan and the healthy one: nothing, not even pending.
    expect((await prometheus!.alerts()).filter((a) => ['dbsinitnew', 'dbshealthy'].includes(a.labels.backup_plan_id ?? ''))).toEqual([]);
  }, 45_000);

  it('an exporter restart on the same port changes neither the firing set nor any activeAt', async () => {
    await expectFiring(INITIAL, 5_000);
    const address = `127.0.0.1:${port}`;
    const restart = (async () => {
      await sleep(1_000);
      await exporter!.stop();
      await until('a failed scrape of the stopped exporter', async () => (await prometheus!.query(`up{instance="${address}"} == 0`)).data?.result.length === 1, 10_000);
      await sleep(1_500);
      const since = nowSeconds();
      exporter = await startExporter(port);
      await until(
        'a scrape of the restarted exporter with a finished cycle',
        async () => (await prometheus!.query(`dbs_exporter_last_cycle_timestamp_seconds{instance="${address}"} > ${since}`)).data?.result.length === 1,
        15_000,
      );
      await sleep(20_000);
    })();
    const samples = await sampleWhile(restart);
    expect(samples.length).toBeGreaterThanOrEqual(40);
    expect([...new Set(samples.map((s) => s.firing.join(' | ')))]).toEqual([sorted(INITIAL).join(' | ')]);
    for (const k of INITIAL) expect([k, [...new Set(samples.map((s) => s.activeAt[k]))]]).toEqual([k, [byKey(firstSet, k).activeAt]]);
    const after = await expectFiring(INITIAL, 5_000);
    for (const k of INITIAL) expect([k, byKey(after, k).activeAt]).toEqual([k, byKey(firstSet, k).activeAt]);
  }, 60_000);

  it('a fresh full resolves the overdue page; the init plan started resolves its page and raises nothing else', async () => {
    sim.fleet.addFullBackup('dbsoverdue', { BackupSetId: 'dbsoverdue-fresh', StartTime: Date.now() - 60 * SEC, EndTime: Date.now() });
    // dbsinit runs from now, its log schedule on (one every 3 s), no full planted: a resumed plan's
    // full schedule counts from the resume, so no full page for 36 h; its lag page is held off
    // for 15 s after the resume, by which time log backups are coming in.
    const resumed = Date.now();
    sim.fleet.setPlanStatus('dbsinit', 'running');
    const alerts = await expectFiring(FINAL, 15_000);
    for (const k of FINAL) expect([k, byKey(alerts, k).activeAt]).toEqual([k, byKey(firstSet, k).activeAt]);
    // Past the lag threshold after the resume, still exactly that set, and nothing pending for dbsinit.
    const waited = sleep(Math.max(0, resumed + (LAG_SECONDS + 3) * 1000 - Date.now()));
    const samples = await sampleWhile(waited);
    expect([...new Set(samples.map((s) => s.firing.join(' | ')))]).toEqual([sorted(FINAL).join(' | ')]);
    expect((await prometheus!.alerts()).filter((a) => ['dbsinit', 'dbsoverdue', 'dbsinitnew', 'dbshealthy'].includes(a.labels.backup_plan_id ?? ''))).toEqual([]);
    const unhealthy = (await prometheus!.rules()).filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
    expect(unhealthy).toEqual([]);
  }, 45_000);

  it('DBS throttling every request: DBSExporterThrottled and DBSExporterTargetDown for the account, the backup pages hold; both end once it stops', async () => {
    sim.faults.set({ kind: 'throttle' });
    const throttled = [...FINAL, 'DBSExporterTargetDown account=prod', 'DBSExporterThrottled account=prod'];
    const during = await expectFiring(throttled, 45_000);
    for (const k of FINAL) expect([k, byKey(during, k).activeAt]).toEqual([k, byKey(firstSet, k).activeAt]);
    sim.faults.clear();
    // The exporter may still be in its pause after the last Throttling answer (at most 30 s).
    const after = await expectFiring(FINAL, 75_000);
    for (const k of FINAL) expect([k, byKey(after, k).activeAt]).toEqual([k, byKey(firstSet, k).activeAt]);
  }, 150_000);
});
