/**
 * The fault matrix: each DBS fault alone, on one account, next to a healthy second
 * account. For each: the exporter stays up with no unhandled rejection; the healthy
 * account stays fresh; the faulty account's plans keep their last good values with poll
 * success 0, and past the staleness limit keep what DBS said (timestamps, status, info)
 * but lose their point-in-time gauges (jobs, sets, the running job); the right error class is counted; the
 * exposition never has NaN or a negative lag; the next cycle after the fault clears brings
 * everything back.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential, type CredentialProvider } from '../../src/dbs/index.js';
import { createExporter, type Exporter } from '../../src/exporter.js';
import { DEMO_CREDENTIAL, type FaultRule, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { POINT_IN_TIME_FAMILIES, find, parseExposition, type Sample, valueOf } from '../support/exposition.js';
import { simulatorConfig } from '../support/simulator-config.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MIN = 60_000;

let unhandled = 0;
const onUnhandled = () => void (unhandled += 1);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));

interface FaultCase {
  name: string;
  /** The error class the exporter must count for the faulty account. */
  code: string;
  /** Discovery fails too (the whole target is down), or only plan polls. */
  targetDown: boolean;
  inject(ctx: Ctx): void;
  clear(ctx: Ctx): void;
}

interface Ctx {
  prod: Simulator;
  staging: Simulator;
  clock: ManualClock;
  credentialBroken: { value: boolean };
}

const rule = (r: FaultRule) => ({
  inject: ({ prod }: Ctx) => void prod.faults.set(r),
  clear: ({ prod }: Ctx) => prod.faults.clear(),
});

const CASES: FaultCase[] = [
  { name: 'persistent throttling (Throttling.User)', code: 'throttled', targetDown: true, ...rule({ kind: 'throttle' }) },
  { name: 'Request.Forbidden 403', code: 'forbidden', targetDown: true, ...rule({ kind: 'forbidden' }) },
  { name: 'HTTP 500 on log-backup listings', code: 'server', targetDown: false, ...rule({ kind: 'http', status: 500, action: 'DescribeIncrementBackupList' }) },
  { name: 'HTTP 503', code: 'server', targetDown: true, ...rule({ kind: 'http', status: 503 }) },
  { name: 'a request hanging past the timeout', code: 'timeout', targetDown: false, ...rule({ kind: 'latency', ms: 1_500, action: 'DescribeFullBackupList' }) },
  { name: 'connection reset mid-body', code: 'network', targetDown: true, ...rule({ kind: 'reset' }) },
  { name: 'a non-JSON body', code: 'bad_response', targetDown: false, ...rule({ kind: 'malformed', action: 'DescribeFullBackupList' }) },
  {
    name: 'Success:false with an ErrCode on HTTP 200',
    code: 'server',
    targetDown: true,
    ...rule({ kind: 'successFalse', errCode: 'InternalError', errMessage: 'try later' }),
  },
  {
    name: 'a page that repeats forever',
    code: 'bad_response',
    targetDown: false,
    // Only a full page can repeat: give every plan more new sets than one page holds.
    inject: ({ prod, clock }) => {
      for (const plan of prod.fleet.listPlans()) {
        for (let i = 0; i < 150; i++) {
          prod.fleet.addIncrementBackup(plan.id, { BackupSetId: `${plan.id}-burst-${i}`, BackupStatus: 'COMPLETED', StartTime: clock.now() - 30_000 + i, EndTime: clock.now() - 1_000 });
        }
      }
      prod.faults.set({ kind: 'repeatPage', action: 'DescribeIncrementBackupList' });
    },
    clear: ({ prod }) => prod.faults.clear(),
  },
  {
    name: 'InvalidAccessKeyId.NotFound (key deleted)',
    code: 'auth',
    targetDown: true,
    inject: ({ prod }) => void prod.credentials.remove(DEMO_CREDENTIAL.accessKeyId),
    clear: ({ prod }) => prod.credentials.add({ ...DEMO_CREDENTIAL }),
  },
  {
    name: 'SignatureDoesNotMatch (secret rotated on the DBS side)',
    code: 'auth',
    targetDown: true,
    inject: ({ prod }) => {
      prod.credentials.remove(DEMO_CREDENTIAL.accessKeyId);
      prod.credentials.add({ accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: 'rotated-elsewhere' });
    },
    clear: ({ prod }) => {
      prod.credentials.remove(DEMO_CREDENTIAL.accessKeyId);
      prod.credentials.add({ ...DEMO_CREDENTIAL });
    },
  },
  {
    name: 'an expired STS token',
    code: 'auth',
    targetDown: true,
    inject: ({ prod }) => {
      prod.credentials.remove(DEMO_CREDENTIAL.accessKeyId);
      prod.credentials.add({ ...DEMO_CREDENTIAL, securityToken: 'CAIS-old', expiresAt: Date.now() - 1 });
    },
    clear: ({ prod }) => {
      prod.credentials.remove(DEMO_CREDENTIAL.accessKeyId);
      prod.credentials.add({ ...DEMO_CREDENTIAL });
    },
  },
  {
    name: 'a credential provider that fails',
    code: 'auth',
    targetDown: true,
    inject: ({ credentialBroken }) => void (credentialBroken.value = true),
    clear: ({ credentialBroken }) => void (credentialBroken.value = false),
  },
];

