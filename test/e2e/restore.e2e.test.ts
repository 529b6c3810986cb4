/**
 * Restore drills with a real Prometheus: the simulator serves DescribeRestoreRangeInfo and
 * DescribeRestoreTaskList (ranges derived from its own full and log backup sets, restore tasks
 * added through its admin API), the exporter polls them every second over signed HTTP, and
 * Prometheus scrapes it every second and evaluates the shipped rules with the restore thresholds
 * shrunk (RPO 20 s, gap 30 s, failed restore window 20 s, log backup off `for:` 3 s). The backup
 * thresholds keep their defaults: stopping log backups for a minute must raise the restore
 * alerts only.
 *
 * One simulator, one Prometheus, one timeline, as in lifecycle.e2e.test.ts: after each step the
 * exact set of firing alerts is asserted; the exporter is replaced by a new pod on a new port
 * while three restore alerts fire (DBSRestoreFailed among them), and none of them may change;
 * test 6 checks the whole run from Prometheus's own ALERTS history. Tests 7-8: a value that went
 * down after a rollout must not come back from the replaced pod when a scrape is missed (the rules'
 * bridged values read only targets Prometheus still scrapes).
 *
 * Plans:
 *   dbsok           healthy, with drill expectations and a fresh fast drill: never an alert
 *   dbsrpo          log backups stop (DBSRecoveryPointTooOld), resume with a new full (DBSRestoreGap); log backup off in tests 7-8
 *   dbslogoff       log backup switched off (DBSLogBackupDisabled), on again with a new full (DBSRestoreGap)
 *   dbslogintended  log backup switched off, declared intended: never an alert
 *   dbsrestorefail  a failed restore (DBSRestoreFailed), held across the restart, then a successful one
 *   dbsdrill        drill expectations (max age 1h, RTO 1m): overdue, then slow too, then a fresh fast drill ends both
 *   dbsnoexp        dbsdrill's drills without expectations: never an alert
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRules } from '../../src/rules/rules.js';
import { startSimulator, type RestoreTaskInput, type Simulator } from '../../src/simulator/index.js';
import { alertKey as key, sleep, sorted, until } from '../support/alerts.js';
import { E2eStack, nowSeconds } from '../support/e2e-stack.js';
import type { PrometheusAlert, PrometheusServer } from '../support/prometheus.js';

const JOB = 'dbs-exporter-restore';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const LOG_INTERVAL_MS = 4_000;
const RPO_SECONDS = 20;
const GAP_RECENT_SECONDS = 30;
const FAILED_WINDOW_SECONDS = 20;

const RULES = renderRules({
  recoveryPointMaxAgeSeconds: RPO_SECONDS,
  restoreGapRecentSeconds: GAP_RECENT_SECONDS,
  restoreFailedWindowSeconds: FAILED_WINDOW_SECONDS,
  logBackupDisabledFor: '3s',
  exporterJobSelector: `job="${JOB}"`,
});

const PLANS = ['dbsok', 'dbsrpo', 'dbslogoff', 'dbslogintended', 'dbsrestorefail', 'dbsdrill', 'dbsnoexp'] as const;
/** Plans that never raise an alert. */
const QUIET = ['dbsok', 'dbslogintended', 'dbsnoexp'] as const;

/* The alerts, as alertKey() spells them. */
const RPO = 'DBSRecoveryPointTooOld dbsrpo';
const GAP_RPO = 'DBSRestoreGap dbsrpo';
const GAP_LOGOFF = 'DBSRestoreGap dbslogoff';
const LOG_OFF = 'DBSLogBackupDisabled dbslogoff';
const LOG_OFF_RPO = 'DBSLogBackupDisabled dbsrpo';
const FAILED = 'DBSRestoreFailed dbsrestorefail';
const OVERDUE = 'DBSRestoreDrillOverdue dbsdrill';
const SLOW = 'DBSRestoreDrillSlow dbsdrill';
const RESTORE_ALERTS = ['DBSRestoreGap', 'DBSRecoveryPointTooOld', 'DBSLogBackupDisabled', 'DBSRestoreFailed', 'DBSRestoreDrillOverdue', 'DBSRestoreDrillSlow'];

