/**
 * The exporter end to end in one process: real config parsing, the real client over HTTP
 * with real signatures, the simulator on a manual clock, and assertions on the rendered
 * exposition — the values a Prometheus server would scrape.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createExporter } from '../../src/exporter.js';
import { DEMO_CREDENTIAL, ManualClock } from '../../src/simulator/index.js';
import { emptySimulator, exporterFor, scrape, simulator } from '../support/exporter-harness.js';
import { POINT_IN_TIME_FAMILIES, find, has, parseExposition, valueOf } from '../support/exposition.js';
import { promtool } from '../support/promtool.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const silent = pino({ level: 'silent' });

const plan = (id: string, account = 'prod') => ({ account, region: 'cn-hangzhou', backup_plan_id: id });

describe('exporter against the simulator', () => {
  it('a completed incremental moves last success and lag; lag is computed at scrape time', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsinc', createdAt: T0 - 2 * HOUR, schedule: { full: false, incremental: false } });
    sim.fleet.addIncrementBackup('dbsinc', { BackupSetId: 'i1', BackupStatus: 'COMPLETED', StartTime: T0 - 30 * MIN, EndTime: T0 - 25 * MIN, BackupSize: 500 });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    let m = await scrape(exporter);
    const inc = { ...plan('dbsinc'), backup_type: 'incremental' };
    expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', inc)).toBe((T0 - 25 * MIN) / 1000);
    expect(valueOf(m, 'dbs_backup_lag_seconds', inc)).toBe(25 * 60);
    expect(valueOf(m, 'dbs_backup_last_size_bytes', inc)).toBe(500);
    expect(valueOf(m, 'dbs_backup_last_duration_seconds', inc)).toBe(300);

    // Time passes without a poll: the lag grows at scrape time.
    clock.advance(5 * MIN);
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_lag_seconds', inc)).toBe(30 * 60);

    // A new incremental completes; the next poll moves last success and resets lag.
    sim.fleet.addIncrementBackup('dbsinc', { BackupSetId: 'i2', BackupStatus: 'COMPLETED', StartTime: T0 + MIN, EndTime: T0 + 4 * MIN, BackupSize: 700 });
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', inc)).toBe((T0 + 4 * MIN) / 1000);
    expect(valueOf(m, 'dbs_backup_lag_seconds', inc)).toBe(60);
    expect(valueOf(m, 'dbs_backup_jobs_succeeded_total', inc)).toBe(1);
    expect(valueOf(m, 'dbs_backup_succeeded_bytes_total', inc)).toBe(700);
    expect(valueOf(m, 'dbs_backup_jobs', { ...inc, state: 'succeeded' })).toBe(2);
  });

  it('a failed full bumps the failure counter once, not once per cycle', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsfull', createdAt: T0 - 2 * HOUR, schedule: { full: false, incremental: false } });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    sim.fleet.addFullBackup('dbsfull', { BackupSetId: 'f1', BackupStatus: 'running', StartTime: T0 + MIN, BackupSize: 10 });
    clock.advance(2 * MIN);
    await exporter.runCycle();
    const full = { ...plan('dbsfull'), backup_type: 'full' };
    let m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_jobs_failed_total', full)).toBe(0);
    expect(valueOf(m, 'dbs_backup_jobs', { ...full, state: 'running' })).toBe(1);

    sim.fleet.updateBackup('dbsfull', 'f1', { BackupStatus: 'failed', EndTime: T0 + 3 * MIN, ErrMessage: 'disk full' });
    for (let i = 0; i < 3; i++) {
      clock.advance(MIN);
      await exporter.runCycle();
    }
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_jobs_failed_total', full)).toBe(1);
    expect(valueOf(m, 'dbs_backup_last_failure_timestamp_seconds', full)).toBe((T0 + 3 * MIN) / 1000);
    expect(valueOf(m, 'dbs_backup_jobs', { ...full, state: 'failed' })).toBe(1);
    expect(has(m, 'dbs_backup_last_success_timestamp_seconds', full)).toBe(false);
  });

  it('a job stuck in FILLING keeps running_last_progress still while running_since ages', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsstuck', createdAt: T0 - 2 * HOUR, schedule: { full: false, incremental: false } });
    sim.fleet.addIncrementBackup('dbsstuck', { BackupSetId: 's1', BackupStatus: 'FILLING', StartTime: T0 - 10 * MIN, BackupSize: 100 });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    clock.advance(MIN);
    sim.fleet.updateBackup('dbsstuck', 's1', { BackupSize: 200 });
    await exporter.runCycle();
    const progressAt = clock.now();
    for (let i = 0; i < 5; i++) {
      clock.advance(10 * MIN);
      await exporter.runCycle();
    }
    const m = await scrape(exporter);
    const inc = { ...plan('dbsstuck'), backup_type: 'incremental' };
    expect(valueOf(m, 'dbs_backup_running_since_timestamp_seconds', inc)).toBe((T0 - 10 * MIN) / 1000);
    expect(valueOf(m, 'dbs_backup_running_last_progress_timestamp_seconds', inc)).toBe(progressAt / 1000);
    expect(clock.now() / 1000 - valueOf(m, 'dbs_backup_running_last_progress_timestamp_seconds', inc)).toBe(50 * 60);
  });

  it('an unknown job status is reported as state="unknown" and logged once, not once per cycle', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsodd', createdAt: T0 - HOUR, schedule: { full: false, incremental: false } });
    sim.fleet.addFullBackup('dbsodd', { BackupSetId: 'odd1', BackupStatus: 'teleporting', StartTime: T0 - 20 * MIN, BackupSize: 5 });
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const exporter = exporterFor([{ name: 'prod', sim }], clock, '', logger);
    for (let i = 0; i < 3; i++) {
      await exporter.runCycle();
      clock.advance(MIN);
    }
    const m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_jobs', { ...plan('dbsodd'), backup_type: 'full', state: 'unknown' })).toBe(1);
    const warnings = lines.map((l) => JSON.parse(l) as { msg: string; status?: string }).filter((l) => l.status === 'teleporting');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('unknown backup job status');
    // And one summary line per cycle.
    expect(lines.filter((l) => l.includes('collection cycle finished'))).toHaveLength(3);
  });

  it('a restore action the RAM policy forbids (403): plans poll fine, its families stay absent, said once; the other restore source works', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsnoperm', createdAt: T0 - DAY, schedule: { full: false, incremental: false } });
    sim.fleet.addFullBackup('dbsnoperm', { StartTime: T0 - 2 * HOUR, EndTime: T0 - HOUR });
    sim.fleet.addRestoreTask('dbsnoperm', { name: 'drill-weekly', createdAt: T0 - 3 * HOUR, durationMs: 40 * MIN, outcome: 'finish' });
    sim.faults.set({ kind: 'forbidden', action: 'DescribeRestoreRangeInfo' });
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    // Every cycle asks again: the interval of 1s is shorter than the collection interval.
    const exporter = exporterFor([{ name: 'prod', sim }], clock, '  restore_ranges: { interval: 1s }', logger);
    for (let i = 0; i < 3; i++) {
      await exporter.runCycle();
      clock.advance(MIN);
    }
    const m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsnoperm'))).toBe(1);
    expect(find(m, 'dbs_restore_ranges', plan('dbsnoperm'))).toEqual([]);
    expect(valueOf(m, 'dbs_restore_drill_last_success_timestamp_seconds', plan('dbsnoperm'))).toBe((T0 - 3 * HOUR + 40 * MIN) / 1000);
    expect(valueOf(m, 'dbs_exporter_api_requests_total', { account: 'prod', action: 'DescribeRestoreRangeInfo', code: 'forbidden' })).toBe(3);
    const said = lines.map((l) => JSON.parse(l) as { msg: string; action?: string }).filter((l) => l.action === 'DescribeRestoreRangeInfo');
    expect(said).toHaveLength(1);
    expect(said[0]!.msg).toBe('DescribeRestoreRangeInfo is not allowed for this account: add it to the RAM policy, or turn the source off (collection.restore_ranges.enabled: false)');

    // Allowed again: the ranges come at the next read.
    sim.faults.clear();
    await exporter.runCycle();
    expect(valueOf(await scrape(exporter), 'dbs_restore_ranges', { ...plan('dbsnoperm'), range_type: 'point' })).toBe(1);
  });

  it('a plan removed from DBS loses its series at the next successful poll', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbskeep', createdAt: T0 - HOUR });
    sim.fleet.addPlan({ id: 'dbsgone', createdAt: T0 - HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    let m = await scrape(exporter);
    expect(has(m, 'dbs_backup_plan_info', plan('dbsgone'))).toBe(true);
    expect(valueOf(m, 'dbs_exporter_backup_plans', { account: 'prod' })).toBe(2);
    sim.fleet.removePlan('dbsgone');
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(m.filter((s) => s.labels.backup_plan_id === 'dbsgone')).toEqual([]);
    expect(has(m, 'dbs_backup_plan_info', plan('dbskeep'))).toBe(true);
    expect(valueOf(m, 'dbs_exporter_backup_plans', { account: 'prod' })).toBe(1);
  });

  it('a throttled account keeps its last good values, other accounts stay fresh, and it recovers', async () => {
    const clock = new ManualClock(T0);
    const simA = await emptySimulator(clock);
    const simB = await emptySimulator(clock);
    simA.fleet.addPlan({ id: 'dbsa', createdAt: T0 - 3 * HOUR });
    simB.fleet.addPlan({ id: 'dbsb', createdAt: T0 - 3 * HOUR });
    const exporter = exporterFor([{ name: 'prod', sim: simA }, { name: 'staging', sim: simB }], clock);
    await exporter.runCycle();
    const before = await scrape(exporter);
    const aInc = { ...plan('dbsa'), backup_type: 'incremental' };
    const lastA = valueOf(before, 'dbs_backup_last_success_timestamp_seconds', aInc);

    simA.faults.set({ kind: 'throttle' });
    clock.advance(20 * MIN);
    await exporter.runCycle();
    let m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'prod' })).toBe(0);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'staging' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsa'))).toBe(0);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsb', 'staging'))).toBe(1);
    // Last good values kept (and lag keeps growing from them), the other account moved on.
    expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', aInc)).toBe(lastA);
    expect(valueOf(m, 'dbs_backup_lag_seconds', aInc)).toBeGreaterThanOrEqual(20 * 60);
    expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', { ...plan('dbsb', 'staging'), backup_type: 'incremental' })).toBeGreaterThan(lastA);
    expect(valueOf(m, 'dbs_exporter_api_requests_total', { account: 'prod', action: 'DescribeBackupPlanList', code: 'throttled' })).toBe(2);
    expect(m.some((s) => Number.isNaN(s.value))).toBe(false);

    simA.faults.clear();
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'prod' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsa'))).toBe(1);
    expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', aInc)).toBeGreaterThan(lastA);
  });

  it('failing polls keep what DBS said past max staleness; only point-in-time gauges drop, and the poll-failure series stay', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsstale', createdAt: T0 - HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    const inc = { ...plan('dbsstale'), backup_type: 'incremental' };
    let m = await scrape(exporter);
    const lastSuccess = valueOf(m, 'dbs_backup_last_success_timestamp_seconds', inc);
    const historyStart = valueOf(m, 'dbs_backup_history_start_timestamp_seconds', inc);
    // A log backup is always FILLING in this plan: the running gauges are there while fresh.
    expect(has(m, 'dbs_backup_running_since_timestamp_seconds', inc)).toBe(true);
    expect(has(m, 'dbs_backup_running_size_bytes', inc)).toBe(true);
    sim.faults.set({ kind: 'forbidden', action: 'DescribeIncrementBackupList' });
    clock.advance(20 * MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsstale'))).toBe(0);
    expect(has(m, 'dbs_backup_lag_seconds', plan('dbsstale'))).toBe(true);
    expect(has(m, 'dbs_backup_jobs', plan('dbsstale'))).toBe(true);
    expect(has(m, 'dbs_backup_running_since_timestamp_seconds', inc)).toBe(true);
    expect(valueOf(m, 'dbs_exporter_api_requests_total', { account: 'prod', action: 'DescribeIncrementBackupList', code: 'forbidden' })).toBe(1);

    clock.advance(11 * MIN); // 31 minutes since the last good poll; max_staleness is 30m
    await exporter.runCycle();
    m = await scrape(exporter);
    // What DBS said stays true as of the last good poll: timestamps, lag growing from them, status, info, counters.
    expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', inc)).toBe(lastSuccess);
    expect(valueOf(m, 'dbs_backup_lag_seconds', inc)).toBeCloseTo(clock.now() / 1000 - lastSuccess, 3);
    expect(valueOf(m, 'dbs_backup_history_start_timestamp_seconds', inc)).toBe(historyStart);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsstale'), status: 'running' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_info', plan('dbsstale'))).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_create_timestamp_seconds', plan('dbsstale'))).toBe((T0 - HOUR) / 1000);
    expect(has(m, 'dbs_backup_jobs_succeeded_total', inc)).toBe(true);
    // Point-in-time gauges drop: they would describe a window that has moved on.
    for (const name of POINT_IN_TIME_FAMILIES) expect(has(m, name, plan('dbsstale')), name).toBe(false);
    expect(valueOf(m, 'dbs_exporter_backup_plans', { account: 'prod' })).toBe(0);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsstale'))).toBe(0);
    expect(valueOf(m, 'dbs_exporter_plan_last_poll_success_timestamp_seconds', plan('dbsstale'))).toBe(T0 / 1000);

    // The next good poll brings the point-in-time gauges back.
    sim.faults.clear();
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(has(m, 'dbs_backup_jobs', plan('dbsstale'))).toBe(true);
    expect(valueOf(m, 'dbs_exporter_backup_plans', { account: 'prod' })).toBe(1);
  });

  it('a plan whose job listings fail still shows the status and name DBS lists now, past max staleness too', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsflip', name: 'orders', createdAt: T0 - 3 * HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    let m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsflip'), status: 'running' })).toBe(1);
    expect(has(m, 'dbs_backup_plan_info', { ...plan('dbsflip'), backup_plan_name: 'orders' })).toBe(true);

    sim.faults.set({ kind: 'http', status: 500, action: 'DescribeFullBackupList' });
    sim.faults.set({ kind: 'http', status: 500, action: 'DescribeIncrementBackupList' });
    sim.fleet.setPlanStatus('dbsflip', 'pause');
    sim.fleet.updatePlan('dbsflip', { name: 'orders-paused' });
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'prod' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsflip'))).toBe(0);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsflip'), status: 'pause' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsflip'), status: 'running' })).toBe(0);
    expect(find(m, 'dbs_backup_plan_info', plan('dbsflip')).map((s) => s.labels.backup_plan_name)).toEqual(['orders-paused']);

    // Past the max staleness the status still follows DBS's plan list.
    clock.advance(40 * MIN);
    sim.fleet.setPlanStatus('dbsflip', 'running');
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsflip'))).toBe(0);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsflip'), status: 'running' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsflip'), status: 'pause' })).toBe(0);
  });

  it('a plan whose first poll fails shows its status, info and creation time, and no backup values', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsnew', name: 'fresh-plan', status: 'init', createdAt: T0 - 2 * HOUR });
    sim.faults.set({ kind: 'forbidden', action: 'DescribeFullBackupList' });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    const m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsnew'))).toBe(0);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan('dbsnew'), status: 'init' })).toBe(1);
    expect(has(m, 'dbs_backup_plan_info', { ...plan('dbsnew'), backup_plan_name: 'fresh-plan' })).toBe(true);
    expect(valueOf(m, 'dbs_backup_plan_create_timestamp_seconds', plan('dbsnew'))).toBe((T0 - 2 * HOUR) / 1000);
    expect(has(m, 'dbs_backup_history_start_timestamp_seconds', plan('dbsnew'))).toBe(false);
    expect(has(m, 'dbs_backup_lag_seconds', plan('dbsnew'))).toBe(false);
  });

  it('history start is the first poll\'s StartTimestamp (or the plan\'s creation when later) and stays across cycles', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsold', createdAt: T0 - 30 * DAY });
    sim.fleet.addPlan({ id: 'dbsyoung', createdAt: T0 - 2 * HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    const starts = async () => {
      const m = await scrape(exporter);
      return Object.fromEntries(
        find(m, 'dbs_backup_history_start_timestamp_seconds').map((s) => [`${s.labels.backup_plan_id}/${s.labels.backup_type}`, s.value]),
      );
    };
    const expected = {
      // lookback is 24h; fulls look back at least two full intervals plus a day (daily here: 3 days).
      'dbsold/incremental': (T0 - DAY) / 1000,
      'dbsold/full': (T0 - 3 * DAY) / 1000,
      // Created after the lookback's start: nothing can predate the plan.
      'dbsyoung/incremental': (T0 - 2 * HOUR) / 1000,
      'dbsyoung/full': (T0 - 2 * HOUR) / 1000,
    };
    expect(await starts()).toEqual(expected);
    for (let i = 0; i < 3; i++) {
      clock.advance(10 * MIN);
      await exporter.runCycle();
    }
    expect(await starts()).toEqual(expected);
    // Polls failing past the max staleness do not move it either.
    sim.faults.set({ kind: 'forbidden', action: 'DescribeIncrementBackupList' });
    clock.advance(45 * MIN);
    await exporter.runCycle();
    expect(await starts()).toEqual(expected);
    sim.faults.clear();
    clock.advance(MIN);
    await exporter.runCycle();
    expect(await starts()).toEqual(expected);
  });

  it('running size is the running job\'s BackupSize, per backup type, and goes when the job ends', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsrun', createdAt: T0 - 2 * HOUR, schedule: { full: false, incremental: false } });
    sim.fleet.addFullBackup('dbsrun', { BackupSetId: 'f1', BackupStatus: 'running', StartTime: T0 - 20 * MIN, BackupSize: 4096 });
    sim.fleet.addIncrementBackup('dbsrun', { BackupSetId: 'i1', BackupStatus: 'FILLING', StartTime: T0 - 5 * MIN, BackupSize: 300 });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    const full = { ...plan('dbsrun'), backup_type: 'full' };
    const inc = { ...plan('dbsrun'), backup_type: 'incremental' };
    let m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_running_size_bytes', full)).toBe(4096);
    expect(valueOf(m, 'dbs_backup_running_size_bytes', inc)).toBe(300);

    sim.fleet.updateBackup('dbsrun', 'f1', { BackupSize: 8192 });
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_running_size_bytes', full)).toBe(8192);
    expect(valueOf(m, 'dbs_backup_running_last_progress_timestamp_seconds', full)).toBe(clock.now() / 1000);
    expect(valueOf(m, 'dbs_backup_running_size_bytes', inc)).toBe(300);

    sim.fleet.updateBackup('dbsrun', 'i1', { BackupStatus: 'COMPLETED', EndTime: T0 + 2 * MIN, BackupSize: 350 });
    clock.advance(2 * MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(has(m, 'dbs_backup_running_size_bytes', inc)).toBe(false);
    expect(valueOf(m, 'dbs_backup_running_size_bytes', full)).toBe(8192);
  });

  it('creation time and EnableBackupLog come from the plan list', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbslog', createdAt: T0 - 5 * HOUR });
    sim.fleet.addPlan({ id: 'dbsnolog', createdAt: Date.UTC(2025, 0, 15, 8, 30, 0), incremental: null, schedule: { full: false, incremental: false } });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    let m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_plan_create_timestamp_seconds', plan('dbslog'))).toBe((T0 - 5 * HOUR) / 1000);
    expect(valueOf(m, 'dbs_backup_plan_create_timestamp_seconds', plan('dbsnolog'))).toBe(Date.UTC(2025, 0, 15, 8, 30, 0) / 1000);
    expect(valueOf(m, 'dbs_backup_plan_log_backup_enabled', plan('dbslog'))).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_log_backup_enabled', plan('dbsnolog'))).toBe(0);

    // Log backup switched off in DBS: the next cycle says so.
    sim.fleet.updatePlan('dbslog', { incremental: null });
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_plan_log_backup_enabled', plan('dbslog'))).toBe(0);
    expect(valueOf(m, 'dbs_backup_plan_create_timestamp_seconds', plan('dbslog'))).toBe((T0 - 5 * HOUR) / 1000);
  });

  it('a plan deleted between the plan list and its backup listings (Param.NotFound) is gone at once, not a plan whose polls fail', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    const other = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsgone', createdAt: T0 - HOUR });
    other.fleet.addPlan({ id: 'dbskeep', createdAt: T0 - HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }, { name: 'staging', sim: other }], clock);
    await exporter.runCycle();
    expect(valueOf(await scrape(exporter), 'dbs_exporter_plan_poll_success', plan('dbsgone'))).toBe(1);
    // What DBS answers for a plan it no longer has, while its plan list (read a moment earlier) still names it.
    sim.faults.set({ kind: 'successFalse', errCode: 'Param.NotFound', errMessage: 'The specified parameter BackupPlanId value dbsgone is not valid.', action: 'DescribeFullBackupList' });
    clock.advance(MIN);
    await exporter.runCycle();
    const m = await scrape(exporter);
    expect(m.filter((s) => s.labels.backup_plan_id === 'dbsgone')).toEqual([]);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbskeep', 'staging'))).toBe(1);
    expect(valueOf(m, 'dbs_exporter_target_up', { account: 'prod' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_poll_errors_total', { account: 'prod', scope: 'plan', code: 'not_found' })).toBe(1);
  });

  it('a plan that leaves the plan selection (paused out of a status filter) is marked excluded, not gone', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbskeep', createdAt: T0 - HOUR });
    sim.fleet.addPlan({ id: 'dbsleave', createdAt: T0 - HOUR });
    const yaml = [
      'targets:',
      '  - name: prod',
      '    region: cn-hangzhou',
      `    endpoint: ${sim.endpoint}`,
      '    protocol: http',
      '    credentials: { type: access_key, access_key_id_env: SIM_KEY_ID, access_key_secret_env: SIM_SECRET }',
      '    plans: { include: { statuses: [running] } }',
    ].join('\n');
    const env = { SIM_KEY_ID: DEMO_CREDENTIAL.accessKeyId, SIM_SECRET: DEMO_CREDENTIAL.accessKeySecret };
    const exporter = createExporter(parseConfig(yaml, { env }), { logger: silent, build: { version: 'test' }, now: () => clock.now(), processMetrics: false });
    await exporter.runCycle();
    let m = await scrape(exporter);
    expect(has(m, 'dbs_backup_plan_info', plan('dbsleave'))).toBe(true);
    expect(find(m, 'dbs_exporter_plan_excluded')).toEqual([]);

    sim.fleet.setPlanStatus('dbsleave', 'pause');
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(has(m, 'dbs_backup_plan_info', plan('dbsleave'))).toBe(false);
    expect(find(m, 'dbs_exporter_plan_excluded').map((s) => [s.labels, s.value])).toEqual([[plan('dbsleave'), 1]]);

    sim.fleet.removePlan('dbsleave');
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(find(m, 'dbs_exporter_plan_excluded')).toEqual([]);
    expect(has(m, 'dbs_backup_plan_info', plan('dbskeep'))).toBe(true);
  });

  it('a restarted exporter serves the same gauges after one cycle', async () => {
    const clock = new ManualClock(T0);
    const sim = await simulator(clock);
    const first = exporterFor([{ name: 'prod', sim }], clock);
    await first.runCycle();
    clock.advance(2 * MIN);
    await first.runCycle();
    const before = await scrape(first);
    const restarted = exporterFor([{ name: 'prod', sim }], clock);
    await restarted.runCycle();
    const after = await scrape(restarted);
    const gauges = (samples: typeof before) =>
      samples
        .filter(
          (s) =>
            s.name.startsWith('dbs_backup_') &&
            !s.name.endsWith('_total') &&
            !s.name.startsWith('dbs_backup_jobs') &&
            !s.name.startsWith('dbs_backup_running_last_progress') &&
            // Read once an hour: the first process read them two minutes before the restarted one.
            !s.name.startsWith('dbs_backup_traffic_') &&
            !s.name.startsWith('dbs_backup_billing_storage') &&
            // Where the history the exporter has read starts: the restarted process's own first poll.
            s.name !== 'dbs_backup_history_start_timestamp_seconds',
        )
        .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
        .sort();
    expect(gauges(before).length).toBeGreaterThan(50);
    expect(gauges(after)).toEqual(gauges(before));
    // History start moves with the restart, never back: what the new process has read starts later.
    const starts = (samples: typeof before) => find(samples, 'dbs_backup_history_start_timestamp_seconds').map((s) => [`${s.labels.backup_plan_id}/${s.labels.backup_type}`, s.value] as const);
    const startedBefore = new Map(starts(before));
    expect(startedBefore.size).toBeGreaterThan(0);
    expect(starts(after).map(([key]) => key).sort()).toEqual([...startedBefore.keys()].sort());
    for (const [key, value] of starts(after)) expect(value, key).toBeGreaterThanOrEqual(startedBefore.get(key)!);
  });

  it('the demo fleet exposition passes promtool check metrics and carries the scenario cases', async () => {
    const clock = new ManualClock(T0);
    const sim = await simulator(clock);
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    const text = await exporter.metrics.registry.metrics();
    const lint = promtool(['check', 'metrics'], text);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const m = parseExposition(text);
    const paused = sim.fleet.listPlans().find((p) => p.status === 'pause');
    expect(paused).toBeDefined();
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan(paused!.id), status: 'pause' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_status', { ...plan(paused!.id), status: 'running' })).toBe(0);
    expect(find(m, 'dbs_backup_sets', { storage_class: 'ia' }).some((s) => s.value > 0)).toBe(true);
    expect(m.some((s) => Number.isNaN(s.value))).toBe(false);
    expect(new Set(find(m, 'dbs_backup_plan_info').map((s) => s.labels.backup_plan_id)).size).toBe(8);
  });
});
