import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector, ManualClock, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { rawCall, realClient } from './helpers.js';

describe('fault injection over HTTP', () => {
  let sim: Simulator;
  let planId: string;

  beforeAll(async () => {
    sim = await startSimulator({ clock: new ManualClock(Date.UTC(2026, 10, 28, 5, 20)) });
    planId = sim.fleet.listPlans()[0]!.id;
  });
  afterEach(() => sim.faults.clear());
  afterAll(() => sim.close());

  const codeOf = async (action = 'DescribeBackupPlanList', params: Record<string, string> = {}) => {
    const res = await rawCall(sim, action, params);
    return [res.status, res.json().Code ?? res.json().ErrCode ?? 'OK'];
  };

  it('throttles above a QPS with 400 Throttling.User', async () => {
    sim.faults.set({ kind: 'throttle', qps: 2 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await codeOf());
    expect(results).toEqual([[200, 'OK'], [200, 'OK'], [400, 'Throttling.User'], [400, 'Throttling.User'], [400, 'Throttling.User']]);
  });

  it('always throttles without a QPS, and stops after `times`', async () => {
    sim.faults.set({ kind: 'throttle', times: 2 });
    expect([await codeOf(), await codeOf(), await codeOf()]).toEqual([[400, 'Throttling.User'], [400, 'Throttling.User'], [200, 'OK']]);
    expect(sim.faults.list()).toEqual([]);
  });

  it('answers forbidden, 500 and 503', async () => {
    sim.faults.set({ kind: 'forbidden', times: 1 });
    sim.faults.set({ kind: 'http', status: 500, times: 1 });
    sim.faults.set({ kind: 'http', status: 503, times: 1 });
    expect([await codeOf(), await codeOf(), await codeOf(), await codeOf()]).toEqual([
      [403, 'Request.Forbidden'],
      [500, 'InternalError'],
      [503, 'ServiceUnavailable'],
      [200, 'OK'],
    ]);
  });

  it('applies a rule to one action only', async () => {
    sim.faults.set({ kind: 'forbidden', action: 'DescribeFullBackupList' });
    expect(await codeOf('DescribeBackupPlanList')).toEqual([200, 'OK']);
    expect(await codeOf('DescribeFullBackupList', { BackupPlanId: planId })).toEqual([403, 'Request.Forbidden']);
  });

  it('delays responses, and a delay past the client timeout fails the client call', async () => {
    sim.faults.set({ kind: 'latency', ms: 300, times: 1 });
    const started = Date.now();
    expect(await codeOf()).toEqual([200, 'OK']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);

    sim.faults.set({ kind: 'latency', ms: [2000, 3000], times: 1 });
    const call = realClient(sim, { readTimeout: 200 });
    await expect(call('DescribeBackupPlanList')).rejects.toThrow(/timeout/i);
  });

  it('sends a non-JSON body with malformed', async () => {
    sim.faults.set({ kind: 'malformed', times: 1 });
    const res = await rawCall(sim, 'DescribeBackupPlanList');
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('drops the connection mid-body with reset', async () => {
    sim.faults.set({ kind: 'reset', times: 1 });
    await expect(rawCall(sim, 'DescribeBackupPlanList')).rejects.toThrow();
    expect(await codeOf()).toEqual([200, 'OK']);
  });

  it('answers HTTP 200 with Success:false', async () => {
    sim.faults.set({ kind: 'successFalse', errCode: 'Backup.Busy', errMessage: 'try later', times: 1 });
    const body = (await rawCall(sim, 'DescribeFullBackupList', { BackupPlanId: planId })).json();
    expect(body).toMatchObject({ Success: false, ErrCode: 'Backup.Busy', ErrMessage: 'try later' });
    expect(body.RequestId).toBeTypeOf('string');
  });

  it('repeats the first page forever with repeatPage', async () => {
    sim.faults.set({ kind: 'repeatPage', action: 'DescribeIncrementBackupList' });
    const page0 = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: planId })).json();
    const page7 = (await rawCall(sim, 'DescribeIncrementBackupList', { BackupPlanId: planId, PageNum: '7' })).json();
    expect(page7.PageNum).toBe(7);
    expect(page7.TotalElements).toBe(1_000_000);
    expect(page7.TotalPages).toBe(Math.ceil(1_000_000 / 30));
    expect(page7.Items).toEqual(page0.Items);
  });

  it('lets a test rewrite the body with fuzz', async () => {
    sim.faults.set({
      kind: 'fuzz',
      times: 1,
      mutate: (body) => ({ ...body, TotalElements: 'not-a-number', Items: { BackupPlanDetail: [{ BackupPlanId: '' }] } }),
    });
    const body = (await rawCall(sim, 'DescribeBackupPlanList')).json();
    expect(body.TotalElements).toBe('not-a-number');
    expect(body.Items.BackupPlanDetail).toEqual([{ BackupPlanId: '' }]);
  });

  it('logs faulted requests with their codes', async () => {
    sim.requests.clear();
    sim.faults.set({ kind: 'http', status: 503, times: 1 });
    await codeOf();
    await codeOf();
    expect(sim.requests.entries().map((e) => [e.status, e.code])).toEqual([[503, 'ServiceUnavailable'], [200, undefined]]);
  });
});

describe('FaultInjector', () => {
  it('fires by probability, deterministically for a seed', () => {
    const fired = (seed: number) => {
      const faults = new FaultInjector(seed);
      faults.set({ kind: 'forbidden', probability: 0.25 });
      return Array.from({ length: 400 }, () => faults.decide('DescribeBackupPlanList', 0).reject !== undefined);
    };
    const run = fired(5);
    expect(run).toEqual(fired(5));
    const count = run.filter(Boolean).length;
    expect(count).toBeGreaterThan(60);
    expect(count).toBeLessThan(140);
  });

  it('adds latency rules and lets the first other rule decide', () => {
    const faults = new FaultInjector();
    faults.set({ kind: 'latency', ms: 100 });
    faults.set({ kind: 'latency', ms: 50 });
    faults.set({ kind: 'throttle', qps: 100 });
    faults.set({ kind: 'http', status: 503 });
    faults.set({ kind: 'forbidden' });
    const decision = faults.decide('DescribeFullBackupList', 0);
    expect(decision.latencyMs).toBe(150);
    expect(decision.reject?.code).toBe('ServiceUnavailable');
  });

  it('counts throttle arrivals over the last real second only', () => {
    const faults = new FaultInjector();
    faults.set({ kind: 'throttle', qps: 1 });
    expect(faults.decide('DescribeBackupPlanList', 0).reject).toBeUndefined();
    expect(faults.decide('DescribeBackupPlanList', 500).reject?.code).toBe('Throttling.User');
    expect(faults.decide('DescribeBackupPlanList', 1600).reject).toBeUndefined();
  });
});