const EXPORTER_CONFIG = [
  'collection:',
  '  interval: 1s',
  '  lookback: 10m',
  '  max_staleness: 10m',
  '  restore_ranges: { interval: 1s }',
  '  restore_tasks: { interval: 1s }',
  'defaults:',
  '  rate_limit: { requests_per_second: 500 }',
  '  retries: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms }',
  'expectations:',
  '  - plans: { ids: [dbsok, dbsdrill] }',
  '    restore_drill_max_age: 1h',
  '    restore_drill_rto: 1m',
  '  - targets: [prod]',
  '    plans: { ids: [dbslogintended] }',
  '    log_backup_off: intended',
];

/** How Prometheus's humanizeTimestamp begins: `2026-12-07 00:23:45`. */
const humanTimestamp = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');

let sim: Simulator;
let stack: E2eStack;
let prometheus: PrometheusServer;
let runStart: number;
/** When each step began (Unix s), for the whole-run check's failure message. */
const marks: Record<string, number> = {};

/** Daily fulls (the last ended hours ago, none due during the test) and a log backup every 4 s. */
function addPlan(id: string): void {
  const sixHoursAgo = new Date(Date.now() - 6 * HOUR);
  const startTime = `${String(sixHoursAgo.getUTCHours()).padStart(2, '0')}:${String(sixHoursAgo.getUTCMinutes()).padStart(2, '0')}`;
  sim.fleet.addPlan({
    id,
    name: `db-${id}`,
    createdAt: Date.now() - 3 * DAY,
    full: { weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'], startTime, durationMs: 20 * MIN },
    incremental: { intervalMs: LOG_INTERVAL_MS },
    retentionDays: 7,
  });
}

/** A restore task through the simulator's admin API, as another process would add it. */
async function addRestoreTask(planId: string, input: RestoreTaskInput): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/plans/${planId}/restore-tasks`, { method: 'POST', body: JSON.stringify(input) });
  expect([res.status, await res.text()]).toEqual([201, expect.stringContaining(input.id ?? '')]);
}

/** A task created `agoMs` ago that took `durationMs`: ended `agoMs - durationMs` ago. */
const task = (id: string, name: string, agoMs: number, durationMs: number, outcome: 'finish' | 'stop' = 'finish'): RestoreTaskInput => ({
  id,
  name,
  createdAt: Date.now() - agoMs,
  durationMs,
  outcome,
  ...(outcome === 'stop' ? { errMessage: 'destination instance out of disk space' } : {}),
});

const expectFiring = (expected: readonly string[], timeoutMs?: number) => stack.expectFiring(expected, timeoutMs);
const expectNothingPending = () => stack.expectNothingPending();
const expectRulesHealthy = () => stack.expectRulesHealthy();

/** The labels and annotations every restore alert must carry. */
function expectPlanAlert(alerts: PrometheusAlert[], alertname: string, planId: string, severity: 'warning' | 'critical'): PrometheusAlert {
  const alert = alerts.find((a) => a.labels.alertname === alertname && a.labels.backup_plan_id === planId);
  expect(alert, `${alertname} ${planId}`).toBeDefined();
  expect(alert!.labels).toEqual({ alertname, account: 'prod', region: 'cn-hangzhou', backup_plan_id: planId, severity });
  expect(alert!.annotations.summary).toBeTruthy();
  expect(alert!.annotations.description).toContain(`plan ${planId} (account prod, region cn-hangzhou)`);
  expect(alert!.annotations.description).not.toMatch(/<no value>|\{\{|NaN/);
  expect(alert!.annotations.runbook_url).toMatch(new RegExp(`/docs/runbooks\\.md#${alertname.toLowerCase()}$`));
  return alert!;
}

/** Until the simulator lists a COMPLETED log backup of the plan that started at or after `since`; its end. */
async function newLogEnd(planId: string, since: number): Promise<number> {
  let end: number | undefined;
  await until(`a new log backup of ${planId}`, async () => {
    const log = sim.fleet.incrementBackups(planId)!.find((s) => s.BackupStatus === 'COMPLETED' && Number(s.StartTime) >= since);
    end = log ? Number(log.EndTime) : undefined;
    return end !== undefined;
  }, 3 * LOG_INTERVAL_MS, 100);
  return end!;
}

/** Every alert (pending or firing) matching `selector` at some evaluation since `from` (Unix s), as `state key`. */
async function alertsSince(selector: string, from: number): Promise<string[]> {
  const res = await prometheus.query(`max_over_time(ALERTS{${selector}}[${Math.ceil(nowSeconds() - from)}s])`);
  expect(res.status).toBe('success');
  return sorted((res.data?.result ?? []).map((r) => `${r.metric.alertstate} ${key(r.metric)}`));
}

