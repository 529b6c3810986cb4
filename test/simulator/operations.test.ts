/**
 * DescribeBackupPlanBilling, DescribeBackupGatewayList and DescribeJobErrorCode over real signed HTTP,
 * and the plan list's operational fields: answer shapes (the exporter's schemas), DBS's parameter
 * rules and quirks, the scenario's operations plans (positions 13-17), signatures and faults.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBackupGatewayListResponseSchema,
  describeBackupPlanBillingResponseSchema,
  describeBackupPlanListResponseSchema,
  describeJobErrorCodeResponseSchema,
} from '../../src/dbs/schemas.js';
import { DAY, Fleet, HOUR, MINUTE, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { clientError, rawCall, realClient } from './helpers.js';

const T0 = Date.UTC(2026, 10, 28, 5, 20); // a Saturday
const OPERATIONS_NAMES = [
  'mysql-loyalty-prepaid-expiring',
  'mysql-hr-prepaid-expired',
  'mysql-idc-gateway-offline',
  'mysql-wms-full-failed',
  'pg-warehouse-prepaid-traffic',
];

describe('operational-stop actions over HTTP', () => {
  let sim: Simulator;
  const clock = new ManualClock(T0);
  const plans = () => sim.fleet.listPlans();
  const planNamed = (name: string) => plans().find((p) => p.name === name)!;
  const call = async (action: string, params: Record<string, string>) => {
    const res = await rawCall(sim, action, params);
    return { status: res.status, body: res.json() };
  };
  const rejected = async (action: string, params: Record<string, string>) => {
    const { status, body } = await call(action, params);
    return [status, body.Code, /parameter (\w+)/.exec(body.Message)?.[1]];
  };

  beforeAll(async () => {
    sim = await startSimulator({ clock, scenario: { seed: 11, plans: 18 } });
  });
  afterEach(() => {
    sim.faults.clear();
    clock.set(T0);
  });
  afterAll(() => sim.close());

  it('places the operations plans at 13-17 and leaves the first thirteen as they were', () => {
    const before = new Fleet(new ManualClock(T0), { seed: 11, plans: 13 }).listPlans();
    expect(plans().slice(0, 13)).toEqual(before);
    expect(plans().slice(13).map((p) => p.name)).toEqual(OPERATIONS_NAMES);
  });

  describe('DescribeBackupPlanList', () => {
    it('says charge type, expiry, gateway, encryption and retention of every plan', async () => {
      const body = (await realClient(sim)('DescribeBackupPlanList', { Region: 'cn-hangzhou', PageSize: '30' })).body;
      const items = describeBackupPlanListResponseSchema.parse(body).Items;
      const raw = body.Items.BackupPlanDetail as Array<Record<string, unknown>>;
      expect(items).toHaveLength(18);
      for (const [i, plan] of items.entries()) {
        expect(['PREPAY', 'POSTPAY']).toContain(plan.InstanceChargeType);
        expect(typeof raw[i]!.BackupGatewayId).toBe('number');
        if (plan.EnableBackupLog) expect(raw[i]!.LogBackupRetentionPeriod).toBe(String(plan.BackupRetentionPeriod));
        if (plan.InstanceChargeType === 'POSTPAY') expect(plan.InstanceExpiredTimestamp).toBeUndefined();
      }
      const byName = new Map(items.map((p) => [p.BackupPlanName, p]));
      // The first thirteen are cloud databases, pay-as-you-go.
      for (const plan of items.slice(0, 13)) expect([plan.InstanceChargeType, plan.BackupGatewayId]).toEqual(['POSTPAY', 0]);
      expect(byName.get('mysql-loyalty-prepaid-expiring')).toMatchObject({ InstanceChargeType: 'PREPAY', InstanceExpiredTimestamp: T0 + 5 * DAY });
      expect(byName.get('mysql-hr-prepaid-expired')).toMatchObject({ InstanceChargeType: 'PREPAY', InstanceExpiredTimestamp: T0 - 2 * DAY });
      expect(byName.get('mysql-reports-duplication')!.StorageEncryptMethod).toBeUndefined();
      expect(byName.get('sqlserver-erp')!.StorageEncryptMethod).toBe('none');
      const gatewayIds = sim.fleet.gatewayList('cn-hangzhou').map((g) => g.BackupGatewayId);
      expect(gatewayIds).toEqual([String(byName.get('mysql-idc-gateway-offline')!.BackupGatewayId), String(byName.get('mysql-wms-full-failed')!.BackupGatewayId)]);
    });
  });

  describe('DescribeBackupPlanBilling', () => {
    const billing = async (name: string) => {
      const body = (await realClient(sim)('DescribeBackupPlanBilling', { BackupPlanId: planNamed(name).id, ShowStorageType: 'true' })).body;
      expect(Object.keys(body).sort()).toEqual(['HttpStatusCode', 'Item', 'RequestId', 'Success']);
      return describeBackupPlanBillingResponseSchema.parse(body).Item!;
    };

    it('answers a prepaid plan with its quota period, traffic, storage and expiry', async () => {
      const item = await billing('mysql-loyalty-prepaid-expiring');
      expect(item).toMatchObject({
        BuyChargeType: 'PREPAY',
        BuyExpiredTimestamp: T0 + 5 * DAY,
        IsExpired: false,
        IsFreeBytesUnlimited: false,
        BuySpec: 'medium',
        QuotaStartTimestamp: Date.UTC(2026, 10, 1),
        QuotaEndTimestamp: Date.UTC(2026, 11, 1),
        PaiedBytes: 0,
      });
      const planId = planNamed('mysql-loyalty-prepaid-expiring').id;
      // Created three days ago: every set of the month is still listed.
      const sum = (sets: Array<{ BackupSize?: unknown }>) => sets.reduce((n, s) => n + Number(s.BackupSize ?? 0), 0);
      expect(item.UsedFullBytes).toBe(sum(sim.fleet.fullBackups(planId)!));
      expect(item.UsedIncrementBytes).toBe(sum(sim.fleet.incrementBackups(planId)!));
      expect(item.FullStorageSize).toBe(item.UsedFullBytes);
      expect(item.ContStorageSize).toBe(item.UsedIncrementBytes);
      expect(item.TotalFreeBytes).toBeGreaterThan(item.UsedFullBytes! + item.UsedIncrementBytes!);
    });

    it('shows the expired plan expired, and the traffic plan at 95% of its free quota, then paying past it', async () => {
      expect(await billing('mysql-hr-prepaid-expired')).toMatchObject({ IsExpired: true, BuyExpiredTimestamp: T0 - 2 * DAY });
      const item = await billing('pg-warehouse-prepaid-traffic');
      expect((item.UsedFullBytes! + item.UsedIncrementBytes!) / item.TotalFreeBytes!).toBeCloseTo(0.95, 3);
      clock.advance(2 * DAY);
      const later = await billing('pg-warehouse-prepaid-traffic');
      expect(later.PaiedBytes).toBe(later.UsedFullBytes! + later.UsedIncrementBytes! - later.TotalFreeBytes!);
      expect(later.PaiedBytes).toBeGreaterThan(0);
    });

    it('answers pay-as-you-go without a free quota or expiry: all traffic is paid', async () => {
      const item = await billing('mysql-orders-prod');
      expect(item).toMatchObject({ BuyChargeType: 'POSTPAY', IsFreeBytesUnlimited: false });
      expect(item.TotalFreeBytes).toBeUndefined();
      expect(item.BuyExpiredTimestamp).toBeUndefined();
      expect(item.IsExpired).toBeUndefined();
      expect(item.PaiedBytes).toBe(item.UsedFullBytes! + item.UsedIncrementBytes!);
    });

    it('answers HTTP 400 "This backupPlan can\'t support this action" for a plan without billing', async () => {
      const { status, body } = await call('DescribeBackupPlanBilling', { BackupPlanId: planNamed('mongo-sessions').id });
      expect([status, body.Code, body.Message]).toEqual([400, 'BackupPlanNotSupportAction', "This backupPlan can't support this action"]);
      expect(body.Code).not.toMatch(/Forbidden|NoPermission|NotAuthorized|Throttl/);
      const viaClient = await clientError(realClient(sim)('DescribeBackupPlanBilling', { BackupPlanId: planNamed('mongo-sessions').id }));
      expect(viaClient).toEqual({ code: 'BackupPlanNotSupportAction', statusCode: 400 });
    });

    it('requires BackupPlanId and answers an unknown plan like the other per-plan actions', async () => {
      expect(await rejected('DescribeBackupPlanBilling', {})).toEqual([400, 'InvalidParameter', 'BackupPlanId']);
      const unknown = await call('DescribeBackupPlanBilling', { BackupPlanId: 'dbs1nosuchplan' });
      const reference = await call('DescribeFullBackupList', { BackupPlanId: 'dbs1nosuchplan' });
      expect(unknown.status).toBe(200);
      expect({ ...unknown.body, RequestId: undefined }).toEqual({ ...reference.body, RequestId: undefined });
    });
  });

  describe('DescribeBackupGatewayList', () => {
    it('lists the region\'s gateways with string ids, status and heartbeat, in the paging envelope', async () => {
      const body = (await realClient(sim)('DescribeBackupGatewayList', { Region: 'cn-hangzhou' })).body;
      expect([body.PageNum, body.PageSize, body.TotalPages, body.TotalElements]).toEqual([0, 30, 1, 2]);
      const raw = body.Items.BackupGateway as Array<Record<string, unknown>>;
      for (const gateway of raw) expect(typeof gateway.BackupGatewayId).toBe('string');
      const [offline, online] = describeBackupGatewayListResponseSchema.parse(body).Items;
      expect(offline).toMatchObject({ BackupGatewayStatus: 'OFFLINE', Region: 'cn-hangzhou', BackupGatewayCreateTime: T0 - 30 * DAY });
      // Its heartbeat stopped when it went offline, three hours ago.
      expect(offline!.LastHeartbeatTime).toBeLessThanOrEqual(T0 - 3 * HOUR);
      expect(offline!.LastHeartbeatTime).toBeGreaterThan(T0 - 3 * HOUR - MINUTE);
      expect(online!.BackupGatewayStatus).toBe('ONLINE');
      expect(T0 - online!.LastHeartbeatTime!).toBeLessThan(MINUTE);
      for (const field of ['Identifier', 'DisplayName', 'SourceEndpointHostname', 'SourceEndpointInternetIP', 'SourceEndpointIntranetIP'] as const) {
        expect(online![field]).toMatch(/./);
      }
      clock.advance(10 * MINUTE);
      const later = describeBackupGatewayListResponseSchema.parse((await call('DescribeBackupGatewayList', { Region: 'cn-hangzhou' })).body).Items;
      expect(later[0]!.LastHeartbeatTime).toBe(offline!.LastHeartbeatTime);
      expect(T0 + 10 * MINUTE - later[1]!.LastHeartbeatTime!).toBeLessThan(MINUTE);
    });

    it('requires Region, accepts PageSize 30, 50 or 100 only, filters by Identifier and pages from 0', async () => {
      expect(await rejected('DescribeBackupGatewayList', {})).toEqual([400, 'InvalidParameter', 'Region']);
      for (const size of ['20', '10', '1', '101']) {
        expect(await rejected('DescribeBackupGatewayList', { Region: 'cn-hangzhou', PageSize: size })).toEqual([400, 'InvalidParameter', 'PageSize']);
      }
      for (const size of ['30', '50', '100']) {
        const { status, body } = await call('DescribeBackupGatewayList', { Region: 'cn-hangzhou', PageSize: size });
        expect([status, body.PageSize, body.Items.BackupGateway.length]).toEqual([200, Number(size), 2]);
      }
      const [first, second] = sim.fleet.listGateways();
      const filtered = await call('DescribeBackupGatewayList', { Region: 'cn-hangzhou', Identifier: `${second!.identifier}, nosuch` });
      expect(filtered.body.Items.BackupGateway.map((g: { BackupGatewayId: string }) => g.BackupGatewayId)).toEqual([String(second!.id)]);
      expect((await call('DescribeBackupGatewayList', { Region: 'cn-hangzhou', Identifier: `${first!.identifier},${second!.identifier}` })).body.TotalElements).toBe(2);
      const elsewhere = await call('DescribeBackupGatewayList', { Region: 'cn-beijing' });
      expect([elsewhere.status, elsewhere.body.TotalElements, elsewhere.body.Items.BackupGateway]).toEqual([200, 0, []]);
      const beyond = await call('DescribeBackupGatewayList', { Region: 'cn-hangzhou', PageNum: '1' });
      expect([beyond.body.PageNum, beyond.body.Items.BackupGateway]).toEqual([1, []]);
    });
  });

  describe('DescribeJobErrorCode', () => {
    const jobError = async (taskId: string, language?: string) => {
      const params: Record<string, string> = language ? { TaskId: taskId, Language: language } : { TaskId: taskId };
      const body = (await realClient(sim)('DescribeJobErrorCode', params)).body;
      return describeJobErrorCodeResponseSchema.parse(body).Item!;
    };

    it('gives DBS\'s standard reason for the newest failed full of the failing-full plan, in English or Chinese', async () => {
      const plan = planNamed('mysql-wms-full-failed');
      const [newest, ...earlier] = sim.fleet.fullBackups(plan.id)!;
      expect(newest!.BackupStatus).toBe('failed');
      expect(earlier.length).toBeGreaterThan(0);
      expect(earlier.every((s) => s.BackupStatus === 'finish')).toBe(true);
      const en = await jobError(newest!.BackupSetId);
      expect(en).toEqual({
        JobId: newest!.BackupSetId,
        JobState: 'failed',
        JobType: 'FULL_BACKUP',
        ErrorCode: 'DBS.FullBackup.SourceConnectFailed',
        ErrorMessage: "Failed to connect to the source database: check the network and the account's password",
      });
      expect(newest!.ErrMessage).toBe(en.ErrorMessage);
      const cn = await jobError(newest!.BackupSetId, 'cn');
      expect(cn.ErrorCode).toBe(en.ErrorCode);
      expect(cn.ErrorMessage).toMatch(/[\u4e00-\u9fff]/);
      expect(await jobError(newest!.BackupSetId, 'en')).toEqual(en);
    });

    it('answers empty reasons for a successful full, a reason for a failed restore, and the same reason every time', async () => {
      const ok = sim.fleet.fullBackups(planNamed('mysql-orders-prod').id)!.find((s) => s.BackupStatus === 'finish')!;
      expect(await jobError(ok.BackupSetId)).toMatchObject({ JobState: 'finish', JobType: 'FULL_BACKUP', ErrorCode: '', ErrorMessage: '' });
      const failing = sim.fleet.fullBackups(planNamed('mysql-billing-failing').id)!.filter((s) => s.BackupStatus === 'failed');
      const reasons = await Promise.all(failing.map((s) => jobError(s.BackupSetId)));
      expect(new Set(reasons.map((r) => r.ErrorCode))).toEqual(new Set(['DBS.FullBackup.SourceAuthFailed']));
      const restore = sim.fleet.restoreTasks(planNamed('pg-billing-restores').id)!.find((t) => t.RestoreStatus === 'stop')!;
      expect(await jobError(restore.RestoreTaskId)).toMatchObject({ JobType: 'RESTORE', JobState: 'stop', ErrorCode: 'DBS.Restore.DestinationDiskInsufficient' });
    });

    it('requires TaskId, knows only en and cn, and answers an unknown task like an unknown plan', async () => {
      expect(await rejected('DescribeJobErrorCode', {})).toEqual([400, 'InvalidParameter', 'TaskId']);
      expect(await rejected('DescribeJobErrorCode', { TaskId: 'x', Language: 'fr' })).toEqual([400, 'InvalidParameter', 'Language']);
      const unknown = await call('DescribeJobErrorCode', { TaskId: 'dbs1nosuchplan-full-1' });
      expect([unknown.status, unknown.body.Success, unknown.body.ErrCode]).toEqual([200, false, 'Param.NotFound']);
    });
  });

  describe('signatures and faults', () => {
    it('checks signatures on the new actions like on the others', async () => {
      for (const action of ['DescribeBackupPlanBilling', 'DescribeBackupGatewayList', 'DescribeJobErrorCode']) {
        const error = await clientError(realClient(sim, { credential: { accessKeySecret: 'wrong' } })(action, { Region: 'cn-hangzhou', BackupPlanId: 'x', TaskId: 'x' }));
        expect(error).toEqual({ code: 'SignatureDoesNotMatch', statusCode: 400 });
      }
    });

    it('lets a fault target each new action alone', async () => {
      const planId = planNamed('mysql-orders-prod').id;
      const requests = {
        DescribeBackupPlanBilling: { BackupPlanId: planId },
        DescribeBackupGatewayList: { Region: 'cn-hangzhou' },
        DescribeJobErrorCode: { TaskId: sim.fleet.fullBackups(planId)![0]!.BackupSetId },
      };
      for (const [action, params] of Object.entries(requests)) {
        sim.faults.clear();
        sim.faults.set({ kind: 'http', status: 503, action: action as keyof typeof requests });
        for (const [other, otherParams] of Object.entries(requests)) {
          expect((await rawCall(sim, other, otherParams)).status).toBe(other === action ? 503 : 200);
        }
      }
      sim.faults.clear();
      sim.faults.set({ kind: 'repeatPage', action: 'DescribeBackupGatewayList', totalElements: 500 });
      expect((await call('DescribeBackupGatewayList', { Region: 'cn-hangzhou', PageNum: '3' })).body).toMatchObject({ TotalElements: 500, TotalPages: 17 });
      expect(() => sim.faults.set({ kind: 'repeatPage', action: 'DescribeBackupPlanBilling' })).toThrow(/not paged/);
      expect(() => sim.faults.set({ kind: 'repeatPage', action: 'DescribeJobErrorCode' })).toThrow(/not paged/);
    });
  });
});
