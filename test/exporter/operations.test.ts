/**
 * Operational stops through the exporter, against the simulator on a manual clock over signed HTTP:
 * the subscription, billing (and DBS's "can't support" answer), backup gateways, and DBS's reason for
 * a failed full backup, as /metrics shows them; and what a least-privilege account sees.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/simulator/index.js';
import { find, has, valueOf } from '../support/exposition.js';
import { emptySimulator, exporterFor, scrape } from '../support/exporter-harness.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const plan = (id: string) => ({ account: 'prod', region: 'cn-hangzhou', backup_plan_id: id });
const gateway = (id: string) => ({ account: 'prod', region: 'cn-hangzhou', backup_gateway_id: id });

function logLines() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const parsed = () => lines.map((l) => JSON.parse(l) as { msg: string; action?: string; level: number });
  return { logger, parsed };
}

describe('operational stops through the exporter', () => {
  it('a prepaid plan: its expiry, settings, retention and backup traffic; a plan billing does not apply to is not applicable, not a failure', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({
      id: 'dbsprepaid',
      createdAt: T0 - 3 * DAY,
      retentionDays: 30,
      storageEncryptMethod: 'sse_kms',
      subscription: { chargeType: 'PREPAY', boughtAt: T0 - 3 * DAY, expiresAt: T0 + 5 * DAY, freeBytes: 1_000_000_000_000, billingSupported: true },
    });
    sim.fleet.addPlan({ id: 'dbsnobilling', createdAt: T0 - 3 * DAY, storageEncryptMethod: 'none', subscription: { chargeType: 'POSTPAY', boughtAt: T0 - 3 * DAY, billingSupported: false } });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    const m = await scrape(exporter);

    expect(valueOf(m, 'dbs_backup_plan_expiry_timestamp_seconds', plan('dbsprepaid'))).toBe((T0 + 5 * DAY) / 1000);
    expect(has(m, 'dbs_backup_plan_expiry_timestamp_seconds', plan('dbsnobilling'))).toBe(false);
    expect(valueOf(m, 'dbs_backup_plan_settings_info', { ...plan('dbsprepaid'), charge_type: 'PREPAY', storage_encrypt_method: 'sse_kms', backup_gateway_id: '' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_storage_encrypted', plan('dbsprepaid'))).toBe(1);
    expect(valueOf(m, 'dbs_backup_plan_storage_encrypted', plan('dbsnobilling'))).toBe(0);
    expect(valueOf(m, 'dbs_backup_retention_seconds', { ...plan('dbsprepaid'), backup_type: 'full' })).toBe(30 * 86_400);

    // Billing: traffic of the quota period, as the simulator counts it from the plan's own sets.
    const billing = sim.fleet.billing('dbsprepaid');
    if (billing === undefined || billing === 'unsupported') throw new Error('the simulator has billing for dbsprepaid');
    expect(valueOf(m, 'dbs_backup_billing_supported', plan('dbsprepaid'))).toBe(1);
    expect(valueOf(m, 'dbs_backup_traffic_free_bytes', plan('dbsprepaid'))).toBe(1_000_000_000_000);
    expect(valueOf(m, 'dbs_backup_traffic_used_bytes', { ...plan('dbsprepaid'), backup_type: 'full' })).toBe(Number(billing.UsedFullBytes));
    expect(valueOf(m, 'dbs_backup_traffic_used_bytes', { ...plan('dbsprepaid'), backup_type: 'incremental' })).toBe(Number(billing.UsedIncrementBytes));
    expect(Number(billing.UsedFullBytes)).toBeGreaterThan(0);
    expect(valueOf(m, 'dbs_backup_traffic_quota_end_timestamp_seconds', plan('dbsprepaid'))).toBe(Number(billing.QuotaEndTimestamp) / 1000);

    // Not applicable: said by the gauge, the plan's poll works, and no traffic series.
    expect(valueOf(m, 'dbs_backup_billing_supported', plan('dbsnobilling'))).toBe(0);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsnobilling'))).toBe(1);
    expect(find(m, 'dbs_backup_traffic_used_bytes', plan('dbsnobilling'))).toEqual([]);
    expect(valueOf(m, 'dbs_exporter_poll_errors_total', { account: 'prod', scope: 'plan', code: 'invalid_request' }) ?? 0).toBe(0);

    // Billing is read once an hour, not every cycle.
    const billingCalls = () => sim.requests.entries((r) => r.action === 'DescribeBackupPlanBilling').length;
    expect(billingCalls()).toBe(2);
    clock.advance(MIN);
    await exporter.runCycle();
    expect(billingCalls()).toBe(2);
    clock.advance(HOUR);
    await exporter.runCycle();
    expect(billingCalls()).toBe(4);
  });

  it('a gateway going offline: its status and heartbeat, the plans behind it; back online it heartbeats again', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    const gw = sim.fleet.addGateway({ createdAt: T0 - 10 * DAY });
    sim.fleet.addPlan({ id: 'dbsidc1', createdAt: T0 - 3 * DAY, gatewayId: gw.id });
    sim.fleet.addPlan({ id: 'dbsidc2', createdAt: T0 - 3 * DAY, gatewayId: gw.id, status: 'pause' });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    let m = await scrape(exporter);
    const id = String(gw.id);
    expect(valueOf(m, 'dbs_backup_plan_settings_info', { ...plan('dbsidc1'), charge_type: 'POSTPAY', storage_encrypt_method: '', backup_gateway_id: id })).toBe(1);
    expect(valueOf(m, 'dbs_backup_gateway_status', { ...gateway(id), status: 'ONLINE' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_gateway_status', { ...gateway(id), status: 'OFFLINE' })).toBe(0);
    expect(valueOf(m, 'dbs_backup_gateway_plans', gateway(id))).toBe(2);
    expect(valueOf(m, 'dbs_exporter_gateway_list_success', { account: 'prod', region: 'cn-hangzhou' })).toBe(1);

    clock.advance(MIN);
    const downAt = clock.now();
    sim.fleet.setGatewayStatus(id, 'OFFLINE');
    clock.advance(30 * MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_gateway_status', { ...gateway(id), status: 'OFFLINE' })).toBe(1);
    const heartbeat = valueOf(m, 'dbs_backup_gateway_last_heartbeat_timestamp_seconds', gateway(id))!;
    expect(heartbeat).toBeLessThanOrEqual(downAt / 1000);
    expect(heartbeat).toBeGreaterThan((downAt - 2 * MIN) / 1000);

    // The listing fails: the last good gateway values stay, marked.
    sim.faults.set({ kind: 'http', status: 503, action: 'DescribeBackupGatewayList' });
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_gateway_list_success', { account: 'prod', region: 'cn-hangzhou' })).toBe(0);
    expect(valueOf(m, 'dbs_backup_gateway_status', { ...gateway(id), status: 'OFFLINE' })).toBe(1);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbsidc1'))).toBe(1);

    sim.faults.clear();
    sim.fleet.setGatewayStatus(id, 'ONLINE');
    clock.advance(2 * MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(valueOf(m, 'dbs_backup_gateway_status', { ...gateway(id), status: 'ONLINE' })).toBe(1);
    expect(valueOf(m, 'dbs_backup_gateway_last_heartbeat_timestamp_seconds', gateway(id))!).toBeGreaterThan((clock.now() - 2 * MIN) / 1000);
  });

  it("DBS's reason for a failed full: asked once per new failure, exported per plan; a newer failure replaces it", async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsfail', createdAt: T0 - 3 * DAY, schedule: { full: false, incremental: false } });
    sim.fleet.addFullBackup('dbsfail', { BackupSetId: 'f1', BackupStatus: 'finish', StartTime: T0 - 3 * HOUR, EndTime: T0 - 2 * HOUR });
    sim.fleet.addFullBackup('dbsfail', { BackupSetId: 'f2', BackupStatus: 'failed', StartTime: T0 - 90 * MIN, EndTime: T0 - HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }], clock);
    await exporter.runCycle();
    let m = await scrape(exporter);
    const expected = sim.fleet.jobError('f2');
    expect(expected?.ErrorCode).toBeTruthy();
    expect(find(m, 'dbs_backup_last_failure_reason_info', plan('dbsfail')).map((s) => s.labels)).toEqual([
      { ...plan('dbsfail'), backup_type: 'full', error_code: expected!.ErrorCode, error_message: expected!.ErrorMessage },
    ]);

    // Steady: no new failure, no call.
    const asked = () => sim.requests.entries((r) => r.action === 'DescribeJobErrorCode').length;
    const first = asked();
    expect(first).toBe(1);
    clock.advance(MIN);
    await exporter.runCycle();
    expect(asked()).toBe(first);

    sim.fleet.addFullBackup('dbsfail', { BackupSetId: 'f3', BackupStatus: 'failed', StartTime: clock.now() - 20 * MIN, EndTime: clock.now() - 5 * MIN });
    clock.advance(MIN);
    await exporter.runCycle();
    m = await scrape(exporter);
    expect(asked()).toBe(first + 1);
    const reasons = find(m, 'dbs_backup_last_failure_reason_info', plan('dbsfail'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]!.labels.error_code).toBe(sim.fleet.jobError('f3')!.ErrorCode);
  });

  it('a least-privilege account: each optional action refused (403) is said once, plans poll fine, the rest works', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbslp', createdAt: T0 - 3 * DAY });
    for (const action of ['DescribeBackupPlanBilling', 'DescribeBackupGatewayList', 'DescribeJobErrorCode'] as const) sim.faults.set({ kind: 'forbidden', action });
    sim.fleet.addFullBackup('dbslp', { BackupSetId: 'lpf', BackupStatus: 'failed', StartTime: T0 - 2 * HOUR, EndTime: T0 - HOUR });
    const { logger, parsed } = logLines();
    const exporter = exporterFor([{ name: 'prod', sim }], clock, '  billing: { interval: 1s }', logger);
    for (let i = 0; i < 3; i++) {
      await exporter.runCycle();
      clock.advance(MIN);
    }
    const m = await scrape(exporter);
    expect(valueOf(m, 'dbs_exporter_plan_poll_success', plan('dbslp'))).toBe(1);
    expect(valueOf(m, 'dbs_backup_last_failure_timestamp_seconds', { ...plan('dbslp'), backup_type: 'full' })).toBe((T0 - HOUR) / 1000);
    const said = parsed().filter((l) => l.action !== undefined && l.msg.includes('is not allowed for this account'));
    expect(said.map((l) => l.msg).sort()).toEqual([
      'DescribeBackupGatewayList is not allowed for this account: add it to the RAM policy, or turn the source off (collection.gateways.enabled: false)',
      'DescribeBackupPlanBilling is not allowed for this account: add it to the RAM policy, or turn the source off (collection.billing.enabled: false)',
      'DescribeJobErrorCode is not allowed for this account: add it to the RAM policy, or turn the source off (collection.job_errors.enabled: false)',
    ]);
    expect(find(m, 'dbs_backup_billing_supported', plan('dbslp'))).toEqual([]);
  });

  it('turned off, an action is never called', async () => {
    const clock = new ManualClock(T0);
    const sim = await emptySimulator(clock);
    sim.fleet.addPlan({ id: 'dbsoff', createdAt: T0 - 3 * DAY });
    sim.fleet.addFullBackup('dbsoff', { BackupSetId: 'offf', BackupStatus: 'failed', StartTime: T0 - 2 * HOUR, EndTime: T0 - HOUR });
    const exporter = exporterFor([{ name: 'prod', sim }], clock, ['  billing: { enabled: false }', '  gateways: { enabled: false }', '  job_errors: { enabled: false }'].join('\n'));
    await exporter.runCycle();
    const actions = new Set(sim.requests.entries().map((r) => r.action));
    expect([...actions].filter((a) => ['DescribeBackupPlanBilling', 'DescribeBackupGatewayList', 'DescribeJobErrorCode'].includes(a))).toEqual([]);
  });
});
