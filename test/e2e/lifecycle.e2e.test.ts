/**
 * Lifecycle drills with a real Prometheus: incidents in the simulated DBS fleet while the
 * exporter is restarted (same port, or a new pod on a new port), rolled out (two replicas
 * scraped at once, then the old one removed), cut off from DBS, and stopped. After each step
 * the exact set of firing alerts is asserted through /api/v1/alerts; across restarts and
 * rollouts it is sampled every 500 ms and must not change (same alerts, same activeAt).
 *
 * The drills share one simulator, one Prometheus and one timeline, so incidents accumulate:
 * each step's expected set is the previous one plus (or minus) what the step did. The last
 * test checks the whole run from Prometheus's own ALERTS history.
 *
 * They also guard what they found (fixed in 267b667): a job that had ended paging as stalled
 * (drill 2's dbsshort), a restarted exporter reporting a moving job instead of the stuck one
 * (drill 6), a plan deleted mid-cycle paging as "cannot poll" (drill 7's dbsvanish), values
 * frozen while no exporter is scraped starting new pages (drill 8).
 *
 * Shrunk thresholds, in production's proportions (stall longer than the gap tolerance, lag well
 * above the log interval plus a restart's gap): lag 15 s, stall 17 s, gap tolerance 14 s, `for:`
 * 3 s (exporter down 5 s). Scrape, evaluation and exporter poll every second; real time.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/collector/snapshot.js';
import { type RunningExporter, runExporter } from '../../src/exporter.js';
import { renderRules } from '../../src/rules/rules.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { type AlertSample, alertKey, expectFiring as expectFiringOf, sampleAlerts, sleep, sorted, until } from '../support/alerts.js';
import { freePort } from '../support/ports.js';
import { type PrometheusAlert, PrometheusServer } from '../support/prometheus.js';
import { simulatorConfig } from '../support/simulator-config.js';

const JOB = 'dbs-exporter-lifecycle';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const LAG_SECONDS = 15;
const STALL_SECONDS = 17;
const GAP_SECONDS = 14;

const RULES = renderRules({
  incrementalLagSeconds: LAG_SECONDS,
  jobFailedWindowSeconds: 60,
  stallSeconds: STALL_SECONDS,
  planNotRunningFor: '3s',
  seriesGapTolerance: `${GAP_SECONDS}s`,
  targetDownFor: '3s',
  pollFailingFor: '3s',
  // A restart's failed scrapes last ~2-3 s here.
  exporterDownFor: '5s',
  planDisappearedWindow: '2m',
  exporterJobSelector: `job="${JOB}"`,
});

const PLANS = ['dbsok', 'dbslag', 'dbsfail', 'dbspause', 'dbswait', 'dbsstall', 'dbsgone', 'dbsvanish', 'dbsshort'] as const;
/** Plans without log backups: dbsshort's only job is drill 2's short one; dbsvanish needs none. */
const NO_LOG_BACKUPS = new Set<string>(['dbsvanish', 'dbsshort']);
/** Plans taking log backups when drill 4 cuts DBS off (dbslag's stopped in drill 2). */
const LOGGING = PLANS.filter((p) => !NO_LOG_BACKUPS.has(p) && p !== 'dbslag');

/* The alerts, as key() spells them. */
const LAG = 'DBSIncrementalBackupLagging dbslag incremental';
const FAILED = 'DBSBackupJobFailed dbsfail full';
const PAUSED = 'DBSBackupPlanNotRunning dbspause pause';
const STALLED_FULL = 'DBSBackupJobStalled dbsstall full';
const STALLED_LOG = 'DBSBackupJobStalled dbsstall incremental';
const GONE = 'DBSBackupPlanDisappeared dbsgone';
const VANISHED = 'DBSBackupPlanDisappeared dbsvanish';
const TARGET_DOWN = 'DBSExporterTargetDown account=prod';
const pollFailing = (plan: string) => `DBSExporterPlanPollFailing ${plan}`;
const exporterDown = (r: Replica) => `DBSExporterDown instance=${r.address}`;


const key = alertKey;
const sortedBy = <T>(items: readonly T[], by: (item: T) => string) => [...items].sort((a, b) => by(a).localeCompare(by(b)));
const nowSeconds = () => Date.now() / 1000;

