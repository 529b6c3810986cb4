/**
 * Operational stops over time: prepaid plans take no backup after expiry, plans behind a down gateway
 * none while it is down; the admin routes that change gateways, subscriptions and failing fulls; and
 * the share of prepaid, gateway and billing-unsupported plans in a large fleet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeBackupGatewayListResponseSchema } from '../../src/dbs/schemas.js';
import { DAY, Fleet, HOUR, MINUTE, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { httpRequest, rawCall } from './helpers.js';

const T0 = Date.UTC(2026, 10, 28, 5, 20);

/** StartTimes of every set of a plan listed now. */
function startTimes(sim: Simulator, planId: string): number[] {
  return [...sim.fleet.fullBackups(planId)!, ...sim.fleet.incrementBackups(planId)!].map((s) => Number(s.StartTime));
}

describe('operational stops over time', () => {
  let sim: Simulator;
  let clock: ManualClock;
  const planNamed = (name: string) => sim.fleet.listPlans().find((p) => p.name === name)!;
  const post = (path: string, body: unknown) => httpRequest(`${sim.url}/_sim/${path}`, { body: JSON.stringify(body) });

  beforeAll(async () => {
    clock = new ManualClock(T0);
    sim = await startSimulator({ clock, scenario: { seed: 5, plans: 18 }, adminApi: true });
  });
  afterEach(() => clock.set(T0));
  afterAll(() => sim.close());

  it('takes no backup after a prepaid plan expired, the expired scenario plan included', () => {
    const expired = planNamed('mysql-hr-prepaid-expired');
    const times = startTimes(sim, expired.id);
    expect(times.length).toBeGreaterThan(100);
    expect(Math.max(...times)).toBeLessThan(T0 - 2 * DAY);
    expect(Math.max(...times)).toBeGreaterThan(T0 - 2 * DAY - HOUR);
    const expiring = planNamed('mysql-loyalty-prepaid-expiring');
    const expiresAt = T0 + 5 * DAY;
    clock.set(T0 + 7 * DAY);
    const later = startTimes(sim, expiring.id);
    expect(Math.max(...later)).toBeLessThan(expiresAt);
    expect(Math.max(...later)).toBeGreaterThan(expiresAt - HOUR);
    clock.set(T0);
  });

  it('takes no backup since the scenario gateway went offline three hours ago', () => {
    const plan = planNamed('mysql-idc-gateway-offline');
    const times = startTimes(sim, plan.id);
    expect(Math.max(...times)).toBeLessThan(T0 - 3 * HOUR);
    expect(Math.max(...times)).toBeGreaterThan(T0 - 3 * HOUR - 10 * MINUTE);
    clock.set(T0 + DAY);
    expect(Math.max(...startTimes(sim, plan.id))).toBeLessThan(T0 - 3 * HOUR);
    clock.set(T0);
  });

  it('turns a gateway OFFLINE and back ONLINE from the clock\'s now: heartbeat and backups stop, then resume', async () => {
    const plan = planNamed('mysql-wms-full-failed');
    const id = String(plan.gatewayId);
    clock.set(T0);
    const listed = (await httpRequest(`${sim.url}/_sim/gateways`, { method: 'GET' })).json();
    expect(listed.map((g: { status: string }) => g.status)).toEqual(['OFFLINE', 'ONLINE']);
    expect(listed.find((g: { id: string }) => g.id === id).plans).toEqual([plan.id]);

    const down = await post(`gateways/${id}`, { status: 'OFFLINE' });
    expect([down.status, down.json().status]).toEqual([200, 'OFFLINE']);
    clock.advance(2 * HOUR);
    const gateway = async () =>
      describeBackupGatewayListResponseSchema.parse((await rawCall(sim, 'DescribeBackupGatewayList', { Region: 'cn-hangzhou' })).json()).Items.find((g) => g.BackupGatewayId === id)!;
    const offline = await gateway();
    expect(offline.BackupGatewayStatus).toBe('OFFLINE');
    expect(offline.LastHeartbeatTime).toBeLessThanOrEqual(T0);
    expect(offline.LastHeartbeatTime).toBeGreaterThan(T0 - MINUTE);
    expect(Math.max(...startTimes(sim, plan.id))).toBeLessThan(T0);

    const up = await post(`gateways/${id}`, { status: 'ONLINE' });
    expect(up.json()).toMatchObject({ status: 'ONLINE', down: false });
    clock.advance(HOUR);
    const online = await gateway();
    expect([online.BackupGatewayStatus, T0 + 3 * HOUR - online.LastHeartbeatTime! < MINUTE]).toEqual(['ONLINE', true]);
    const resumed = startTimes(sim, plan.id).filter((t) => t >= T0 + 2 * HOUR);
    expect(resumed.length).toBeGreaterThan(3);
    expect(startTimes(sim, plan.id).filter((t) => t >= T0 && t < T0 + 2 * HOUR)).toEqual([]);

    expect((await post(`gateways/${id}`, { status: 'BROKEN' })).status).toBe(400);
    expect((await post('gateways/123', { status: 'ONLINE' })).status).toBe(404);
    clock.set(T0);
  });

  it('sets a plan\'s subscription: prepaid with an expiry stops backups then, a renewal resumes them from now', async () => {
    const plan = planNamed('mysql-orders-prod');
    clock.set(T0);
    const set = await post(`plans/${plan.id}/subscription`, { chargeType: 'PREPAY', expiresAtMs: T0 + HOUR, freeBytes: 1024 ** 4 });
    expect(set.json().subscription).toMatchObject({ chargeType: 'PREPAY', expiresAt: T0 + HOUR, freeBytes: 1024 ** 4 });
    const detail = (await rawCall(sim, 'DescribeBackupPlanList', { BackupPlanId: plan.id })).json().Items.BackupPlanDetail[0];
    expect([detail.InstanceChargeType, detail.InstanceExpiredTimestamp]).toEqual(['PREPAY', T0 + HOUR]);
    clock.advance(4 * HOUR);
    expect(Math.max(...startTimes(sim, plan.id))).toBeLessThan(T0 + HOUR);
    const billing = (await rawCall(sim, 'DescribeBackupPlanBilling', { BackupPlanId: plan.id })).json().Item;
    expect(billing).toMatchObject({ IsExpired: true, TotalFreeBytes: 1024 ** 4 });

    await post(`plans/${plan.id}/subscription`, { expiresAtMs: T0 + 400 * DAY, freeBytes: null });
    clock.advance(HOUR);
    const times = startTimes(sim, plan.id);
    expect(times.filter((t) => t >= T0 + HOUR && t < T0 + 4 * HOUR)).toEqual([]);
    expect(times.filter((t) => t >= T0 + 4 * HOUR).length).toBeGreaterThan(5);
    const unlimited = (await rawCall(sim, 'DescribeBackupPlanBilling', { BackupPlanId: plan.id })).json().Item;
    expect(unlimited).toMatchObject({ IsExpired: false, IsFreeBytesUnlimited: true, PaiedBytes: 0 });
    expect(unlimited.TotalFreeBytes).toBeUndefined();

    await post(`plans/${plan.id}/subscription`, { chargeType: 'POSTPAY', billingSupported: false });
    const refused = await rawCall(sim, 'DescribeBackupPlanBilling', { BackupPlanId: plan.id });
    expect([refused.status, refused.json().Message]).toEqual([400, "This backupPlan can't support this action"]);
    expect((await post(`plans/${plan.id}/subscription`, { chargeType: 'MONTHLY' })).status).toBe(400);
    clock.set(T0);
  });

  it('makes the newest full fail with a standard code, and later ones succeed again', async () => {
    const plan = planNamed('sqlserver-erp');
    clock.set(T0);
    const newest = sim.fleet.fullBackups(plan.id)!.find((s) => s.BackupStatus === 'finish')!;
    const failed = await post(`plans/${plan.id}/full-failure`, { newest: true, errorCode: 'DBS.FullBackup.StorageWriteFailed' });
    expect(failed.status).toBe(200);
    expect(sim.fleet.fullBackups(plan.id)!.find((s) => s.BackupSetId === newest.BackupSetId)!.BackupStatus).toBe('failed');
    const reason = (await rawCall(sim, 'DescribeJobErrorCode', { TaskId: newest.BackupSetId })).json().Item;
    expect(reason).toMatchObject({ JobState: 'failed', ErrorCode: 'DBS.FullBackup.StorageWriteFailed' });
    clock.advance(DAY);
    expect(sim.fleet.fullBackups(plan.id)![0]!.BackupStatus).toBe('failed');
    expect((await httpRequest(`${sim.url}/_sim/plans/${plan.id}/full-failure`, { method: 'DELETE' })).status).toBe(200);
    clock.advance(DAY);
    const [next, previous] = sim.fleet.fullBackups(plan.id)!;
    expect([next!.BackupStatus, previous!.BackupStatus]).toEqual(['finish', 'failed']);
    clock.set(T0);
  });
});