async function setup(): Promise<{ ctx: Ctx; exporter: Exporter; close: () => Promise<void> }> {
  const clock = new ManualClock(T0);
  const prod = await startSimulator({ clock, scenario: { plans: 4, seed: 7 } });
  const staging = await startSimulator({ clock, scenario: { plans: 3, seed: 8 } });
  const credentialBroken = { value: false };
  const demo = createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret });
  const flaky: CredentialProvider = {
    getCredential: () => (credentialBroken.value ? Promise.reject(new Error('credentials provider: token file unreadable')) : demo.getCredential()),
  };
  const config = simulatorConfig({ prod, staging }, [
    'defaults:',
    '  request_timeout: 300ms',
    '  retries: { max_attempts: 2, initial_backoff: 1ms, max_backoff: 2ms }',
    '  rate_limit: { requests_per_second: 1000 }',
    'collection: { interval: 60s, lookback: 24h, max_staleness: 5m }',
  ]);
  const exporter = createExporter(config, {
    logger: pino({ level: 'silent' }),
    build: { version: 't' },
    now: () => clock.now(),
    processMetrics: false,
    credentialFor: (target) => (target.name === 'prod' ? flaky : demo),
  });
  return {
    ctx: { prod, staging, clock, credentialBroken },
    exporter,
    close: async () => {
      await prod.close();
      await staging.close();
    },
  };
}

function assertSane(m: Sample[]): void {
  expect(m.filter((s) => !Number.isFinite(s.value))).toEqual([]);
  expect(find(m, 'dbs_backup_lag_seconds').filter((s) => s.value < 0)).toEqual([]);
}


const planIds = (m: Sample[], account: string, name = 'dbs_backup_plan_info'): string[] =>
  find(m, name, { account })
    .map((s) => s.labels.backup_plan_id ?? '')
    .sort();