interface Replica {
  pod: string;
  port: number;
  address: string;
  exporter: RunningExporter;
  /** Its first collection cycle's snapshot (what the process knew before it saw any progress). */
  firstSnapshot: Promise<Snapshot>;
  stopped: boolean;
}

let sim: Simulator;
/** When drill 8 stopped the exporter for good. */
let stoppedAt: number | undefined;
let prometheus: PrometheusServer;
const replicas: Replica[] = [];
let current: Replica;
let runStart: number;
const watchers = new Set<Watcher>();

/** A healthy plan: daily fulls (the last ended hours ago, none due during the test), a log backup every 4 s unless `logBackups` is false. */
function addHealthyPlan(id: string, logBackups: boolean): void {
  const sixHoursAgo = new Date(Date.now() - 6 * 60 * MIN);
  const startTime = `${String(sixHoursAgo.getUTCHours()).padStart(2, '0')}:${String(sixHoursAgo.getUTCMinutes()).padStart(2, '0')}`;
  sim.fleet.addPlan({
    id,
    name: `db-${id}`,
    createdAt: Date.now() - 3 * DAY,
    full: { weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'], startTime, durationMs: 20 * MIN },
    incremental: logBackups ? { intervalMs: 4_000 } : null,
    retentionDays: 7,
  });
}

async function startReplica(pod: string, port = 0): Promise<Replica> {
  const config = simulatorConfig({ prod: sim }, [
    'collection: { interval: 1s, lookback: 10m, max_staleness: 10m }',
    'defaults:',
    '  rate_limit: { requests_per_second: 500 }',
    '  retries: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms }',
    // Their log backups are off by design (DBSLogBackupDisabled is the restore e2e's).
    `expectations: [{ plans: { ids: [${[...NO_LOG_BACKUPS].join(', ')}] }, log_backup_off: intended }]`,
  ]);
  const exporter = await runExporter(config, {
    logger: pino({ level: 'silent' }),
    build: { version: 'lifecycle' },
    listenAddress: `127.0.0.1:${port}`,
    telemetryPath: '/metrics',
  });
  // The first snapshot is served for about a poll interval (1 s): catch it.
  const firstSnapshot = (async () => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const snapshot = exporter.exporter.snapshot();
      if (snapshot) {
        if (snapshot.cycle !== 1) throw new Error(`missed the first cycle (saw cycle ${snapshot.cycle})`);
        return snapshot;
      }
      await sleep(5);
    }
    throw new Error('no first cycle within 10 s');
  })();
  firstSnapshot.catch(() => undefined);
  const address = `127.0.0.1:${exporter.address.port}`;
  const replica: Replica = { pod, port: exporter.address.port, address, exporter, firstSnapshot, stopped: false };
  replicas.push(replica);
  return replica;
}

async function stopReplica(r: Replica): Promise<void> {
  if (r.stopped) return;
  r.stopped = true;
  await r.exporter.stop();
}

/** Scrape exactly these addresses (file SD; Prometheus applies SD changes every 5 s), and wait until Prometheus does. */
async function scrapeOnly(targets: Array<{ address: string; pod: string }>): Promise<void> {
  prometheus.setTargets(targets.map((t) => ({ targets: [t.address], labels: { pod: t.pod } })));
  const want = sorted(targets.map((t) => `http://${t.address}/metrics`));
  await until(`Prometheus to scrape exactly ${want.join(', ')}`, async () => {
    const active = sorted((await prometheus.activeTargets()).map((t) => t.scrapeUrl));
    return JSON.stringify(active) === JSON.stringify(want) ? true : active;
  });
}

/** Until Prometheus has scraped a collection cycle of this replica finished after `since`. */
async function scraped(r: Replica, since = 0): Promise<void> {
  await until(`a scrape of ${r.pod} (${r.address}) with a finished cycle`, async () => {
    const res = await prometheus.query(`dbs_exporter_last_cycle_timestamp_seconds{instance="${r.address}"} > ${since}`);
    return res.data?.result.length === 1 ? true : res.data?.result;
  });
}

