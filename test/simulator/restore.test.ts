/**
 * DescribeRestoreRangeInfo and DescribeRestoreTaskList over real signed HTTP: parameter rules,
 * paging, ranges derived from the listed backup sets, restore tasks that move with the clock,
 * the scenario's restore plans, faults aimed at each action, and the admin API's restore tasks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeRestoreRangeInfoResponseSchema, describeRestoreTaskListResponseSchema } from '../../src/dbs/schemas.js';
import { DAY, Fleet, HOUR, MINUTE, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { completedLogTimes, restorableTime } from '../../src/simulator/restore.js';
import { allPages, httpRequest, rawCall, realClient } from './helpers.js';

const T0 = Date.UTC(2026, 10, 28, 5, 20); // a Saturday
const RESTORE_PLAN_NAMES = ['mysql-ledger-pitr-gap', 'mysql-crm-nolog', 'pg-billing-restores', 'mysql-payments-drill', 'mysql-inventory-drill-overdue'];

describe('restore actions over HTTP', () => {
  let sim: Simulator;
  const clock = new ManualClock(T0);
  const planNamed = (name: string) => sim.fleet.listPlans().find((p) => p.name === name)!;
  const call = async (action: string, params: Record<string, string>) => {
    const res = await rawCall(sim, action, params);
    return { status: res.status, body: res.json() };
  };
  const ranges = async (planId: string, begin: number, end: number, extra: Record<string, string> = {}) => {
    const { status, body } = await call('DescribeRestoreRangeInfo', { BackupPlanId: planId, BeginTimestampForRestore: String(begin), EndTimestampForRestore: String(end), ...extra });
    expect([status, body.Success]).toEqual([200, true]);
    return body.Items.DBSRecoverRange as Array<Record<string, any>>;
  };
  const tasks = async (params: Record<string, string>) => {
    const { status, body } = await call('DescribeRestoreTaskList', params);
    expect([status, body.Success]).toEqual([200, true]);
    return body.Items.RestoreTaskDetail as Array<Record<string, any>>;
  };

  beforeAll(async () => {
    sim = await startSimulator({ clock, scenario: { seed: 11, plans: 14 }, adminApi: true });
  });
  afterEach(() => {
    sim.faults.clear();
    clock.set(T0);
  });
  afterAll(() => sim.close());

  it('places the restore plans right after the eight demo plans, which stay as they were', () => {
    const demo = new Fleet(new ManualClock(T0), { seed: 11 }).listPlans();
    const plans = sim.fleet.listPlans();
    expect(plans.slice(0, 8)).toEqual(demo);
    expect(plans.slice(8, 13).map((p) => p.name)).toEqual(RESTORE_PLAN_NAMES);
    expect(plans.slice(8, 13).map((p) => p.status)).toEqual(['running', 'running', 'running', 'running', 'running']);
  });

  it('answers both actions in shapes the exporter schemas accept', async () => {
    const client = realClient(sim);
    const plan = planNamed('pg-billing-restores');
    const rangeBody = (await client('DescribeRestoreRangeInfo', { BackupPlanId: plan.id, BeginTimestampForRestore: String(T0 - 7 * DAY), EndTimestampForRestore: String(T0) })).body;
    expect(describeRestoreRangeInfoResponseSchema.parse(rangeBody).Items.length).toBeGreaterThan(0);
    // Not paged: no paging fields at all.
    expect(Object.keys(rangeBody).sort()).toEqual(['HttpStatusCode', 'Items', 'RequestId', 'Success']);
    const taskBody = (await client('DescribeRestoreTaskList', { BackupPlanId: plan.id })).body;
    expect(describeRestoreTaskListResponseSchema.parse(taskBody).Items.map((t) => t.RestoreTaskName)).toEqual([
      'restore-billing-audit',
      'restore-billing-before-migration-retry',
      'restore-billing-before-migration',
    ]);
    expect([taskBody.PageNum, taskBody.PageSize, taskBody.TotalPages, taskBody.TotalElements]).toEqual([0, 30, 1, 3]);
  });

  describe('DescribeRestoreRangeInfo', () => {
    it('requires BackupPlanId and both timestamps, as epoch ms with Begin not after End', async () => {
      const planId = planNamed('mysql-ledger-pitr-gap').id;
      const valid = { BackupPlanId: planId, BeginTimestampForRestore: String(T0 - DAY), EndTimestampForRestore: String(T0) };
      const rejected = async (params: Record<string, string>) => {
        const { status, body } = await call('DescribeRestoreRangeInfo', params);
        return [status, body.Code, /parameter (\w+)/.exec(body.Message)?.[1]];
      };
      expect(await rejected({ ...valid, BackupPlanId: '' })).toEqual([400, 'InvalidParameter', 'BackupPlanId']);
      expect(await rejected({ BackupPlanId: planId, EndTimestampForRestore: String(T0) })).toEqual([400, 'InvalidParameter', 'BeginTimestampForRestore']);
      expect(await rejected({ BackupPlanId: planId, BeginTimestampForRestore: String(T0) })).toEqual([400, 'InvalidParameter', 'EndTimestampForRestore']);
      expect(await rejected({ ...valid, BeginTimestampForRestore: '2026-11-28' })).toEqual([400, 'InvalidParameter', 'BeginTimestampForRestore']);
      expect(await rejected({ ...valid, BeginTimestampForRestore: String(T0 + 1) })).toEqual([400, 'InvalidParameter', 'BeginTimestampForRestore']);
      expect(await rejected({ ...valid, RecentlyRestore: 'yes' })).toEqual([400, 'InvalidParameter', 'RecentlyRestore']);
      // Paging parameters mean nothing here, even invalid ones.
      expect((await call('DescribeRestoreRangeInfo', { ...valid, PageSize: '7', PageNum: '-1' })).status).toBe(200);
    });

    it('answers an unknown plan like the other per-plan actions', async () => {
      const { status, body } = await call('DescribeRestoreRangeInfo', { BackupPlanId: 'dbs1nosuchplan', BeginTimestampForRestore: '0', EndTimestampForRestore: String(T0) });
      expect(status).toBe(200);
      expect(body).toMatchObject({ Success: false, ErrCode: 'Param.NotFound' });
    });

    it('a log-backup outage splits point-in-time restore in two ranges, each derived from the listed sets', async () => {
      const plan = planNamed('mysql-ledger-pitr-gap');
      const fulls = sim.fleet.fullBackups(plan.id)!.filter((s) => s.BackupStatus === 'finish').reverse();
      const logs = sim.fleet.incrementBackups(plan.id)!.filter((s) => s.BackupStatus === 'COMPLETED').reverse();
      const holes = logs.slice(1).flatMap((set, i) => (Number(set.StartTime) > Number(logs[i]!.EndTime) ? [{ from: Number(logs[i]!.EndTime), to: Number(set.StartTime) }] : []));
      expect(holes).toHaveLength(1);
      const hole = holes[0]!;
      // Some hours of missing log backups a day or so before the scenario start.
      expect(hole.to - hole.from).toBeGreaterThanOrEqual(6 * HOUR - 10 * MINUTE);
      expect(T0 - hole.to).toBeGreaterThanOrEqual(12 * HOUR);
      expect(T0 - hole.from).toBeLessThanOrEqual(48 * HOUR);
      const resumedFull = fulls.find((s) => Number(s.EndTime) >= hole.to)!;
      expect(Number(resumedFull.StartTime)).toBeLessThanOrEqual(hole.to);
      const source = { SourceEndpointInstanceType: 'RDS', SourceEndpointInstanceID: plan.sourceEndpointInstanceId };
      expect(await ranges(plan.id, T0 - 7 * DAY, T0)).toEqual([
        { RangeType: 'range', BeginTimestampForRestore: fulls[0]!.EndTime, EndTimestampForRestore: hole.from, ...source },
        { RangeType: 'range', BeginTimestampForRestore: resumedFull.EndTime, EndTimestampForRestore: logs.at(-1)!.EndTime, ...source },
      ]);
    });

    it('clips ranges to the asked window, drops those outside it, and RecentlyRestore keeps the newest', async () => {
      const planId = planNamed('mysql-ledger-pitr-gap').id;
      const [first, second] = await ranges(planId, 0, T0);
      const [a, b] = [first!.BeginTimestampForRestore as number, first!.EndTimestampForRestore as number];
      const [c, d] = [second!.BeginTimestampForRestore as number, second!.EndTimestampForRestore as number];
      const span = (items: Array<Record<string, any>>) => items.map((r) => [r.BeginTimestampForRestore, r.EndTimestampForRestore]);
      expect(span(await ranges(planId, a + HOUR, c + HOUR))).toEqual([[a + HOUR, b], [c, c + HOUR]]);
      expect(span(await ranges(planId, b + 1, c - 1))).toEqual([]);
      expect(span(await ranges(planId, b, b))).toEqual([[b, b]]);
      expect(span(await ranges(planId, 0, T0, { RecentlyRestore: 'true' }))).toEqual([[c, d]]);
      // Nothing after the simulator's now.
      expect(span(await ranges(planId, d, T0 + DAY))).toEqual([[d, d]]);
    });

    it('with log backup off, every finished full is a point restore with its set', async () => {
      const plan = planNamed('mysql-crm-nolog');
      expect(sim.fleet.describePlan(plan.id)!.EnableBackupLog).toBe(false);
      const fulls = sim.fleet.fullBackups(plan.id)!.filter((s) => s.BackupStatus === 'finish').reverse();
      expect(fulls.length).toBeGreaterThanOrEqual(3);
      const points = fulls.map((s) => ({
        RangeType: 'point',
        BeginTimestampForRestore: s.EndTime,
        EndTimestampForRestore: s.EndTime,
        FullBackupList: { FullBackupDetail: [{ BackupSetId: s.BackupSetId, StartTime: s.StartTime, EndTime: s.EndTime }] },
        SourceEndpointInstanceType: 'RDS',
        SourceEndpointInstanceID: plan.sourceEndpointInstanceId,
      }));
      expect(await ranges(plan.id, 0, T0)).toEqual(points);
      const [p1, p2] = fulls.map((s) => Number(s.EndTime));
      expect((await ranges(plan.id, p1!, p1!)).map((r) => r.FullBackupList.FullBackupDetail[0].BackupSetId)).toEqual([fulls[0]!.BackupSetId]);
      expect(await ranges(plan.id, p1! + 1, p2! - 1)).toEqual([]);
    });

    it('are what the listed sets say, for every plan, as time passes and sets expire', () => {
      for (const advance of [0, 3 * DAY + 7 * MINUTE, 9 * DAY + 31 * MINUTE]) {
        clock.set(T0 + advance);
        for (const plan of sim.fleet.listPlans()) {
          const fromLists = restorableTime(plan, sim.fleet.fullBackups(plan.id)!, completedLogTimes(sim.fleet.incrementBackups(plan.id)!));
          expect(sim.fleet.restoreRanges(plan.id, { begin: 0, end: clock.now() }), `${plan.name} at +${advance}`).toEqual(fromLists);
        }
      }
    });

    it('an UNCOMPLETED log backup ends a range; the next full starts the next one', async () => {
      const plan = sim.fleet.addPlan({ name: 'one-bad-log', createdAt: T0 - 3 * DAY, full: { startTime: '01:00' }, incremental: { intervalMs: 15 * MINUTE } });
      const [before] = await ranges(plan.id, 0, T0);
      const logs = sim.fleet.incrementBackups(plan.id)!.filter((s) => s.BackupStatus === 'COMPLETED');
      const bad = logs.find((s) => Number(s.StartTime) < T0 - 30 * HOUR)!;
      sim.fleet.updateBackup(plan.id, bad.BackupSetId, { BackupStatus: 'UNCOMPLETED' });
      const nextFull = sim.fleet.fullBackups(plan.id)!.filter((s) => Number(s.StartTime) > Number(bad.EndTime)).at(-1)!;
      expect(await ranges(plan.id, 0, T0)).toEqual([
        { ...before, EndTimestampForRestore: bad.StartTime },
        { ...before, BeginTimestampForRestore: nextFull.EndTime },
      ]);
    });

    it('a stuck log backup ends point-in-time restore; later fulls are points', async () => {
      const plan = planNamed('polardb-catalog-stuck');
      const increments = sim.fleet.incrementBackups(plan.id)!;
      const stuck = increments.find((s) => s.BackupStatus === 'FILLING')!;
      const lastLog = increments.find((s) => s.BackupStatus === 'COMPLETED')!;
      expect(Number(lastLog.EndTime) - Number(stuck.StartTime)).toBeLessThan(10 * MINUTE);
      const all = await ranges(plan.id, 0, T0);
      const continuous = all.filter((r) => r.RangeType === 'range');
      expect(continuous.at(-1)!.EndTimestampForRestore).toBe(lastLog.EndTime);
      const later = sim.fleet.fullBackups(plan.id)!.filter((s) => s.BackupStatus === 'finish' && Number(s.EndTime) > Number(stuck.StartTime));
      expect(all.filter((r) => r.RangeType === 'point').map((r) => r.BeginTimestampForRestore)).toEqual(later.map((s) => s.EndTime).reverse());
    });
  });

  describe('DescribeRestoreTaskList', () => {
    it('wants BackupPlanId or RestoreTaskId, never both, and a PageSize from 1 to 100', async () => {
      const planId = planNamed('pg-billing-restores').id;
      const code = async (params: Record<string, string>) => {
        const { status, body } = await call('DescribeRestoreTaskList', params);
        return [status, body.Code ?? body.ErrCode ?? 'OK'];
      };
      expect(await code({})).toEqual([400, 'InvalidParameter']);
      expect(await code({ BackupPlanId: planId, RestoreTaskId: `${planId}-restore-s1` })).toEqual([400, 'InvalidParameter']);
      expect(await code({ RestoreTaskId: ' , ,' })).toEqual([400, 'InvalidParameter']);
      expect(await code({ BackupPlanId: planId, PageSize: '0' })).toEqual([400, 'InvalidParameter']);
      expect(await code({ BackupPlanId: planId, PageSize: '101' })).toEqual([400, 'InvalidParameter']);
      expect(await code({ BackupPlanId: planId, PageNum: '-1' })).toEqual([400, 'InvalidParameter']);
      expect(await code({ BackupPlanId: planId, StartTimestamp: 'yesterday' })).toEqual([400, 'InvalidParameter']);
      for (const size of ['1', '7', '100']) expect(await code({ BackupPlanId: planId, PageSize: size })).toEqual([200, 'OK']);
      expect(await code({ BackupPlanId: 'dbs1nosuchplan' })).toEqual([200, 'Param.NotFound']);
    });

    it('finds tasks of several plans by a comma-separated RestoreTaskId list, newest first', async () => {
      const billing = planNamed('pg-billing-restores').id;
      const drill = (await tasks({ BackupPlanId: planNamed('mysql-payments-drill').id }))[0]!;
      const found = await tasks({ RestoreTaskId: `${billing}-restore-s1, ${drill.RestoreTaskId},no-such-task` });
      // The failed restore (30h ago) is newer than the last drill (about 2 days ago).
      expect(found.map((t) => t.RestoreTaskId)).toEqual([`${billing}-restore-s1`, drill.RestoreTaskId]);
      expect(found.map((t) => t.BackupPlanId)).toEqual([billing, planNamed('mysql-payments-drill').id]);
    });

    it('filters on RestoreTaskCreateTime, both bounds inclusive', async () => {
      const planId = planNamed('pg-billing-restores').id;
      const [audit, retry, failed] = await tasks({ BackupPlanId: planId });
      const ids = async (from: number, to: number) =>
        (await tasks({ BackupPlanId: planId, StartTimestamp: String(from), EndTimestamp: String(to) })).map((t) => t.RestoreTaskId);
      const created = (t: Record<string, any>) => t.RestoreTaskCreateTime as number;
      expect(await ids(created(failed!), created(retry!))).toEqual([retry!.RestoreTaskId, failed!.RestoreTaskId]);
      expect(await ids(created(failed!) + 1, created(audit!))).toEqual([audit!.RestoreTaskId, retry!.RestoreTaskId]);
      expect(await ids(created(failed!) + 1, created(retry!) - 1)).toEqual([]);
    });

    it('pages newest first with stable order across pages, ties broken by id', async () => {
      const plan = sim.fleet.addPlan({ name: 'paged-restores', createdAt: T0 - 5 * DAY });
      const created = [9, 3, 3, 7, 1, 5, 3].map((h) => T0 - h * HOUR);
      created.forEach((createdAt, i) => sim.fleet.addRestoreTask(plan.id, { id: `task-${String.fromCharCode(103 - i)}`, createdAt }));
      // Three share 3h: by id, not by insertion order (f, e, a).
      const expected = ['task-c', 'task-a', 'task-e', 'task-f', 'task-b', 'task-d', 'task-g'];
      const page = (n: number) => call('DescribeRestoreTaskList', { BackupPlanId: plan.id, PageSize: '3', PageNum: String(n) });
      const pages = await Promise.all([0, 1, 2, 3].map(page));
      expect(pages.map((p) => [p.body.PageNum, p.body.TotalPages, p.body.TotalElements, p.body.Items.RestoreTaskDetail.length])).toEqual([
        [0, 3, 7, 3],
        [1, 3, 7, 3],
        [2, 3, 7, 1],
        [3, 3, 7, 0],
      ]);
      const listed = pages.flatMap((p) => p.body.Items.RestoreTaskDetail.map((t: { RestoreTaskId: string }) => t.RestoreTaskId));
      expect(listed).toEqual(expected);
      expect((await allPages(sim, 'DescribeRestoreTaskList', { BackupPlanId: plan.id, PageSize: '2' }, 'RestoreTaskDetail')).map((t) => t.RestoreTaskId)).toEqual(expected);
    });

    it('a failed restore stops with its error; the later one finished; each names the full it restored from', async () => {
      const plan = planNamed('pg-billing-restores');
      const [, retry, failed] = await tasks({ BackupPlanId: plan.id });
      expect(failed).toMatchObject({ RestoreStatus: 'stop', RestoreTaskFinishTime: failed!.RestoreTaskCreateTime + 25 * MINUTE, FullDataRestoreProgress: 100 });
      expect(failed!.ErrMessage).toMatch(/insufficient disk space/);
      expect(T0 - failed!.RestoreTaskCreateTime).toBe(20 * HOUR);
      expect(failed!.ContinuousRestoreProgress).toBeLessThan(100);
      expect(retry).toMatchObject({ RestoreStatus: 'finish', ErrMessage: '', FullDataRestoreProgress: 100, ContinuousRestoreProgress: 100, FullStruAfterRestoreProgress: 100 });
      expect(T0 - retry!.RestoreTaskCreateTime).toBe(6 * HOUR);
      for (const task of [retry!, failed!]) {
        const base = sim.fleet.fullBackups(plan.id)!.find((s) => s.BackupStatus === 'finish' && Number(s.EndTime) <= task.RestoreTime)!;
        expect(task.BackupSetId).toBe(base.BackupSetId);
      }
    });

    it('a running restore grows its progress as the clock moves, then finishes', async () => {
      const planId = planNamed('pg-billing-restores').id;
      const audit = async () => (await tasks({ BackupPlanId: planId }))[0]!;
      const start = await audit();
      expect(start).toMatchObject({ RestoreTaskName: 'restore-billing-audit', RestoreStatus: 'running', RestoreTaskFinishTime: 0, ContinuousRestoreProgress: 0 });
      expect(start.FullDataRestoreProgress).toBe(Math.floor((10 / 45 / 0.7) * 100));
      clock.advance(20 * MINUTE);
      const later = await audit();
      expect(later.RestoreStatus).toBe('running');
      expect(later.FullDataRestoreProgress).toBeGreaterThan(start.FullDataRestoreProgress);
      clock.advance(15 * MINUTE);
      expect(await audit()).toMatchObject({ RestoreStatus: 'finish', RestoreTaskFinishTime: start.RestoreTaskCreateTime + 45 * MINUTE, FullStruAfterRestoreProgress: 100 });
    });

    it('weekly drills restore to an hour before they start, take about 40 minutes, and keep coming', async () => {
      const planId = planNamed('mysql-payments-drill').id;
      const drills = await tasks({ BackupPlanId: planId });
      expect(drills.length).toBe(4);
      for (const drill of drills) {
        expect(drill.RestoreTaskName).toBe(`drill-weekly-${new Date(drill.RestoreTaskCreateTime).toISOString().slice(0, 10)}`);
        expect(drill.RestoreStatus).toBe('finish');
        expect(drill.RestoreTime).toBe(drill.RestoreTaskCreateTime - HOUR);
        expect(drill.RestoreTaskFinishTime - drill.RestoreTaskCreateTime).toBeGreaterThanOrEqual(36 * MINUTE);
        expect(drill.RestoreTaskFinishTime - drill.RestoreTaskCreateTime).toBeLessThanOrEqual(44 * MINUTE);
      }
      const gaps = drills.slice(1).map((d, i) => drills[i]!.RestoreTaskCreateTime - d.RestoreTaskCreateTime);
      for (const gap of gaps) expect(Math.abs(gap - 7 * DAY)).toBeLessThanOrEqual(5 * MINUTE);
      expect(T0 - drills[0]!.RestoreTaskCreateTime).toBeLessThan(3 * DAY);
      clock.advance(7 * DAY);
      const next = await tasks({ BackupPlanId: planId });
      expect(next.length).toBe(5);
      expect(next[0]!.RestoreTaskCreateTime - drills[0]!.RestoreTaskCreateTime).toBeGreaterThanOrEqual(7 * DAY - 5 * MINUTE);
    });

    it('the overdue plan drilled weekly until more than 8 days ago, and drills no more', async () => {
      const planId = planNamed('mysql-inventory-drill-overdue').id;
      const drills = await tasks({ BackupPlanId: planId });
      expect(drills.length).toBeGreaterThanOrEqual(2);
      expect(T0 - drills[0]!.RestoreTaskCreateTime).toBeGreaterThan(8 * DAY);
      expect(drills.every((d) => /^drill-weekly-\d{4}-\d{2}-\d{2}$/.test(d.RestoreTaskName) && d.RestoreStatus === 'finish')).toBe(true);
      clock.advance(14 * DAY);
      expect((await tasks({ BackupPlanId: planId })).map((d) => d.RestoreTaskId)).toEqual(drills.map((d) => d.RestoreTaskId));
    });
  });

  describe('faults', () => {
    it('a rule aimed at one restore action leaves the other alone', async () => {
      const planId = planNamed('pg-billing-restores').id;
      const rangeCall = () => call('DescribeRestoreRangeInfo', { BackupPlanId: planId, BeginTimestampForRestore: '0', EndTimestampForRestore: String(T0) });
      const taskCall = () => call('DescribeRestoreTaskList', { BackupPlanId: planId });
      sim.faults.set({ kind: 'forbidden', action: 'DescribeRestoreRangeInfo' });
      expect([(await rangeCall()).status, (await taskCall()).status]).toEqual([403, 200]);
      sim.faults.clear();
      sim.faults.set({ kind: 'http', status: 503, action: 'DescribeRestoreTaskList' });
      expect([(await rangeCall()).status, (await taskCall()).status]).toEqual([200, 503]);
    });

    it('repeatPage repeats restore-task pages, and never fires on the range action (not paged)', async () => {
      const planId = planNamed('pg-billing-restores').id;
      expect(() => sim.faults.set({ kind: 'repeatPage', action: 'DescribeRestoreRangeInfo' })).toThrow(/not paged/);
      const page0 = await tasks({ BackupPlanId: planId, PageSize: '2' });
      sim.faults.set({ kind: 'repeatPage', times: 1 });
      const rangeBody = (await call('DescribeRestoreRangeInfo', { BackupPlanId: planId, BeginTimestampForRestore: '0', EndTimestampForRestore: String(T0) })).body;
      expect(rangeBody.TotalElements).toBeUndefined();
      expect(sim.faults.list()).toHaveLength(1);
      const repeated = (await call('DescribeRestoreTaskList', { BackupPlanId: planId, PageSize: '2', PageNum: '4' })).body;
      expect([repeated.PageNum, repeated.TotalElements]).toEqual([4, 1_000_000]);
      expect(repeated.Items.RestoreTaskDetail).toEqual(page0);
      expect(sim.faults.list()).toEqual([]);
    });
  });

  describe('admin API', () => {
    const post = (path: string, body: unknown) => httpRequest(`${sim.url}/_sim/${path}`, { body: JSON.stringify(body) });

    it('adds a restore task that is listed once created, runs, then takes its outcome', async () => {
      const planId = planNamed('mysql-crm-nolog').id;
      const input = { id: 'scripted-1', name: 'restore-crm-scripted', outcome: 'stop', createdAt: T0 + HOUR, durationMs: 20 * MINUTE, restoreTime: T0 - DAY, errMessage: 'checksum mismatch' };
      const res = await post(`plans/${planId}/restore-tasks`, input);
      expect(res.status).toBe(201);
      expect(res.json()).toMatchObject(input);
      const listed = async () => (await tasks({ RestoreTaskId: 'scripted-1' }))[0];
      expect(await listed()).toBeUndefined();
      clock.advance(HOUR + 10 * MINUTE);
      expect(await listed()).toMatchObject({ RestoreStatus: 'running', RestoreTaskFinishTime: 0, ErrMessage: '', BackupPlanId: planId, RestoreTime: T0 - DAY });
      clock.set(T0 + HOUR + 20 * MINUTE - 1);
      const lastRunning = (await listed())!;
      clock.advance(1);
      const stopped = (await listed())!;
      expect(stopped).toMatchObject({ RestoreStatus: 'stop', RestoreTaskFinishTime: T0 + HOUR + 20 * MINUTE, ErrMessage: 'checksum mismatch' });
      // Progress never goes back when the task stops.
      expect([lastRunning.RestoreStatus, lastRunning.ContinuousRestoreProgress, stopped.ContinuousRestoreProgress]).toEqual(['running', 39, 40]);
    });

    it('fills defaults, and validates the body, the plan and the id', async () => {
      const planId = planNamed('mysql-crm-nolog').id;
      const created = (await post(`plans/${planId}/restore-tasks`, {})).json();
      expect(created).toMatchObject({ createdAt: T0, durationMs: 30 * MINUTE, outcome: 'finish', restoreTime: T0 - HOUR });
      expect((await tasks({ RestoreTaskId: created.id }))[0]).toMatchObject({ RestoreStatus: 'running', RestoreTaskName: created.name });
      expect((await post(`plans/${planId}/restore-tasks`, { outcome: 'done' })).status).toBe(400);
      expect((await post(`plans/${planId}/restore-tasks`, { createdAt: 'now' })).status).toBe(400);
      expect((await post(`plans/${planId}/restore-tasks`, { colour: 'red' })).status).toBe(400);
      expect((await httpRequest(`${sim.url}/_sim/plans/${planId}/restore-tasks`, { body: '{' })).status).toBe(400);
      expect((await post('plans/dbs1nosuchplan/restore-tasks', {})).status).toBe(404);
      expect((await post(`plans/${planId}/restore-tasks`, { id: created.id })).status).toBe(409);
      const fault = await post('faults', { kind: 'repeatPage', action: 'DescribeRestoreRangeInfo' });
      expect(fault.status).toBe(400);
    });
  });
});

describe('restore tasks in generated fleets', () => {
  it('are few, one or two per plan, and the same for the same seed', () => {
    const clock = new ManualClock(T0);
    const fleet = new Fleet(clock, { seed: 5, plans: 2000 });
    const counts = fleet.listPlans().slice(13).map((p) => fleet.restoreTasks(p.id)!.length);
    const withTasks = counts.filter((n) => n > 0);
    expect(withTasks.length / counts.length).toBeGreaterThan(0.01);
    expect(withTasks.length / counts.length).toBeLessThan(0.08);
    expect(new Set(withTasks)).toEqual(new Set([1, 2]));
    const again = new Fleet(new ManualClock(T0), { seed: 5, plans: 2000 });
    for (const plan of fleet.listPlans()) expect(again.restoreTasks(plan.id)).toEqual(fleet.restoreTasks(plan.id));
  });
});
