import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIAL, ManualClock, runSimulatorMain, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { httpRequest, rawCall } from './helpers.js';

describe('admin API', () => {
  let sim: Simulator;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 5, 20));

  beforeAll(async () => {
    sim = await startSimulator({ clock, adminApi: true });
  });
  afterAll(() => sim.close());

  it('advances the clock', async () => {
    const res = await httpRequest(`${sim.url}/_sim/advance?ms=3600000`);
    expect(res.json()).toEqual({ now: Date.UTC(2026, 10, 28, 6, 20) });
    expect(clock.now()).toBe(Date.UTC(2026, 10, 28, 6, 20));
  });

  it('sets and clears faults from JSON, validating them', async () => {
    const set = await httpRequest(`${sim.url}/_sim/faults`, { body: JSON.stringify({ kind: 'http', status: 503, action: 'DescribeBackupPlanList' }) });
    expect(set.status).toBe(201);
    expect((await rawCall(sim, 'DescribeBackupPlanList')).status).toBe(503);
    const bad = await httpRequest(`${sim.url}/_sim/faults`, { body: JSON.stringify({ kind: 'http', status: 418 }) });
    expect(bad.status).toBe(400);
    await httpRequest(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    expect((await rawCall(sim, 'DescribeBackupPlanList')).status).toBe(200);
  });

  it('changes plan status, removes plans and reports request counters', async () => {
    const [first, second] = sim.fleet.listPlans();
    const status = await httpRequest(`${sim.url}/_sim/plans/${first!.id}/status?status=pause`);
    expect(status.status).toBe(200);
    expect(sim.fleet.getPlan(first!.id)!.status).toBe('pause');
    expect((await httpRequest(`${sim.url}/_sim/plans/${second!.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(sim.fleet.getPlan(second!.id)).toBeUndefined();
    expect((await httpRequest(`${sim.url}/_sim/plans/nope`, { method: 'DELETE' })).status).toBe(404);
    const counters = (await httpRequest(`${sim.url}/_sim/requests`, { method: 'GET' })).json();
    expect(counters).toEqual({ total: sim.requests.count(), byAction: sim.requests.counts() });
    expect(counters.byAction.DescribeBackupPlanList).toBeGreaterThanOrEqual(2);
  });

  it('is not served unless enabled', async () => {
    const plain = await startSimulator();
    try {
      const res = await httpRequest(`${plain.url}/_sim/advance?ms=1`);
      expect(res.json().Code).toBe('MissingAuthorization');
    } finally {
      await plain.close();
    }
  });
});

describe('runSimulatorMain', () => {
  it('starts, logs where it listens and the access key id, never the secret', async () => {
    const lines: string[] = [];
    const sim = await runSimulatorMain({ port: 0, plans: 20, seed: 3, log: (line) => lines.push(line) });
    try {
      const output = lines.join('\n');
      expect(output).toContain(sim.url);
      expect(output).toContain(DEMO_CREDENTIAL.accessKeyId);
      expect(output).not.toContain(DEMO_CREDENTIAL.accessKeySecret);
      expect(sim.fleet.size).toBe(20);
      const before = sim.clock.now();
      await httpRequest(`${sim.url}/_sim/advance?ms=${3_600_000}`);
      expect(sim.clock.now() - before).toBeGreaterThanOrEqual(3_600_000);
    } finally {
      await sim.close();
    }
  });
});
