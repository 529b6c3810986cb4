import { describe, expect, it } from 'vitest';
import { type RestorableRange, restoreWindowFor, summariseRanges } from '../../src/collector/sources/restore-ranges.js';
import { mergeRestoreTasks, nextRestoreFetchStartMs, normaliseRestoreState, observeRestoreTask } from '../../src/collector/sources/restore-tasks.js';
import { restoreTaskDetailSchema } from '../../src/dbs/schemas.js';

const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const window = { beginMs: NOW - 7 * DAY, endMs: NOW };
const range = (type: RestorableRange['type'], beginMs: number, endMs: number): RestorableRange => ({ type, beginMs, endMs });

describe('restorable ranges: gaps and the recovery point', () => {
  it('one continuous range: no gap, the recovery point is its end', () => {
    const r = summariseRanges([range('range', NOW - 6 * DAY, NOW - 10 * 60_000)], window);
    expect(r).toMatchObject({ gaps: 0, gapMs: 0, continuousRanges: 1, pointRanges: 0, recoveryPointMs: NOW - 10 * 60_000, latestPointMs: NOW - 10 * 60_000 });
    expect(r.largestGap).toBeUndefined();
    expect(r.newestGap).toBeUndefined();
  });

  it('a log-backup outage splits the continuous range: the hole is a gap with its length and end', () => {
    const listed = [range('range', NOW - 2 * DAY, NOW - 5 * 60_000), range('range', NOW - 6 * DAY, NOW - 3 * DAY), range('range', NOW - 3 * DAY + 2 * H, NOW - 2 * DAY - 6 * H)];
    const r = summariseRanges(listed, window);
    expect(r.gaps).toBe(2);
    expect(r.gapMs).toBe(2 * H + 6 * H);
    expect(r.largestGap).toEqual({ startMs: NOW - 2 * DAY - 6 * H, endMs: NOW - 2 * DAY });
    expect(r.newestGap).toEqual({ startMs: NOW - 2 * DAY - 6 * H, endMs: NOW - 2 * DAY });
    expect(r.recoveryPointMs).toBe(NOW - 5 * 60_000);
    expect(r.ranges.map((x) => x.beginMs)).toEqual([NOW - 6 * DAY, NOW - 3 * DAY + 2 * H, NOW - 2 * DAY]);
  });

  it('overlapping continuous ranges are merged, not a negative gap', () => {
    const r = summariseRanges([range('range', NOW - 5 * DAY, NOW - 2 * DAY), range('range', NOW - 3 * DAY, NOW - H)], window);
    expect(r).toMatchObject({ gaps: 0, gapMs: 0, recoveryPointMs: NOW - H });
  });

  it('point ranges (log backup off) are separate by nature: no gap, no recovery point, but a latest point', () => {
    const r = summariseRanges([range('point', NOW - 2 * DAY, NOW - 2 * DAY), range('point', NOW - DAY, NOW - DAY)], window);
    expect(r).toMatchObject({ gaps: 0, pointRanges: 2, continuousRanges: 0, latestPointMs: NOW - DAY });
    expect(r.recoveryPointMs).toBeUndefined();
  });

  it("the window is the plan's retention, or the fallback when DBS does not say", () => {
    const info = { planId: 'p', name: '', status: 'running', backupMethod: '', databaseType: '', instanceType: '', instanceId: '' };
    expect(restoreWindowFor({ ...info, retentionDays: 30 }, NOW, { intervalMs: 1, fallbackWindowMs: 7 * DAY })).toEqual({ beginMs: NOW - 30 * DAY, endMs: NOW });
    expect(restoreWindowFor(info, NOW, { intervalMs: 1, fallbackWindowMs: 7 * DAY })).toEqual({ beginMs: NOW - 7 * DAY, endMs: NOW });
  });
});

const drill = /drill/i;
function task(id: string, status: string, createdMs: number, extra: Record<string, unknown> = {}) {
  return observeRestoreTask(restoreTaskDetailSchema.parse({ RestoreTaskId: id, RestoreTaskName: id, RestoreStatus: status, RestoreTaskCreateTime: createdMs, ...extra }), drill);
}
const ctx = (nowMs: number, fetchStartMs: number) => ({ nowMs, fetchStartMs, lookbackMs: 35 * DAY });

