import { describe, expect, it } from 'vitest';
import type { DbsApi } from '../../src/dbs/api.js';
import { DbsApiError } from '../../src/dbs/errors.js';
import { backupPlanDetailSchema, describeIncrementBackupListResponseSchema, type DbsAction } from '../../src/dbs/schemas.js';
import { pollPlan } from '../../src/collector/poll.js';
import { defineJobSource, isDue } from '../../src/collector/sources/index.js';
import { fullBackups } from '../../src/collector/sources/full-backups.js';
import type { PlanState } from '../../src/collector/state.js';
import { observeIncrementBackup, mergeJobs, nextFetchStartMs } from '../../src/collector/state.js';

const MIN = 60_000;
const START = Date.UTC(2026, 10, 10, 12, 0, 0);
const settings = { lookbackMs: 72 * 60 * MIN, overlapMs: 2 * 60 * MIN };
const detail = backupPlanDetailSchema.parse({ BackupPlanId: 'dbs-1', BackupPlanStatus: 'running' });
const target = { account: 'a', region: 'r' };

/** Test-only: the incremental listing, asked at most once per five minutes. */
const everyFiveMinutes = defineJobSource({
  name: 'incremental_every_5m',
  action: 'DescribeIncrementBackupList',
  responseSchema: describeIncrementBackupListResponseSchema,
  schedule: { intervalMs: 5 * MIN },
  backupType: 'incremental',
  request: (planId, startMs) => ({ BackupPlanId: planId, StartTimestamp: startMs }),
  observe: observeIncrementBackup,
  lookbackMs: (_info, s) => s.lookbackMs,
  fetchStartMs: nextFetchStartMs,
  transition: mergeJobs,
});

/** A DBS that counts calls per action and fails the actions in `failing`. */
function countingApi(failing: Set<DbsAction>) {
  const calls: DbsAction[] = [];
  const api = {
    async call(action: DbsAction) {
      calls.push(action);
      if (failing.has(action)) throw new DbsApiError('server', 'InternalError', 'boom', { action });
      return { Success: true, PageNum: 0, PageSize: 100, TotalElements: 0, Items: [] } as never;
    },
  } as unknown as DbsApi;
  return { api, calls };
}

describe('a source with its own interval', () => {
  it('isDue: every cycle always; an interval once lastRun + interval ≤ now', () => {
    expect(isDue({ every: 'cycle' }, START, START)).toBe(true);
    expect(isDue({ intervalMs: 5 * MIN }, undefined, START)).toBe(true);
    expect(isDue({ intervalMs: 5 * MIN }, START, START + 5 * MIN - 1)).toBe(false);
    expect(isDue({ intervalMs: 5 * MIN }, START, START + 5 * MIN)).toBe(true);
  });

  it('runs once per interval, not per cycle, beside an every-cycle source; its state is kept in between', async () => {
    const { api, calls } = countingApi(new Set());
    let state: PlanState | undefined;
    for (let cycle = 0; cycle < 10; cycle += 1) {
      const before = state;
      state = (await pollPlan(api, target, detail, state, settings, START + cycle * MIN, [fullBackups, everyFiveMinutes])).state;
      if (cycle % 5 !== 0) expect(state.byType.incremental).toBe(before?.byType.incremental);
    }
    expect(calls.filter((a) => a === 'DescribeFullBackupList')).toHaveLength(10);
    expect(calls.filter((a) => a === 'DescribeIncrementBackupList')).toHaveLength(2);
    expect(state?.sourceRunMs).toEqual({ full_backups: START + 9 * MIN, incremental_every_5m: START + 5 * MIN });
  });

  it('a failed run is retried the next cycle, not a whole interval later', async () => {
    const failing = new Set<DbsAction>();
    const { api, calls } = countingApi(failing);
    const sources = [everyFiveMinutes];
    let state = (await pollPlan(api, target, detail, undefined, settings, START, sources)).state;
    calls.length = 0;
    failing.add('DescribeIncrementBackupList');
    // Due at +5 min: fails, and the collector keeps the previous state (so the last successful run).
    await expect(pollPlan(api, target, detail, state, settings, START + 5 * MIN, sources)).rejects.toThrow('boom');
    failing.clear();
    state = (await pollPlan(api, target, detail, state, settings, START + 6 * MIN, sources)).state;
    expect(calls).toEqual(['DescribeIncrementBackupList', 'DescribeIncrementBackupList']);
    expect(state.sourceRunMs?.incremental_every_5m).toBe(START + 6 * MIN);
  });
});