describe('fault matrix', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, fault) => {
    const { ctx, exporter, close } = await setup();
    try {
      await exporter.runCycle();
      const healthy = parseExposition(await exporter.metrics.render());
      const prodPlans = planIds(healthy, 'prod');
      const stagingPlans = planIds(healthy, 'staging');
      expect(prodPlans).toHaveLength(4);
      expect(stagingPlans).toHaveLength(3);
      const probe = { account: 'prod', backup_plan_id: prodPlans[0]!, backup_type: 'full' };
      const lastGood = valueOf(healthy, 'dbs_backup_last_success_timestamp_seconds', probe);

      // The fault: one cycle later, last good values are kept and marked.
      fault.inject(ctx);
      ctx.clock.advance(MIN);
      await exporter.runCycle();
      let m = parseExposition(await exporter.metrics.render());
      assertSane(m);
      expect(valueOf(m, 'dbs_exporter_target_up', { account: 'prod' })).toBe(fault.targetDown ? 0 : 1);
      expect(valueOf(m, 'dbs_exporter_target_up', { account: 'staging' })).toBe(1);
      for (const id of prodPlans) expect(valueOf(m, 'dbs_exporter_plan_poll_success', { account: 'prod', backup_plan_id: id })).toBe(0);
      for (const id of stagingPlans) {
        expect(valueOf(m, 'dbs_exporter_plan_poll_success', { account: 'staging', backup_plan_id: id })).toBe(1);
        expect(valueOf(m, 'dbs_exporter_plan_last_poll_success_timestamp_seconds', { account: 'staging', backup_plan_id: id })).toBe(ctx.clock.now() / 1000);
      }
      expect(planIds(m, 'prod')).toEqual(prodPlans);
      expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', probe)).toBe(lastGood);
      const scope = fault.targetDown ? 'discovery' : 'plan';
      expect(valueOf(m, 'dbs_exporter_poll_errors_total', { account: 'prod', scope, code: fault.code })).toBeGreaterThan(0);
      expect(find(m, 'dbs_exporter_poll_errors_total', { account: 'staging' }).every((s) => s.value === 0)).toBe(true);

      // Past the staleness limit: what DBS said stays (timestamps, status, info), the
      // point-in-time gauges drop, the poll-failure series stay.
      ctx.clock.advance(5 * MIN);
      await exporter.runCycle();
      m = parseExposition(await exporter.metrics.render());
      assertSane(m);
      expect(planIds(m, 'prod')).toEqual(prodPlans);
      for (const id of prodPlans) expect(find(m, 'dbs_backup_plan_status', { account: 'prod', backup_plan_id: id }).reduce((sum, s) => sum + s.value, 0)).toBe(1);
      expect(valueOf(m, 'dbs_backup_last_success_timestamp_seconds', probe)).toBe(lastGood);
      expect(valueOf(m, 'dbs_backup_lag_seconds', probe)).toBeCloseTo(ctx.clock.now() / 1000 - lastGood, 3);
      for (const name of POINT_IN_TIME_FAMILIES) expect(find(m, name, { account: 'prod' }), name).toEqual([]);
      expect(find(m, 'dbs_backup_jobs', { account: 'staging' }).length).toBeGreaterThan(0);
      expect(planIds(m, 'prod', 'dbs_exporter_plan_poll_success')).toEqual(prodPlans);
      expect(planIds(m, 'staging')).toEqual(stagingPlans);

      // Recovery: the next cycle brings everything back.
      fault.clear(ctx);
      ctx.clock.advance(MIN);
      await exporter.runCycle();
      m = parseExposition(await exporter.metrics.render());
      assertSane(m);
      expect(valueOf(m, 'dbs_exporter_target_up', { account: 'prod' })).toBe(1);
      expect(planIds(m, 'prod')).toEqual(prodPlans);
      for (const id of prodPlans) expect(valueOf(m, 'dbs_exporter_plan_poll_success', { account: 'prod', backup_plan_id: id })).toBe(1);
      expect(unhandled).toBe(0);
    } finally {
      await close();
    }
  });

  it('the clock moving backwards never produces a negative lag or a crash', async () => {
    const { ctx, exporter, close } = await setup();
    try {
      await exporter.runCycle();
      ctx.clock.advance(10 * MIN);
      await exporter.runCycle();
      ctx.clock.set(T0 - 3 * 60 * MIN); // NTP step back by three hours and ten minutes
      await exporter.runCycle();
      const m = parseExposition(await exporter.metrics.render());
      assertSane(m);
      expect(find(m, 'dbs_backup_lag_seconds').length).toBeGreaterThan(5);
      ctx.clock.set(T0 + 20 * MIN);
      await exporter.runCycle();
      const after = parseExposition(await exporter.metrics.render());
      assertSane(after);
      expect(find(after, 'dbs_exporter_plan_poll_success').every((s) => s.value === 1)).toBe(true);
      expect(unhandled).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('bursty throttling', () => {
  it('is absorbed by retries and the throttle pause: every plan polled, each throttle counted', async () => {
    const { ctx, exporter, close } = await setup();
    try {
      await exporter.runCycle();
      ctx.prod.faults.set({ kind: 'throttle', times: 3, action: 'DescribeFullBackupList' });
      ctx.clock.advance(MIN);
      await exporter.runCycle();
      const m = parseExposition(await exporter.metrics.render());
      assertSane(m);
      expect(find(m, 'dbs_exporter_plan_poll_success').every((s) => s.value === 1)).toBe(true);
      const throttled = find(m, 'dbs_exporter_api_requests_total', { account: 'prod', code: 'throttled' }).reduce((a, s) => a + s.value, 0);
      expect(throttled).toBe(3);
      expect(valueOf(m, 'dbs_exporter_api_retries_total', { account: 'prod', action: 'DescribeFullBackupList', code: 'throttled' })).toBe(3);
    } finally {
      await close();
    }
  });
});
