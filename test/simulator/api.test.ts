import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBackupPlanListResponseSchema,
  describeFullBackupListResponseSchema,
  describeIncrementBackupListResponseSchema,
} from '../../src/dbs/schemas.js';
import { DAY, HOUR, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { allPages, rawCall, realClient } from './helpers.js';

const T0 = Date.UTC(2026, 10, 28, 5, 20);

describe('DBS actions over HTTP', () => {
  let sim: Simulator;
  let clock: ManualClock;
  const planNamed = (fragment: string) => sim.fleet.listPlans().find((p) => p.name.includes(fragment))!;

  beforeAll(async () => {
    clock = new ManualClock(T0);
    sim = await startSimulator({ clock, scenario: { seed: 11 } });
  });
  afterAll(() => sim.close());

  it('answers every action in a shape the exporter schemas accept', async () => {
    const call = realClient(sim);
    const plans = describeBackupPlanListResponseSchema.parse((await call('DescribeBackupPlanList', { Region: 'cn-hangzhou' })).body);
    expect(plans.Success).toBe(true);
    expect(plans.Items).toHaveLength(8);
    for (const plan of plans.Items) {
      const fulls = describeFullBackupListResponseSchema.parse((await call('DescribeFullBackupList', { BackupPlanId: plan.BackupPlanId })).body);
      const incs = describeIncrementBackupListResponseSchema.parse(
        (await call('DescribeIncrementBackupList', { BackupPlanId: plan.BackupPlanId, ShowStorageType: 'true' })).body,
      );
      expect(fulls.Success && incs.Success).toBe(true);
      expect(fulls.TotalElements).toBe(sim.fleet.fullBackups(plan.BackupPlanId)!.length);
    }
  });

  it('filters plans by Region, BackupPlanId, name substring and status', async () => {
    const list = async (params: Record<string, string>) =>
      (await rawCall(sim, 'DescribeBackupPlanList', params)).json().Items.BackupPlanDetail.map((p: { BackupPlanName: string }) => p.BackupPlanName);
    expect(await list({ Region: 'cn-beijing' })).toEqual([]);
    expect(await list({ BackupPlanStatus: 'pause' })).toEqual(['mysql-legacy-paused']);
    expect(await list({ BackupPlanName: 'mysql' })).toEqual(['mysql-orders-prod', 'mysql-legacy-paused', 'mysql-billing-failing', 'mysql-reports-duplication']);
    expect(await list({ BackupPlanId: planNamed('mongo').id })).toEqual(['mongo-sessions']);
  });

  it('pages: empty, exactly one full page, many pages, and beyond the end', async () => {
    const empty = sim.fleet.addPlan({ name: 'empty', schedule: { full: false, incremental: false } });
    const none = (await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: empty.id })).json();
    expect([none.TotalElements, none.TotalPages, none.Items.FullBackupFile]).toEqual([0, 0, []]);

    const exact = sim.fleet.addPlan({ name: 'exactly-thirty', createdAt: T0 - 5 * DAY, schedule: { full: false, incremental: false } });
    for (let i = 0; i < 30; i++) sim.fleet.addFullBackup(exact.id, { StartTime: T0 - (i + 1) * HOUR });
    const page0 = (await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: exact.id })).json();
    expect([page0.PageNum, page0.PageSize, page0.TotalElements, page0.TotalPages, page0.Items.FullBackupFile.length]).toEqual([0, 30, 30, 1, 30]);
    const page1 = (await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: exact.id, PageNum: '1' })).json();
    expect([page1.PageNum, page1.TotalElements, page1.Items.FullBackupFile]).toEqual([1, 30, []]);

    const mysql = planNamed('mysql-orders');
    const expected = sim.fleet.incrementBackups(mysql.id)!.map((s) => s.BackupSetId);
    expect(expected.length).toBeGreaterThan(300);
    const pages = await allPages(sim, 'DescribeIncrementBackupList', { BackupPlanId: mysql.id, PageSize: '100' }, 'IncrementBackupFile');
    expect(pages.map((s) => s.BackupSetId)).toEqual(expected);
    const beyond = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: mysql.id, PageSize: '100', PageNum: '99' })).json();
    expect(beyond.Items.IncrementBackupFile).toEqual([]);
    expect(beyond.TotalPages).toBe(Math.ceil(expected.length / 100));
  });

  it('rejects bad paging and missing parameters the way DBS does', async () => {
    const planId = planNamed('mysql-orders').id;
    const badSize = await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: planId, PageSize: '20' });
    expect([badSize.status, badSize.json().Code]).toEqual([400, 'InvalidParameter']);
    const badNum = await rawCall(sim, 'DescribeBackupPlanList', { PageNum: '-1' });
    expect([badNum.status, badNum.json().Code]).toEqual([400, 'InvalidParameter']);
    const missing = await rawCall(sim, 'DescribeIncrementBackupList', {});
    expect([missing.status, missing.json().Code]).toEqual([400, 'InvalidParameter']);
    const unknown = await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: 'dbs1nosuchplan' });
    expect(unknown.status).toBe(200);
    expect(unknown.json()).toMatchObject({ Success: false, ErrCode: 'Param.NotFound' });
    expect(sim.requests.entries((e) => e.requestId === unknown.json().RequestId)[0]).toMatchObject({ status: 200, code: 'Param.NotFound' });
  });

  it('filters sets by StartTimestamp/EndTimestamp and BackupSetId', async () => {
    const plan = planNamed('sqlserver');
    const all = sim.fleet.fullBackups(plan.id)!;
    const second = all[1]!;
    const window = (await rawCall(sim, 'DescribeFullBackupList', {
      BackupPlanId: plan.id,
      StartTimestamp: String(second.StartTime),
      EndTimestamp: String(Number(second.StartTime) + 1),
    })).json();
    expect(window.Items.FullBackupFile.map((s: { BackupSetId: string }) => s.BackupSetId)).toEqual([second.BackupSetId]);
    const byId = (await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: plan.id, BackupSetId: all[0]!.BackupSetId })).json();
    expect(byId.TotalElements).toBe(1);
    const incs = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: plan.id, StartTimestamp: String(T0 - 2 * HOUR) })).json();
    expect(incs.TotalElements).toBe(4); // every 30 minutes; the newest is still FILLING
  });

  it('shows StorageMethod on increments only with ShowStorageType=true', async () => {
    const planId = planNamed('mysql-orders').id;
    const hidden = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: planId })).json();
    expect(hidden.Items.IncrementBackupFile[0].StorageMethod).toBeUndefined();
    const shown = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: planId, ShowStorageType: 'true' })).json();
    expect(shown.Items.IncrementBackupFile[0].StorageMethod).toBe('Standard');
  });

  it('sees new jobs on the next poll after the clock advances', async () => {
    const planId = planNamed('mongo').id;
    const before = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: planId })).json();
    clock.advance(HOUR);
    const after = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: planId })).json();
    expect(after.TotalElements).toBe(before.TotalElements + 6);
    expect(after.Items.IncrementBackupFile[0].StartTime).toBe(before.Items.IncrementBackupFile[0].StartTime + HOUR);
  });

  it('counts requests per action', async () => {
    sim.requests.clear();
    await rawCall(sim, 'DescribeBackupPlanList');
    await rawCall(sim, 'DescribeBackupPlanList');
    await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: 'x' });
    expect(sim.requests.counts()).toEqual({ DescribeBackupPlanList: 2, DescribeFullBackupList: 1 });
    expect(sim.requests.count()).toBe(3);
    const entry = sim.requests.entries().at(-1)!;
    expect(entry).toMatchObject({ action: 'DescribeFullBackupList', params: { BackupPlanId: 'x' }, status: 200, accessKeyId: 'LTAIdemoSimulator' });
    expect(JSON.stringify(sim.requests.entries())).not.toContain('demo-secret-not-real');
  });
});
