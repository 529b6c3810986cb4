/**
 * At 5,000 plans the per-second lag part is ~10,000 lines: rendering it must not hold the event
 * loop in one piece (the target: no scrape blocks it for more than 50 ms), and the
 * sliced rendering must still give every line its exact value.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/collector/snapshot.js';
import { mergeJobs, summarise } from '../../src/collector/state.js';
import { Exposition } from '../../src/metrics/index.js';
import { parseExposition } from '../support/exposition.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const PLANS = 5_000;

function fleetSnapshot(nowMs: number): Snapshot {
  const plans = Array.from({ length: PLANS }, (_, i) => {
    const planId = `dbs${String(i).padStart(8, '0')}`;
    // Plan i last succeeded i seconds (full) and i + 0.5 seconds (incremental) before T0.
    const state = (endMs: number) =>
      summarise(mergeJobs(undefined, [{ id: `${planId}-b`, rawStatus: 'finish', state: 'succeeded', startMs: endMs - 60_000, endMs, sizeBytes: 1, storageClass: 'standard' }], { nowMs, fetchStartMs: 0, windowStartMs: 0 }), nowMs);
    return {
      account: 'prod',
      region: 'cn-hangzhou',
      planId,
      info: { planId, name: '', status: 'running', backupMethod: '', databaseType: '', instanceType: '', instanceId: '' },
      pollOk: true,
      lastPollSuccessMs: nowMs,
      listed: true,
      fresh: true,
      types: { full: state(T0 - i * 1000), incremental: state(T0 - i * 1000 - 500) },
      views: {},
    };
  });
  return { completedAtMs: nowMs, cycle: 1, plans, targets: [{ account: 'prod', region: 'cn-hangzhou', up: true, plans: PLANS, excluded: [] }] };
}

describe('per-second lag rendering at 5,000 plans', () => {
  it('yields to the event loop while it renders 10,000 lag lines, and every line is exact', async () => {
    let now = T0;
    const snapshot = fleetSnapshot(T0);
    const exposition = new Exposition({ snapshot: () => snapshot, now: () => now }, new Registry());
    await exposition.body('text', false); // the per-cycle part, rendered once
    now = T0 + 7_000; // a new second: only the lag part renders again
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const text = Buffer.concat(await exposition.body('text', false)).toString();
    ticking = false;
    expect(ticks).toBeGreaterThanOrEqual(2);
    const lags = parseExposition(text).filter((s) => s.name === 'dbs_backup_lag_seconds');
    expect(lags).toHaveLength(2 * PLANS);
    for (const sample of lags) {
      const i = Number(sample.labels.backup_plan_id!.slice(3));
      expect(sample.value).toBe(sample.labels.backup_type === 'full' ? 7 + i : 7.5 + i);
    }
  });
});