describe('restore tasks: the pure transition', () => {
  it('maps documented statuses, finish to succeeded and stop to failed; anything else is unknown', () => {
    expect(['init', 'check_pass', 'pause', 'running', 'finish', 'stop', 'Finish', 'exploded'].map(normaliseRestoreState)).toEqual([
      'pending', 'pending', 'pending', 'running', 'succeeded', 'failed', 'succeeded', 'unknown',
    ]);
  });

  it('the first read is a baseline: outcomes are known, counters do not jump', () => {
    const state = mergeRestoreTasks(
      undefined,
      [
        task('restore-a', 'finish', NOW - 3 * DAY, { RestoreTaskFinishTime: NOW - 3 * DAY + H, RestoreTime: NOW - 3 * DAY - H }),
        task('drill-weekly-1', 'finish', NOW - 2 * DAY, { RestoreTaskFinishTime: NOW - 2 * DAY + 40 * 60_000, RestoreTime: NOW - 2 * DAY - H }),
        task('restore-b', 'stop', NOW - DAY, { RestoreTaskFinishTime: NOW - DAY + 5 * 60_000, ErrMessage: 'disk full' }),
      ],
      ctx(NOW, NOW - 35 * DAY),
    );
    expect(state.succeededTotal).toBe(0);
    expect(state.failedTotal).toBe(0);
    expect(state.lastSuccess).toMatchObject({ taskId: 'drill-weekly-1', atMs: NOW - 2 * DAY + 40 * 60_000, durationMs: 40 * 60_000 });
    expect(state.drillLastSuccess).toMatchObject({ taskId: 'drill-weekly-1', restorePointMs: NOW - 2 * DAY - H });
    expect(state.lastFailure).toMatchObject({ taskId: 'restore-b', atMs: NOW - DAY + 5 * 60_000 });
    expect(state.drillLastFailure).toBeUndefined();
    expect(state.byState).toEqual({ pending: 0, running: 0, succeeded: 2, failed: 1, unknown: 0 });
    expect(state.watermarkMs).toBe(NOW - DAY);
  });

  it('a task that finishes after the baseline is counted once, however often it is listed again', () => {
    const first = mergeRestoreTasks(undefined, [task('drill-2', 'running', NOW - 10 * 60_000)], ctx(NOW, NOW - 35 * DAY));
    expect(first.byState.running).toBe(1);
    // The next read starts at the running task (less the overlap), not at the watermark.
    expect(nextRestoreFetchStartMs(first, NOW + 5 * 60_000, { lookbackMs: 35 * DAY, overlapMs: 10 * 60_000 })).toBe(NOW - 20 * 60_000);
    const done = task('drill-2', 'finish', NOW - 10 * 60_000, { RestoreTaskFinishTime: NOW + 30 * 60_000 });
    const second = mergeRestoreTasks(first, [done], ctx(NOW + 35 * 60_000, NOW - 20 * 60_000));
    const third = mergeRestoreTasks(second, [done], ctx(NOW + 40 * 60_000, NOW - 20 * 60_000));
    expect(second.succeededTotal).toBe(1);
    expect(third.succeededTotal).toBe(1);
    expect(third.drillLastSuccess?.durationMs).toBe(40 * 60_000);
    // Nothing changed on the third read: the same object, so its view is reused.
    expect(third).toBe(second);
  });

  it('a failure after the baseline counts as failed; a later success becomes the newest outcome', () => {
    const base = mergeRestoreTasks(undefined, [], ctx(NOW, NOW - 35 * DAY));
    const failed = mergeRestoreTasks(base, [task('r1', 'stop', NOW + H, { RestoreTaskFinishTime: NOW + 2 * H })], ctx(NOW + 3 * H, NOW - 35 * DAY));
    expect(failed.failedTotal).toBe(1);
    expect(failed.lastFailure?.atMs).toBe(NOW + 2 * H);
    const ok = mergeRestoreTasks(failed, [task('r2', 'finish', NOW + 4 * H, { RestoreTaskFinishTime: NOW + 5 * H })], ctx(NOW + 6 * H, NOW + 2 * H - 10 * 60_000));
    expect(ok.lastSuccess?.atMs).toBe(NOW + 5 * H);
    expect(ok.lastFailure?.atMs).toBe(NOW + 2 * H);
    // r1 was created before this read's start: kept, not forgotten, while inside the window.
    expect(ok.byState).toMatchObject({ succeeded: 1, failed: 1 });
  });

  it('finished tasks older than the window leave the counts; the newest outcomes stay', () => {
    const old = mergeRestoreTasks(undefined, [task('r-old', 'finish', NOW - 34 * DAY, { RestoreTaskFinishTime: NOW - 34 * DAY + H })], ctx(NOW, NOW - 35 * DAY));
    const later = mergeRestoreTasks(old, [], ctx(NOW + 2 * DAY, NOW + DAY));
    expect(later.byState.succeeded).toBe(0);
    expect(later.lastSuccess?.taskId).toBe('r-old');
  });
});