/** Until Prometheus has seen the replica's scrape fail (its series are stale from then on). */
async function scrapeFailed(r: Replica): Promise<void> {
  await until(`a failed scrape of ${r.address}`, async () => {
    const res = await prometheus.query(`up{instance="${r.address}"} == 0`);
    return res.data?.result.length === 1 ? true : res.data?.result;
  });
}

/**
 * Restart: the process stops, Prometheus misses it (its series go stale), `during` runs, ~1 s
 * later a new process starts. Same port: the same instance. `newPod`: a new pod on a new port
 * (a new instance), swapped in service discovery as the old one stops, like a Kubernetes
 * endpoint. Either way the plan series are absent from the rules for ~2-3 evaluations.
 */
async function restart(old: Replica, options: { during?: () => void; newPod?: string } = {}): Promise<Replica> {
  let port = old.port;
  if (options.newPod) {
    port = await freePort();
    await scrapeOnly([{ address: `127.0.0.1:${port}`, pod: options.newPod }]);
    await stopReplica(old);
  } else {
    await stopReplica(old);
    await scrapeFailed(old);
  }
  options.during?.();
  await sleep(1_000);
  const since = nowSeconds();
  const next = await startReplica(options.newPod ?? old.pod, port);
  await scraped(next, since);
  return next;
}

/** Start a new replica, scrape both for a few seconds (rule health checked meanwhile), then remove the old one. */
async function rollout(old: Replica, newPod: string): Promise<Replica> {
  const next = await startReplica(newPod);
  await scrapeOnly([old, next]);
  await scraped(next);
  // Both replicas' series are in every evaluation now: the by-plan aggregations must hold.
  for (let i = 0; i < 3; i++) {
    await sleep(1_000);
    await expectRulesHealthy();
  }
  await scrapeOnly([next]);
  await stopReplica(old);
  await sleep(1_000);
  return next;
}

/** Until the firing alerts are exactly `expected` (then asserts it); returns them. */
async function expectFiring(expected: readonly string[], timeoutMs = 30_000): Promise<PrometheusAlert[]> {
  const alerts = await expectFiringOf(prometheus, expected, timeoutMs);
  // Aggregated by plan: no alert carries a replica's identity (DBSExporterDown is about one).
  for (const a of alerts) {
    const identity = a.labels.alertname === 'DBSExporterDown' ? [a.labels.pod] : [a.labels.pod, a.labels.instance, a.labels.job];
    expect([key(a.labels), ...identity]).toEqual([key(a.labels), ...identity.map(() => undefined)]);
  }
  return alerts;
}

/** Every alert (pending or firing) matching `selector` at some evaluation of the last `seconds`, as `state key`. */
async function alertsWithin(selector: string, seconds: number): Promise<string[]> {
  const res = await prometheus.query(`max_over_time(ALERTS{${selector}}[${Math.ceil(seconds)}s])`);
  expect(res.status).toBe('success');
  return sorted((res.data?.result ?? []).map((r) => `${r.metric.alertstate} ${key(r.metric)}`));
}

async function expectRulesHealthy(): Promise<void> {
  const unhealthy = (await prometheus.rules()).filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
  expect(unhealthy).toEqual([]);
}

type Sample = AlertSample;

interface Watcher {
  stop(): Promise<Sample[]>;
}

/** Samples the firing alerts every 500 ms until stopped. */
function watch(): Watcher {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await sampleAlerts(prometheus));
      await sleep(500);
    }
  })();
  const watcher: Watcher = {
    async stop() {
      running = false;
      watchers.delete(watcher);
      await loop;
      return samples;
    },
  };
  watchers.add(watcher);
  return watcher;
}

/** Every sample had exactly `expected` firing, each alert with one activeAt throughout: it never resolved and fired again. */
function expectSteady(samples: Sample[], expected: readonly string[], minSamples: number): void {
  expect(samples.length).toBeGreaterThanOrEqual(minSamples);
  const sets = [...new Set(samples.map((s) => s.firing.join(' | ')))];
  expect(sets).toEqual([sorted(expected).join(' | ')]);
  for (const k of expected) expect([k, new Set(samples.map((s) => s.activeAt[k])).size]).toEqual([k, 1]);
}