describe('operational stops in a large fleet', () => {
  it('mixes in a few percent prepaid and billing-unsupported plans and about 10% behind a few gateways', () => {
    const fleet = new Fleet(new ManualClock(T0), { seed: 3, plans: 3000 });
    const plans = fleet.listPlans().slice(18);
    const share = (test: (p: (typeof plans)[number]) => boolean) => plans.filter(test).length / plans.length;
    expect(share((p) => p.subscription?.chargeType === 'PREPAY')).toBeGreaterThan(0.02);
    expect(share((p) => p.subscription?.chargeType === 'PREPAY')).toBeLessThan(0.07);
    expect(share((p) => p.subscription?.billingSupported === false)).toBeGreaterThan(0.01);
    expect(share((p) => p.subscription?.billingSupported === false)).toBeLessThan(0.06);
    expect(share((p) => p.gatewayId !== undefined)).toBeGreaterThan(0.06);
    expect(share((p) => p.gatewayId !== undefined)).toBeLessThan(0.15);
    for (const plan of plans.filter((p) => p.subscription?.chargeType === 'PREPAY')) expect(plan.subscription!.expiresAt).toBeGreaterThan(T0 + 29 * DAY);

    const gateways = fleet.gatewayList('cn-hangzhou');
    expect(gateways.length).toBeGreaterThanOrEqual(4);
    expect(gateways.length).toBeLessThanOrEqual(8);
    const perGateway = new Map<string, number>();
    for (const plan of plans) if (plan.gatewayId !== undefined) perGateway.set(String(plan.gatewayId), (perGateway.get(String(plan.gatewayId)) ?? 0) + 1);
    expect([...perGateway.keys()].every((id) => gateways.some((g) => g.BackupGatewayId === id))).toBe(true);
    expect(Math.min(...perGateway.values())).toBeGreaterThan(5);
    // Only the scenario's own gateway is down: the pool's stay ONLINE.
    expect(gateways.filter((g) => g.BackupGatewayStatus !== 'ONLINE')).toHaveLength(1);
  });

  it('gives the operations plans the same charge types and gateways whatever the seed', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const plans = new Fleet(new ManualClock(T0), { seed, plans: 18 }).listPlans();
      expect(plans.slice(13).map((p) => p.subscription?.chargeType)).toEqual(['PREPAY', 'PREPAY', 'POSTPAY', 'POSTPAY', 'PREPAY']);
      expect(plans.slice(13).map((p) => p.gatewayId !== undefined)).toEqual([false, false, true, true, false]);
      expect(plans.map((p) => p.subscription?.billingSupported).filter((s) => s === false)).toHaveLength(1);
      expect(plans.slice(0, 13).every((p) => p.subscription?.chargeType === 'POSTPAY' && p.gatewayId === undefined)).toBe(true);
    }
  });

  it('builds the same gateways, charges and encryption for the same seed', () => {
    const a = new Fleet(new ManualClock(T0), { seed: 9, plans: 400 });
    const b = new Fleet(new ManualClock(T0), { seed: 9, plans: 400 });
    expect(a.listGateways()).toEqual(b.listGateways());
    expect(a.listPlans()).toEqual(b.listPlans());
    for (const plan of a.listPlans().slice(0, 40)) expect(a.billing(plan.id)).toEqual(b.billing(plan.id));
  });

  it('adds a plan behind an added gateway: none of its backups start while the gateway is down', () => {
    const clock = new ManualClock(T0);
    const fleet = new Fleet(clock, { plans: 0 });
    const gateway = fleet.addGateway({ status: 'STOPPED', createdAt: T0 - DAY });
    const plan = fleet.addPlan({ createdAt: T0 - DAY, gatewayId: gateway.id, sourceEndpointInstanceType: 'Agent' });
    expect(fleet.describePlan(plan.id)!.BackupGatewayId).toBe(gateway.id);
    clock.advance(6 * HOUR);
    expect(fleet.incrementBackups(plan.id)!.filter((s) => Number(s.StartTime) >= T0)).toEqual([]);
    fleet.setGatewayStatus(String(gateway.id), 'UPGRADING');
    clock.advance(HOUR);
    expect(fleet.incrementBackups(plan.id)!.filter((s) => Number(s.StartTime) >= T0 + 6 * HOUR).length).toBeGreaterThan(5);
    expect(() => fleet.setGatewayStatus('999', 'ONLINE')).toThrow(/unknown backup gateway/);
  });

  it('has no gateway until the fleet reaches the gateway plans', () => {
    expect(new Fleet(new ManualClock(T0), { seed: 3, plans: 13 }).listGateways()).toEqual([]);
    expect(new Fleet(new ManualClock(T0), { seed: 3, plans: 16 }).listGateways()).toHaveLength(1);
  });
});
