/** Scale-out by shards: every plan is polled by exactly one replica. */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Collector } from '../../src/collector/collector.js';
import { fnv1a32, inShard, shardOf } from '../../src/collector/shard.js';
import { createCredential, createDbsClient } from '../../src/dbs/index.js';
import { DEMO_CREDENTIAL, startSimulator, type Simulator } from '../../src/simulator/index.js';

describe('shard assignment', () => {
  it('uses a stable hash (FNV-1a 32-bit reference values)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it.each([1, 2, 3, 7])('splits 15,000 plans of 3 accounts into %i shards with no overlap and no gap', (total) => {
    const counts = new Array<number>(total).fill(0);
    for (const account of ['prod', 'staging', 'dr']) {
      for (let i = 0; i < 5000; i++) {
        const id = `dbs${i.toString(36).padStart(8, '0')}`;
        const owners = Array.from({ length: total }, (_, index) => index).filter((index) => inShard({ index, total }, account, id));
        expect(owners).toHaveLength(1);
        expect(owners[0]).toBe(shardOf(account, id, total));
        counts[owners[0]!]! += 1;
      }
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(15_000);
    // Balanced within 10% of the fair share.
    for (const c of counts) expect(Math.abs(c - 15_000 / total)).toBeLessThan((15_000 / total) * 0.1);
  });
});

describe('sharded collectors against the simulator', () => {
  let sim: Simulator;
  afterAll(async () => {
    await sim?.close();
  });

  it('three replicas poll disjoint sets of plans whose union is the whole fleet', async () => {
    sim = await startSimulator({ scenario: { plans: 60, historyDays: 1 } });
    const api = createDbsClient({
      endpoint: sim.endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credential: createCredential({ type: 'access_key', accessKeyId: DEMO_CREDENTIAL.accessKeyId, accessKeySecret: DEMO_CREDENTIAL.accessKeySecret }),
    });
    const polled: string[][] = [];
    for (let index = 0; index < 3; index++) {
      sim.requests.clear();
      const collector = new Collector(
        [{ account: 'prod', region: 'cn-hangzhou', api, selection: { mode: 'discover' }, planConcurrency: 8 }],
        { lookbackMs: 3_600_000, overlapMs: 600_000, maxStalenessMs: 900_000, shard: { index, total: 3 } },
        { now: Date.now, logger: pino({ level: 'silent' }) },
      );
      const { snapshot } = await collector.runCycle();
      const ids = snapshot.plans.map((p) => p.planId);
      polled.push(ids);
      // Each replica asks DBS only about its own plans.
      const asked = new Set(sim.requests.entries((e) => e.action === 'DescribeFullBackupList').map((e) => e.params.BackupPlanId));
      expect([...asked].sort()).toEqual([...ids].sort());
    }
    const all = sim.fleet.listPlans().map((p) => p.id).sort();
    expect(polled.flat().sort()).toEqual(all);
    expect(new Set(polled.flat()).size).toBe(all.length);
    for (const ids of polled) expect(ids.length).toBeGreaterThan(5);
  });
});