beforeAll(async () => {
  sim = await startSimulator();
  for (const plan of sim.fleet.listPlans()) sim.fleet.removePlan(plan.id);
  for (const id of PLANS) addHealthyPlan(id, !NO_LOG_BACKUPS.has(id));
  current = await startReplica('exporter-a');
  prometheus = await PrometheusServer.start({ targetGroups: [{ targets: [current.address], labels: { pod: current.pod } }], job: JOB, rules: RULES });
  // Prometheus applies its first service-discovery update ~5 s after it starts: until then
  // `absent(up{job=...})` holds, and may outlast the shrunk 5 s exporterDownFor. The run (and
  // its ALERTS history) starts once the exporter is scraped and that start-up alert is gone.
  await scraped(current);
  await until('no alert left from Prometheus start-up', async () => {
    const keys = (await prometheus.alerts()).map((a) => `${a.state} ${key(a.labels)}`);
    return keys.length === 0 ? true : keys;
  });
  runStart = nowSeconds();
}, 60_000);

afterAll(async () => {
  for (const w of [...watchers]) await w.stop();
  await prometheus?.stop();
  for (const r of replicas) await stopReplica(r);
  await sim?.close();
});

describe('alert lifecycle drills through a real Prometheus', () => {
  it('1. a healthy fleet raises no alert, across a restart and a rollout to a new instance', async () => {
    await until('every plan running and every logging plan with a lag in the rules', async () => {
      const res = await prometheus.query(
        `count(dbs:backup_plan_status:bridged{status="running"} == 1) == ${PLANS.length} and count(dbs:backup_incremental_lag_seconds) == ${PLANS.length - NO_LOG_BACKUPS.size}`,
      );
      return res.data?.result.length === 1 ? true : res.data?.result;
    });
    const w = watch();
    current = await restart(current);
    await sleep(1_000);
    current = await rollout(current, 'exporter-b');
    const samples = await w.stop();
    expectSteady(samples, [], 10);
    // Nothing pending either: no condition the gap raised is merely waiting for its `for:`.
    await until('no alert at all, pending included', async () => {
      const keys = (await prometheus.alerts()).map((a) => `${a.state} ${key(a.labels)}`);
      return keys.length === 0 ? true : keys;
    }, 10_000);
    await expectRulesHealthy();
  }, 60_000);

  it('2. log backups stop: the lag page fires, and stays one unbroken alert across a restart and a rollout', async () => {
    sim.fleet.setSchedule('dbslag', { incremental: false });
    // Meanwhile a full job on dbsshort runs at one size for 7 s, then finishes: a job that has
    // ended must never page as stalled (it did, from its series held over the gap tolerance).
    sim.fleet.addFullBackup('dbsshort', { BackupSetId: 'dbsshort-quick', BackupStatus: 'running', StartTime: Date.now(), EndTime: undefined, BackupSize: 5_000_000 });
    await until('Prometheus to see the dbsshort job at one size for 7 s', async () => {
      const res = await prometheus.query('count_over_time(dbs_backup_running_size_bytes{backup_plan_id="dbsshort"}[30s]) >= 8');
      return res.data?.result.length === 1 ? true : res.data?.result;
    });
    sim.fleet.updateBackup('dbsshort', 'dbsshort-quick', { BackupStatus: 'finish', EndTime: Date.now() });
    const shortJobEnded = nowSeconds();

    const [lag] = await expectFiring([LAG], 45_000);
    expect(lag!.labels).toEqual({ alertname: 'DBSIncrementalBackupLagging', account: 'prod', region: 'cn-hangzhou', backup_plan_id: 'dbslag', backup_type: 'incremental', severity: 'warning' });
    expect(Number(lag!.value)).toBeGreaterThan(LAG_SECONDS);

    const w = watch();
    current = await restart(current);
    await sleep(1_000);
    current = await rollout(current, 'exporter-c');
    const samples = await w.stop();
    expectSteady(samples, [LAG], 10);
    expect(samples.every((s) => s.activeAt[LAG] === lag!.activeAt)).toBe(true);
    const after = await expectFiring([LAG]);
    expect(after[0]!.labels).toEqual(lag!.labels);
    // Past the window in which the ended job's held series could have paged it, it never did.
    expect(nowSeconds() - shortJobEnded).toBeGreaterThan(GAP_SECONDS + 2);
    expect(await alertsWithin('backup_plan_id="dbsshort"', nowSeconds() - shortJobEnded + 20)).toEqual([]);
    await expectRulesHealthy();
  }, 90_000);

  it('3. a full that fails while the exporter is stopped pages once the exporter is back', async () => {
    await expectFiring([LAG]);
    let failedAt = 0;
    current = await restart(current, {
      during: () => {
        failedAt = Date.now();
        sim.fleet.addFullBackup('dbsfail', { BackupSetId: 'dbsfail-broken', BackupStatus: 'failed', StartTime: failedAt - 10 * MIN, EndTime: failedAt, ErrMessage: 'disk full' });
      },
    });
    const alerts = await expectFiring([FAILED, LAG], 15_000);
    const failed = alerts.find((a) => a.labels.alertname === 'DBSBackupJobFailed')!;
    // Its value is the failed job's EndTime, from DBS, not when the exporter learnt of it.
    expect(Number(failed.value)).toBeCloseTo(failedAt / 1000, 2);
  }, 60_000);

  it('4. DBS cut off: firing pages go on, healthy plans start no page, the blindness pages; after recovery only the real incidents remain', async () => {
    const w = watch();
    // The plan list still answers; every backup listing fails (503, or the connection reset).
    sim.faults.set({ kind: 'http', status: 503, action: 'DescribeFullBackupList' });
    sim.faults.set({ kind: 'reset', action: 'DescribeIncrementBackupList' });
    // The healthy plans' last log backups are frozen: wait until they are older than the lag
    // threshold, so an ungated rule would have paged for each of them by now.
    await until(`every logging plan's frozen lag to pass ${LAG_SECONDS + 3} s`, async () => {
      const res = await prometheus.query(
        `count(dbs:backup_incremental_lag_seconds{backup_plan_id=~"${LOGGING.join('|')}"} > ${LAG_SECONDS + 3} and on (backup_plan_id) dbs:backup_plan_status:bridged{status="running"} == 1)`,
      );
      return res.data?.result[0]?.value?.[1] === String(LOGGING.length) ? true : res.data?.result;
    }, 45_000);
    await expectFiring([FAILED, LAG, ...PLANS.map(pollFailing)], 10_000);

    // Now nothing answers at all.
    sim.faults.clear();
    sim.faults.set({ kind: 'http', status: 503, probability: 0.5 });
    sim.faults.set({ kind: 'reset' });
    await expectFiring([FAILED, LAG, TARGET_DOWN], 15_000);
    const up = await prometheus.query(`dbs_exporter_target_up{instance="${current.address}"}`);
    expect(up.data?.result.map((r) => r.value?.[1])).toEqual(['0']);

    sim.faults.clear();
    await expectFiring([FAILED, LAG], 15_000);
    const samples = await w.stop();
    // Throughout the outage the two real incidents never stopped firing, and nothing but the
    // outage's own alerts joined them.
    const allowed = new Set([FAILED, LAG, TARGET_DOWN, ...PLANS.map(pollFailing)]);
    expect(samples.flatMap((s) => s.firing.filter((k) => !allowed.has(k)))).toEqual([]);
    expect(samples.filter((s) => !s.firing.includes(LAG) || !s.firing.includes(FAILED))).toEqual([]);
    expect(new Set(samples.map((s) => s.activeAt[LAG])).size).toBe(1);
    expect(new Set(samples.map((s) => s.activeAt[FAILED])).size).toBe(1);
    await until('no pending alert after recovery', async () => (await prometheus.alerts()).every((a) => a.state === 'firing'), 10_000);
    await expectRulesHealthy();
  }, 120_000);

  it('5. a paused plan pages and goes on paging across a restart; a plan in wait never pages', async () => {
    sim.fleet.setPlanStatus('dbspause', 'pause');
    sim.fleet.setPlanStatus('dbswait', 'wait');
    const alerts = await expectFiring([FAILED, LAG, PAUSED], 15_000);
    expect(alerts.find((a) => a.labels.alertname === 'DBSBackupPlanNotRunning')!.labels).toMatchObject({ backup_plan_id: 'dbspause', status: 'pause', severity: 'warning' });
    const w = watch();
    current = await restart(current);
    await sleep(2_000);
    const samples = await w.stop();
    expectSteady(samples, [FAILED, LAG, PAUSED], 6);
    // In wait as long as dbspause is paused: nothing, not even pending (the whole-run test checks the rest of the run).
    expect((await prometheus.alerts()).filter((a) => a.labels.backup_plan_id === 'dbswait')).toEqual([]);
  }, 60_000);

  it('6. running jobs stuck at a constant size page as stalled, and go on paging across a move to a new pod', async () => {
    // A stuck full (the plan's only running full), and a stuck log job while new log jobs go on.
    const now = Date.now();
    sim.fleet.addFullBackup('dbsstall', { BackupSetId: 'dbsstall-full-stuck', BackupStatus: 'running', StartTime: now - 60_000, EndTime: undefined, BackupSize: 7_777_777 });
    sim.fleet.addIncrementBackup('dbsstall', { BackupSetId: 'dbsstall-log-stuck', BackupStatus: 'FILLING', StartTime: now - 30_000, EndTime: undefined, BackupSize: 123_456 });
    const alerts = await expectFiring([FAILED, LAG, PAUSED, STALLED_FULL, STALLED_LOG], 40_000);
    expect(sortedBy(alerts.filter((a) => a.labels.alertname === 'DBSBackupJobStalled').map((a) => a.labels), (l) => l.backup_type!)).toEqual(
      ['full', 'incremental'].map((backup_type) => ({ alertname: 'DBSBackupJobStalled', account: 'prod', region: 'cn-hangzhou', backup_plan_id: 'dbsstall', backup_type, severity: 'warning' })),
    );
    const w = watch();
    const moved = await restart(current, { newPod: 'exporter-d' });
    current = moved;
    await sleep(2_000);
    const samples = await w.stop();
    expectSteady(samples, [FAILED, LAG, PAUSED, STALLED_FULL, STALLED_LOG], 6);
    // The new process's very first cycle (which sees both running log jobs for the first time)
    // already reports the stuck one: a moving job in between would break the size history.
    const first = await moved.firstSnapshot;
    const types = first.plans.find((p) => p.planId === 'dbsstall')?.types;
    expect([types?.full?.running?.sinceMs, types?.incremental?.running?.sinceMs]).toEqual([now - 60_000, now - 30_000]);
  }, 60_000);

  it('7. running plans removed from DBS page as disappeared, between two collection cycles or in the middle of one', async () => {
    // dbsgone leaves between two cycles: right after one finished.
    const exporter = current.exporter.exporter;
    const cycle = exporter.snapshot()!.cycle;
    await until('a collection cycle to finish', async () => exporter.snapshot()!.cycle > cycle, 5_000, 5);
    sim.fleet.removePlan('dbsgone');
    // dbsvanish leaves in the middle of the next one: after the plan list named it, before its
    // backup listings are answered (every DescribeFullBackupList from this cycle on is held 500 ms
    // until it is removed). Its listings then fail: that must not page as "cannot poll".
    const slow = sim.faults.set({ kind: 'latency', ms: 500, action: 'DescribeFullBackupList', times: 1_000 });
    await until("the next cycle's first DescribeFullBackupList to arrive", async () => sim.faults.list().find((r) => r.id === slow)!.remaining < 1_000, 5_000, 2);
    sim.fleet.removePlan('dbsvanish');
    sim.faults.remove(slow);
    // The next plan list is held 1.5 s, so that Prometheus scrapes what this cycle made of dbsvanish.
    sim.faults.set({ kind: 'latency', ms: 1_500, action: 'DescribeBackupPlanList', times: 1 });
    const removedAt = nowSeconds();
    const alerts = await expectFiring([FAILED, LAG, PAUSED, STALLED_FULL, STALLED_LOG, GONE, VANISHED], (GAP_SECONDS + 15) * 1000);
    expect(sortedBy(alerts.filter((a) => a.labels.alertname === 'DBSBackupPlanDisappeared').map((a) => a.labels), (l) => l.backup_plan_id!)).toEqual(
      ['dbsgone', 'dbsvanish'].map((backup_plan_id) => ({ alertname: 'DBSBackupPlanDisappeared', account: 'prod', region: 'cn-hangzhou', backup_plan_id, severity: 'critical' })),
    );
    expect(await alertsWithin('alertname="DBSExporterPlanPollFailing"', nowSeconds() - removedAt)).toEqual([]);
  }, 60_000);

  it('8. an exporter stopped for longer than exporterDownFor pages as down; the pages already firing hold, frozen values start none', async () => {
    // Stop when the newest log backup of dbsok the exporter knows (and has had scraped) ended
    // 3.5 s ago, just before the next one is seen: its frozen lag then passes the 15 s threshold
    // within 11.5 s, while the 14 s gap tolerance still holds the plan's last values.
    const exporter = current.exporter.exporter;
    await until("dbsok's newest known log backup to be 3.5 s old", async () => {
      const end = exporter.snapshot()?.plans.find((p) => p.planId === 'dbsok')?.types.incremental?.lastSuccess?.endMs ?? Date.now();
      return Date.now() - end >= 3_500 ? true : Date.now() - end;
    }, 15_000, 10);
    const stopped = nowSeconds();
    await stopReplica(current);
    stoppedAt = stopped;
    // Within the gap tolerance every page goes on, DBSBackupPlanDisappeared included (it is
    // already firing; only a new one waits for every exporter instance to be up).
    const alerts = await expectFiring([FAILED, LAG, PAUSED, STALLED_FULL, STALLED_LOG, GONE, VANISHED, exporterDown(current)], 10_000);
    expect(alerts.find((a) => a.labels.alertname === 'DBSExporterDown')!.labels).toEqual({
      alertname: 'DBSExporterDown',
      job: JOB,
      instance: current.address,
      severity: 'critical',
    });
    // Until the gap tolerance lets go of them, the healthy plans' frozen values start no page:
    // their only alerts since the stop are the ones already firing.
    await until('the gap tolerance to let go of dbsok', async () => (await prometheus.query('dbs:backup_plan_status:bridged{backup_plan_id="dbsok"}')).data?.result.length === 0, 20_000);
    expect(await alertsWithin('backup_plan_id=~"dbsok|dbsfail|dbsstall"', nowSeconds() - stopped)).toEqual(sorted([`firing ${FAILED}`, `firing ${STALLED_FULL}`, `firing ${STALLED_LOG}`]));
  }, 40_000);

  it('over the whole run: each alert fired in one unbroken stretch, the quiet plans raised nothing, every rule evaluated cleanly', async () => {
    expect(stoppedAt).toBeDefined();
    const from = Math.ceil(runStart) + 1;
    const history = await prometheus.queryRange('ALERTS{alertstate="firing"}', from, Math.ceil(nowSeconds()), 1);
    expect(history.status).toBe('success');
    const stretches = (history.data?.result ?? []).map((series) => {
      const steps = series.values.map(([t]) => t);
      const holes = steps.slice(1).filter((t, i) => t - steps[i]! !== 1).length;
      return `${key(series.metric)}: ${holes === 0 ? 'one stretch' : `${holes + 1} stretches`}`;
    });
    expect(sorted(stretches)).toEqual(
      sorted([LAG, FAILED, PAUSED, STALLED_FULL, STALLED_LOG, GONE, VANISHED, TARGET_DOWN, exporterDown(current), ...PLANS.map(pollFailing)].map((k) => `${k}: one stretch`)),
    );
    // dbsok and dbswait: no backup alert at all, not even pending (drill 4's
    // DBSExporterPlanPollFailing covered every plan).
    expect(await alertsWithin('backup_plan_id=~"dbsok|dbswait", alertname!~"DBSExporter.*"', nowSeconds() - from)).toEqual([]);
    await expectRulesHealthy();
    expect(prometheus.logs()).not.toMatch(/Evaluating rule failed|many-to-many|duplicate series|vector contains metrics with the same labelset/i);
  }, 30_000);
});