beforeAll(async () => {
  sim = await startSimulator({ adminApi: true });
  for (const plan of sim.fleet.listPlans()) sim.fleet.removePlan(plan.id);
  for (const id of PLANS) addPlan(id);
  // dbsok: drilled 20 minutes ago in 40 s, and restored once: within its expectations.
  await addRestoreTask('dbsok', task('dbsok-drill-1', 'weekly-drill', 20 * MIN, 40_000));
  await addRestoreTask('dbsok', task('dbsok-restore-1', 'restore-for-reporting', 50 * MIN, 5 * MIN));
  // dbsdrill and dbsnoexp: last drilled two hours ago (in 30 s): older than dbsdrill's 1h maximum.
  for (const id of ['dbsdrill', 'dbsnoexp']) await addRestoreTask(id, task(`${id}-drill-1`, 'Drill-Weekly', 2 * HOUR + MIN, 30_000));

  stack = new E2eStack(sim, EXPORTER_CONFIG, JOB, 'restore-e2e');
  await stack.start(RULES);
  prometheus = stack.prometheus;
  runStart = nowSeconds();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await sim?.close();
});

describe('restore alerts through a real Prometheus', () => {
  it('1. healthy plans raise no restore alert; only the drill expectation nobody met fires (DBSRestoreDrillOverdue)', async () => {
    await until('every plan with a recovery point, restore tasks and expectations in Prometheus', async () => {
      const res = await prometheus.query(
        [
          `count(dbs_restore_recovery_point_timestamp_seconds) == ${PLANS.length}`,
          `and on () count(max by (backup_plan_id) (dbs_restore_tasks)) == ${PLANS.length}`,
          'and on () count(dbs_restore_drill_max_age_seconds) == 2 and on () count(dbs_restore_drill_rto_seconds) == 2',
          'and on () count(dbs_backup_plan_log_backup_off_intended) == 1',
        ].join(' '),
      );
      return res.data?.result.length === 1 ? true : res.data?.result;
    });
    // What the exporter made of the expectations.
    const expectation = async (metric: string) =>
      Object.fromEntries(((await prometheus.query(metric)).data?.result ?? []).map((r) => [r.metric.backup_plan_id, r.value?.[1]]));
    expect(await expectation('dbs_restore_drill_max_age_seconds')).toEqual({ dbsok: '3600', dbsdrill: '3600' });
    expect(await expectation('dbs_restore_drill_rto_seconds')).toEqual({ dbsok: '60', dbsdrill: '60' });
    expect(await expectation('dbs_backup_plan_log_backup_off_intended')).toEqual({ dbslogintended: '1' });

    const alerts = await expectFiring([OVERDUE], 15_000);
    const overdue = expectPlanAlert(alerts, 'DBSRestoreDrillOverdue', 'dbsdrill', 'warning');
    expect(Number(overdue.value)).toBeGreaterThan(2 * 3600);
    expect(overdue.annotations.description).toContain('more than the 1h 0m 0s configured'); // looked up per plan
    // Several evaluations later still only that, and nothing pending.
    await sleep(4_000);
    await expectFiring([OVERDUE], 1_000);
    await expectNothingPending();
    await expectRulesHealthy();
  }, 45_000);

  it('2. a failed restore, a slow drill, log backup off and stopped log backups raise exactly their alerts', async () => {
    const stoppedAt = Date.now();
    marks.faults = nowSeconds();
    sim.fleet.setSchedule('dbsrpo', { incremental: false });
    sim.fleet.updatePlan('dbslogoff', { incremental: null });
    sim.fleet.updatePlan('dbslogintended', { incremental: null });
    // Ended 10 s ago, a failure.
    await addRestoreTask('dbsrestorefail', task('dbsrestorefail-1', 'restore-after-incident', 40_000, 30_000, 'stop'));
    // Succeeded 90 minutes ago in 5 minutes: newer than the last drill, still over 1h old, over the 1m RTO.
    for (const id of ['dbsdrill', 'dbsnoexp']) await addRestoreTask(id, task(`${id}-drill-2`, 'drill-weekly', 95 * MIN, 5 * MIN));

    // The failure, the slow drill and log backup off (`for: 3s`) within seconds; the recovery point RPO s after the last log.
    const early = await expectFiring([OVERDUE, SLOW, FAILED, LOG_OFF], 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(RPO_SECONDS * 1000);
    const failed = expectPlanAlert(early, 'DBSRestoreFailed', 'dbsrestorefail', 'warning');
    expect(Math.abs(Number(failed.value) - (stoppedAt - 10_000) / 1000)).toBeLessThan(5);
    expect(failed.annotations.description).toContain(`ended at ${humanTimestamp(Number(failed.value) * 1000)}`);
    const slow = expectPlanAlert(early, 'DBSRestoreDrillSlow', 'dbsdrill', 'warning');
    expect(Number(slow.value)).toBe(300);
    expect(slow.annotations.description).toContain('took 5m 0s, longer than the recovery time objective of 1m 0s');
    expectPlanAlert(early, 'DBSLogBackupDisabled', 'dbslogoff', 'warning');

    const alerts = await expectFiring([OVERDUE, SLOW, FAILED, LOG_OFF, RPO], (RPO_SECONDS + 2 * LOG_INTERVAL_MS / 1000 + 10) * 1000);
    const rpo = expectPlanAlert(alerts, 'DBSRecoveryPointTooOld', 'dbsrpo', 'critical');
    expect(Number(rpo.value)).toBeGreaterThan(RPO_SECONDS);
    // The backup alerts keep their production thresholds: a minute without log backups is no lag page.
    expect((await prometheus.alerts()).filter((a) => !RESTORE_ALERTS.includes(a.labels.alertname!))).toEqual([]);
    await expectNothingPending();
  }, 60_000);

  it('3. a fresh fast drill resolves both drill alerts; the plan without expectations never had one', async () => {
    marks.drills = nowSeconds();
    // A drill 20 s ago in 10 s: fresh and fast.
    for (const id of ['dbsdrill', 'dbsnoexp']) await addRestoreTask(id, task(`${id}-drill-3`, 'drill-weekly', 20_000, 10_000));
    await expectFiring([FAILED, LOG_OFF, RPO], 15_000);
    await expectNothingPending();
  }, 30_000);

  it('4. the exporter replaced by a new pod on a new port: every restore alert fires on, same activeAt', async () => {
    marks.restart = nowSeconds();
    await stack.expectSteadyThrough([FAILED, LOG_OFF, RPO], () => stack.rollout('exporter-b'));
    await expectNothingPending();
    await expectRulesHealthy();
  }, 60_000);

  it('5. a successful restore and log backup on resolve theirs; log backups resuming leave a gap, which resolves in its time', async () => {
    // A later restore succeeded (ended 10 s ago); the failure has left its 20 s window.
    await addRestoreTask('dbsrestorefail', task('dbsrestorefail-2', 'restore-after-incident-retry', 15_000, 5_000));
    const resumedAt = Date.now();
    marks.recover = nowSeconds();
    sim.fleet.setSchedule('dbsrpo', { incremental: true });
    sim.fleet.updatePlan('dbslogoff', { incremental: { intervalMs: LOG_INTERVAL_MS } });
    // dbsrpo's recovery point stood still at the end of its last log backup since they stopped.
    const stoodStill = Number((await prometheus.query('dbs:restore_recovery_point_timestamp_seconds{backup_plan_id="dbsrpo"}')).data?.result[0]?.value?.[1]);
    await expectFiring([RPO], 15_000);

    // DBS starts a new continuous range only from a full backup the new log chain covers: one ends
    // as the first new log backup does. The hole since the old range is a gap, and the recovery point moves again.
    const newFullEnd: Record<string, number> = {};
    for (const id of ['dbsrpo', 'dbslogoff']) {
      const end = await newLogEnd(id, resumedAt);
      sim.fleet.addFullBackup(id, { BackupSetId: `${id}-full-after-resume`, StartTime: end - 2 * MIN, EndTime: end });
      newFullEnd[id] = end;
    }
    const alerts = await expectFiring([GAP_RPO, GAP_LOGOFF], 15_000);
    for (const id of ['dbsrpo', 'dbslogoff'] as const) {
      // What DBS says: the old range, then the new one from the new full on.
      const ranges = sim.fleet.restoreRanges(id, { begin: Date.now() - 7 * DAY, end: Date.now() })!.filter((r) => r.RangeType === 'range');
      expect(ranges.map((r) => Number(r.BeginTimestampForRestore)).slice(-1)).toEqual([newFullEnd[id]]);
      const oldEnd = Number(ranges.at(-2)!.EndTimestampForRestore);
      if (id === 'dbsrpo') expect(oldEnd / 1000).toBeCloseTo(stoodStill, 3);
      const gap = expectPlanAlert(alerts, 'DBSRestoreGap', id, 'warning');
      expect(Number(gap.value)).toBeCloseTo((newFullEnd[id]! - oldEnd) / 1000, 3);
      expect(gap.annotations.description).toContain(`ending at ${humanTimestamp(newFullEnd[id]!)}`);
      const end = await prometheus.query(`dbs_restore_newest_gap_end_timestamp_seconds{backup_plan_id="${id}"}`);
      expect(end.data?.result.length).toBe(1);
      expect(Number(end.data?.result[0]?.value?.[1])).toBeCloseTo(newFullEnd[id]! / 1000, 3);
    }
    expect(Number(alerts.find((a) => key(a.labels) === GAP_RPO)!.value)).toBeGreaterThan(RPO_SECONDS);
    await expectNothingPending();

    // The gap pages for 30 s after it ended, then resolves: nothing left, nothing pending.
    const lastGapEnd = Math.max(...Object.values(newFullEnd));
    await expectFiring([], lastGapEnd + GAP_RECENT_SECONDS * 1000 - Date.now() + 10_000);
    expect(Date.now()).toBeGreaterThan(lastGapEnd + GAP_RECENT_SECONDS * 1000);
    await expectNothingPending();
  }, 90_000);

  it('6. over the whole run: each alert fired in one unbroken stretch, the quiet plans raised nothing, every rule evaluated cleanly', async () => {
    const from = Math.ceil(runStart) + 1;
    const history = await prometheus.queryRange('ALERTS{alertstate="firing"}', from, Math.ceil(nowSeconds()), 1);
    expect(history.status).toBe('success');
    const stretches = (history.data?.result ?? []).map((series) => {
      const steps = series.values.map(([t]) => t);
      const holes = steps.slice(1).flatMap((t, i) => (t - steps[i]! !== 1 ? [`${steps[i]! - from}..${t - from}`] : []));
      return `${key(series.metric)}: ${holes.length === 0 ? 'one stretch' : `${holes.length + 1} stretches (from +${steps[0]! - from}s, holes at +${holes.join(', +')}s; marks ${JSON.stringify(Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, Math.round(v - from)])))})`}`;
    });
    expect(sorted(stretches)).toEqual(sorted([OVERDUE, SLOW, FAILED, LOG_OFF, RPO, GAP_RPO, GAP_LOGOFF].map((k) => `${k}: one stretch`)));
    // Not even pending: dbsok, log backup off as intended, drills without expectations.
    expect(await alertsSince(`backup_plan_id=~"${QUIET.join('|')}"`, from)).toEqual([]);
    await expectRulesHealthy();
    expect(prometheus.logs()).not.toMatch(/Evaluating rule failed|many-to-many|duplicate series|vector contains metrics with the same labelset/i);
  }, 30_000);

  /*
   * While the current replica's series are absent (a restart, or one failed scrape), a bridged value
   * falls back to the last values of the targets Prometheus still scrapes (`and on (instance, job) up`),
   * not to every instance seen within the gap tolerance: the pod replaced in test 4 last said dbsrpo's
   * log backup was on, and must not bring that back (DBSLogBackupDisabled would resolve and fire again).
   */
  it('7. log backup switched off after the rollout: DBSLogBackupDisabled fires', async () => {
    // Exporter-a (replaced in test 4, within the 15m gap tolerance) last said dbsrpo's log backup was on.
    sim.fleet.updatePlan('dbsrpo', { incremental: null });
    const alerts = await expectFiring([LOG_OFF_RPO], 15_000);
    expectPlanAlert(alerts, 'DBSLogBackupDisabled', 'dbsrpo', 'warning');
    await expectNothingPending();
  }, 30_000);

  it('8. the same pod restarted in place after a value went down since the rollout: no alert changes', async () => {
    await stack.expectSteadyThrough([LOG_OFF_RPO], () => stack.restartInPlace());
  }, 60_000);
});
