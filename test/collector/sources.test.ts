import { describe, expect, it } from 'vitest';
import type { DbsApi } from '../../src/dbs/api.js';
import { DBS_ACTIONS, RESPONSE_SCHEMAS, backupPlanDetailSchema, type BackupPlanDetail, type DbsAction } from '../../src/dbs/schemas.js';
import { lookbackFor, pollPlan } from '../../src/collector/poll.js';
import { JOB_SOURCES, PLAN_LIST_SOURCE, sourcesByName } from '../../src/collector/sources/index.js';

const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 10, 10, 12, 0, 0);
const settings = { lookbackMs: 72 * H, overlapMs: 2 * H };
const detail: BackupPlanDetail = backupPlanDetailSchema.parse({ BackupPlanId: 'dbs-1', BackupPlanStatus: 'running', BackupPeriod: 'Monday,Thursday' });

/** A DBS that records each call and answers one page: one finished full and one finished incremental set. */
function recordingApi(): { api: DbsApi; calls: Array<{ action: DbsAction; params: Record<string, unknown> }> } {
  const calls: Array<{ action: DbsAction; params: Record<string, unknown> }> = [];
  const api = {
    async call(action: DbsAction, params: object) {
      calls.push({ action, params: { ...params } });
      const set = { BackupSetId: `${action}-1`, StartTime: NOW - 5 * H, EndTime: NOW - 4 * H, BackupSize: 10 };
      const items = [{ ...set, BackupStatus: action === 'DescribeFullBackupList' ? 'finish' : 'COMPLETED' }];
      return { Success: true, PageNum: 0, PageSize: 100, TotalElements: 1, Items: items } as never;
    },
  } as DbsApi;
  return { api, calls };
}

describe('sources registry', () => {
  it('registers one source per DBS action, by name; the listings name their action’s response schema', () => {
    const sources = sourcesByName({
      restore_ranges: { intervalMs: 15 * 60_000, fallbackWindowMs: 7 * DAY },
      restore_tasks: { intervalMs: 5 * 60_000, lookbackMs: 35 * DAY, overlapMs: 10 * 60_000, drillPattern: /drill/i },
      billing: { intervalMs: 3_600_000 },
      job_errors: { maxPerCycle: 20, language: 'en' },
    });
    expect([...sources.keys()]).toEqual(['backup_plans', 'gateways', 'full_backups', 'incremental_backups', 'restore_ranges', 'restore_tasks', 'billing', 'job_errors']);
    expect([...sources.values()].map((source) => source.action).sort()).toEqual([...DBS_ACTIONS].sort());
    for (const source of [PLAN_LIST_SOURCE, ...JOB_SOURCES]) expect(source.responseSchema).toBe(RESPONSE_SCHEMAS[source.action]);
    expect(JOB_SOURCES.map((source) => source.backupType)).toEqual(['full', 'incremental']);
    expect([...sourcesByName().keys()]).toEqual(['backup_plans', 'gateways', 'full_backups', 'incremental_backups']);
    expect(PLAN_LIST_SOURCE.name).toBe('backup_plans');
  });

  it('fulls look back at least two full intervals plus a day; incrementals the configured lookback', () => {
    expect(lookbackFor('incremental', 4 * 86_400, settings)).toBe(72 * H);
    expect(lookbackFor('full', 4 * 86_400, settings)).toBe(9 * DAY);
    expect(lookbackFor('full', undefined, settings)).toBe(15 * DAY);
    expect(lookbackFor('full', 3_600, settings)).toBe(72 * H);
  });
});

describe('pollPlan over the registered sources', () => {
  it('asks each per-plan source once per poll: from the lookback first, then from the watermark minus the overlap', async () => {
    const { api, calls } = recordingApi();
    const first = await pollPlan(api, { account: 'a', region: 'r' }, detail, undefined, settings, NOW);
    expect(calls).toEqual([
      { action: 'DescribeFullBackupList', params: { BackupPlanId: 'dbs-1', StartTimestamp: NOW - 9 * DAY, ShowStorageType: true, PageNum: 0, PageSize: 100 } },
      { action: 'DescribeIncrementBackupList', params: { BackupPlanId: 'dbs-1', StartTimestamp: NOW - 72 * H, ShowStorageType: true, PageNum: 0, PageSize: 100 } },
    ]);
    expect(first.state.byType.full?.summaryAt(NOW).lastSuccess?.endMs).toBe(NOW - 4 * H);
    expect(first.state.byType.incremental?.summaryAt(NOW).lastSuccess?.endMs).toBe(NOW - 4 * H);

    calls.length = 0;
    const later = NOW + H;
    const second = await pollPlan(api, { account: 'a', region: 'r' }, detail, first.state, settings, later);
    expect(calls.map((call) => [call.action, call.params.StartTimestamp])).toEqual([
      ['DescribeFullBackupList', NOW - 5 * H - 2 * H],
      ['DescribeIncrementBackupList', NOW - 5 * H - 2 * H],
    ]);
    expect(second.state.byType.full?.summaryAt(later).succeededTotal).toBe(0);
    expect(second.state.info).toBe(first.state.info);
  });
});
