import { describe, expect, it } from 'vitest';
import { type ObservedJob, mergeJobs, nextFetchStartMs, summarise, summariseUntil } from '../../src/collector/state.js';
import { fullBackupIntervalSeconds } from '../../src/collector/status.js';
import { normaliseJobState } from '../../src/collector/state.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);

function job(id: string, state: ObservedJob['state'], startMs: number, extra: Partial<ObservedJob> = {}): ObservedJob {
  return { id, rawStatus: state, state, startMs, sizeBytes: 0, storageClass: 'standard', ...extra };
}
const ctx = (nowMs: number, fetchStartMs = 0, windowStartMs = 0) => ({ nowMs, fetchStartMs, windowStartMs });

describe('job state normalisation', () => {
  it('maps documented statuses and keeps unknown ones as unknown', () => {
    expect(normaliseJobState('incremental', 'INIT')).toBe('pending');
    expect(normaliseJobState('incremental', 'FILLING')).toBe('running');
    expect(normaliseJobState('incremental', 'COMPLETED')).toBe('succeeded');
    expect(normaliseJobState('incremental', 'UNCOMPLETED')).toBe('failed');
    expect(normaliseJobState('full', 'schedule')).toBe('pending');
    expect(normaliseJobState('full', 'running')).toBe('running');
    expect(normaliseJobState('full', 'finish')).toBe('succeeded');
    expect(normaliseJobState('full', 'failed')).toBe('failed');
    expect(normaliseJobState('full', 'teleporting')).toBe('unknown');
    expect(normaliseJobState('incremental', 'finish')).toBe('unknown');
  });
});

describe('full backup interval from BackupPeriod', () => {
  it('is the longest gap between scheduled weekdays', () => {
    expect(fullBackupIntervalSeconds('Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday')).toBe(86_400);
    expect(fullBackupIntervalSeconds('Monday,Thursday')).toBe(4 * 86_400);
    expect(fullBackupIntervalSeconds('Sunday')).toBe(7 * 86_400);
    expect(fullBackupIntervalSeconds('Friday, Monday')).toBe(4 * 86_400);
    expect(fullBackupIntervalSeconds('')).toBeUndefined();
    expect(fullBackupIntervalSeconds('someday')).toBeUndefined();
  });
});

describe('mergeJobs', () => {
  it('takes the first poll as a baseline: finished jobs are not counted, last success is set', () => {
    const s = mergeJobs(undefined, [job('a', 'succeeded', T0, { endMs: T0 + 60_000, sizeBytes: 100 }), job('b', 'failed', T0 + H, { endMs: T0 + H + 5 })], ctx(T0 + 2 * H));
    expect(s.succeededTotal).toBe(0);
    expect(s.failedTotal).toBe(0);
    expect(s.lastSuccess).toEqual({ endMs: T0 + 60_000, startMs: T0, sizeBytes: 100 });
    expect(s.lastFailureEndMs).toBe(T0 + H + 5);
    expect(s.watermarkMs).toBe(T0 + H);
  });

  it("takes the first poll's StartTimestamp as the history start and keeps it through later polls", () => {
    let s = mergeJobs(undefined, [], ctx(T0, T0 - 24 * H, T0 - 24 * H));
    expect(s.historyStartMs).toBe(T0 - 24 * H);
    s = mergeJobs(s, [job('a', 'succeeded', T0 + 1000, { endMs: T0 + 2000 })], ctx(T0 + H, T0 - 600_000, T0 - 23 * H));
    expect(s.historyStartMs).toBe(T0 - 24 * H);
    s = mergeJobs(s, [job('a', 'succeeded', T0 + 1000, { endMs: T0 + 2000 })], ctx(T0 + 2 * H, T0 + 1000 - 600_000, T0 - 22 * H));
    expect(s.historyStartMs).toBe(T0 - 24 * H);
    expect(summarise(s, T0 + 2 * H).historyStartMs).toBe(T0 - 24 * H);
    expect(s.toJSON().historyStartMs).toBe(T0 - 24 * H);
  });

  it('counts a job reaching a terminal state exactly once across polls', () => {
    let s = mergeJobs(undefined, [], ctx(T0));
    s = mergeJobs(s, [job('a', 'running', T0 + 1000, { sizeBytes: 10 })], ctx(T0 + 2000));
    expect(s.succeededTotal).toBe(0);
    s = mergeJobs(s, [job('a', 'succeeded', T0 + 1000, { sizeBytes: 50, endMs: T0 + 3000 })], ctx(T0 + 4000));
    expect([s.succeededTotal, s.succeededBytesTotal]).toEqual([1, 50]);
    s = mergeJobs(s, [job('a', 'succeeded', T0 + 1000, { sizeBytes: 50, endMs: T0 + 3000 })], ctx(T0 + 5000));
    expect([s.succeededTotal, s.succeededBytesTotal]).toEqual([1, 50]);
    s = mergeJobs(s, [job('f', 'failed', T0 + 6000, { endMs: T0 + 7000 })], ctx(T0 + 8000));
    s = mergeJobs(s, [job('f', 'failed', T0 + 6000, { endMs: T0 + 7000 })], ctx(T0 + 9000));
    expect(s.failedTotal).toBe(1);
  });

  it('tracks progress of a running job: last progress stays put while the size does not grow', () => {
    let s = mergeJobs(undefined, [], ctx(T0));
    s = mergeJobs(s, [job('r', 'running', T0 + 1000, { sizeBytes: 10 })], ctx(T0 + 2000));
    s = mergeJobs(s, [job('r', 'running', T0 + 1000, { sizeBytes: 20 })], ctx(T0 + 3000));
    s = mergeJobs(s, [job('r', 'running', T0 + 1000, { sizeBytes: 20 })], ctx(T0 + 9000));
    const summary = summarise(s, T0 + 9000);
    expect(summary.running).toEqual({ sinceMs: T0 + 1000, lastProgressMs: T0 + 3000, sizeBytes: 20 });
    expect(summary.jobsByState.running).toBe(1);
  });

  it('a stuck job seen for the first time with no size reports its start as last progress', () => {
    const s = mergeJobs(undefined, [job('r', 'running', T0, { sizeBytes: 0 })], ctx(T0 + 5 * H));
    expect(summarise(s, T0 + 5 * H).running?.lastProgressMs).toBe(T0);
  });

  it('drops jobs that vanish from the asked window, keeps older ones, prunes the window', () => {
    let s = mergeJobs(undefined, [job('old', 'succeeded', T0, { endMs: T0 + 1 }), job('mid', 'succeeded', T0 + 2 * H, { endMs: T0 + 2 * H + 1 })], ctx(T0 + 3 * H));
    // Next poll asks from T0+H: 'mid' should have come back but did not (deleted), 'old' was not asked for.
    s = mergeJobs(s, [], ctx(T0 + 4 * H, T0 + H, 0));
    // 'old' is finished and before the asked range: archived (counted, no longer an object).
    expect(s.jobs.size).toBe(0);
    expect(summarise(s, T0 + 4 * H).jobsByState.succeeded).toBe(1);
    expect(summarise(s, T0 + 4 * H).setsByStorage.standard).toBe(1);
    // Window moves past 'old'.
    s = mergeJobs(s, [], ctx(T0 + 5 * H, T0 + 4 * H, T0 + H));
    expect(summarise(s, T0 + 5 * H).jobsByState.succeeded).toBe(0);
    // The last success survives pruning: it is what lag is computed from.
    expect(s.lastSuccess?.endMs).toBe(T0 + 2 * H + 1);
  });

  it('counts unexpired successful sets by storage class', () => {
    const s = mergeJobs(
      undefined,
      [
        job('a', 'succeeded', T0, { storageClass: 'standard', sizeBytes: 5, expiryMs: T0 + 10 * H }),
        job('b', 'succeeded', T0 + 1, { storageClass: 'ia', sizeBytes: 7, expiryMs: T0 + 10 * H }),
        job('c', 'succeeded', T0 + 2, { storageClass: 'archive', sizeBytes: 9 }),
        job('d', 'failed', T0 + 3, { storageClass: 'standard', sizeBytes: 1 }),
      ],
      ctx(T0 + H),
    );
    const summary = summarise(s, T0 + H);
    expect(summary.setsByStorage).toEqual({ standard: 1, ia: 1, archive: 1, unknown: 0 });
    expect(summary.setBytesByStorage).toEqual({ standard: 5, ia: 7, archive: 9, unknown: 0 });
    expect(summary.jobsByState).toEqual({ pending: 0, running: 0, succeeded: 3, failed: 1, unknown: 0 });
  });

  it('next fetch starts at the watermark minus overlap, or earlier for an unfinished job', () => {
    const s = mergeJobs(undefined, [job('run', 'running', T0 + H), job('done', 'succeeded', T0 + 3 * H, { endMs: T0 + 3 * H + 1 })], ctx(T0 + 4 * H));
    expect(nextFetchStartMs(undefined, { nowMs: T0 + 4 * H, lookbackMs: 72 * H, overlapMs: 600_000 })).toBe(T0 + 4 * H - 72 * H);
    expect(nextFetchStartMs(s, { nowMs: T0 + 4 * H, lookbackMs: 72 * H, overlapMs: 600_000 })).toBe(T0 + H);
    const finished = mergeJobs(s, [job('run', 'succeeded', T0 + H, { endMs: T0 + 2 * H }), job('done', 'succeeded', T0 + 3 * H, { endMs: T0 + 3 * H + 1 })], ctx(T0 + 5 * H, T0 + H, 0));
    expect(nextFetchStartMs(finished, { nowMs: T0 + 5 * H, lookbackMs: 72 * H, overlapMs: 600_000 })).toBe(T0 + 3 * H - 600_000);
  });
});

describe('running job summary', () => {
  it('reports the running job that has gone longest without progress, not the newest one', () => {
    let s = mergeJobs(undefined, [], ctx(T0));
    s = mergeJobs(s, [job('stuck', 'running', T0 + 1000, { sizeBytes: 10 })], ctx(T0 + 2000));
    s = mergeJobs(s, [job('stuck', 'running', T0 + 1000, { sizeBytes: 10 }), job('fresh', 'running', T0 + 5000, { sizeBytes: 1 })], ctx(T0 + 6000));
    s = mergeJobs(s, [job('stuck', 'running', T0 + 1000, { sizeBytes: 10 }), job('fresh', 'running', T0 + 5000, { sizeBytes: 9 })], ctx(T0 + 9000));
    expect(summarise(s, T0 + 9000).running).toEqual({ sinceMs: T0 + 1000, lastProgressMs: T0 + 2000, sizeBytes: 10 });
  });

  it('on a first poll (a restarted exporter sees every job for the first time) reports the job that started first', () => {
    // DBS lists newest first: the moving job comes before the stuck one.
    const s = mergeJobs(undefined, [job('moving', 'running', T0 + 5000, { sizeBytes: 9 }), job('stuck', 'running', T0 + 1000, { sizeBytes: 10 })], ctx(T0 + 9000));
    expect(summarise(s, T0 + 9000).running).toEqual({ sinceMs: T0 + 1000, lastProgressMs: T0 + 9000, sizeBytes: 10 });
  });
});

describe('archived jobs', () => {
  it('are counted exactly like tracked ones, expire, and are not counted again if DBS lists them again', () => {
    const jobs = Array.from({ length: 50 }, (_, i) =>
      job(`j${i}`, i % 10 === 0 ? 'failed' : 'succeeded', T0 + i * 60_000, { endMs: T0 + i * 60_000 + 1000, sizeBytes: 10, storageClass: i % 2 ? 'ia' : 'standard', expiryMs: T0 + (i < 25 ? 2 : 20) * H }),
    );
    let s = mergeJobs(undefined, jobs, ctx(T0 + H, T0 - H, T0 - H));
    const tracked = summarise(s, T0 + H);
    // The next poll asks only from T0+45m: the first 45 jobs are archived.
    s = mergeJobs(s, jobs.slice(45), ctx(T0 + H, T0 + 45 * 60_000, T0 - H));
    expect(s.jobs.size).toBe(5);
    expect(s.archive.length).toBe(45);
    const archived = summarise(s, T0 + H);
    expect(archived.jobsByState).toEqual(tracked.jobsByState);
    expect(archived.setsByStorage).toEqual(tracked.setsByStorage);
    expect(archived.setBytesByStorage).toEqual(tracked.setBytesByStorage);
    // The next change by itself is the first expiry, whether the job is tracked or archived.
    expect(archived.validUntilMs).toBe(T0 + 2 * H);
    expect(tracked.validUntilMs).toBe(T0 + 2 * H);
    // Half of them expire at T0+2h.
    s = mergeJobs(s, [], ctx(T0 + 3 * H, T0 + 3 * H - 600_000, T0 - H));
    expect(summarise(s, T0 + 3 * H).jobsByState.succeeded + summarise(s, T0 + 3 * H).jobsByState.failed).toBe(25);
    // The clock steps back and DBS lists archived jobs again: no new successes or failures.
    const before = [s.succeededTotal, s.failedTotal];
    s = mergeJobs(s, jobs, ctx(T0 + 3 * H, T0 - H, T0 - H));
    expect([s.succeededTotal, s.failedTotal]).toEqual(before);
  });

  it('keep their exact values, and a poll that archives and drops nothing keeps the same archive', () => {
    const sizes = [1, 2 ** 40 + 3, 0, 123_456_789_012];
    const jobs = sizes.map((size, i) =>
      job(`k${i}`, i === 2 ? 'failed' : 'succeeded', T0 + i * 60_000, { endMs: T0 + i * 60_000 + 1, sizeBytes: size, storageClass: i === 3 ? 'archive' : 'ia', ...(i === 1 ? {} : { expiryMs: T0 + 100 * H }) }),
    );
    // The newest job is re-read by the next poll (the watermark), so it stays an object.
    const newest = job('k4', 'failed', T0 + 30 * 60_000, { endMs: T0 + 31 * 60_000 });
    let s = mergeJobs(undefined, [...jobs, newest], { nowMs: T0 + H, fetchStartMs: T0, windowStartMs: T0 - H, overlapMs: 60_000 });
    expect(s.archive.length).toBe(4);
    expect([...s.jobs.keys()]).toEqual(['k4']);
    expect(Array.from({ length: 4 }, (_, i) => [s.archive.startMs(i), s.archive.sizeBytes(i), s.archive.state(i), s.archive.storage(i)])).toEqual([
      [T0, 1, 'succeeded', 'ia'],
      [T0 + 60_000, 2 ** 40 + 3, 'succeeded', 'ia'],
      [T0 + 120_000, 0, 'failed', 'ia'],
      [T0 + 180_000, 123_456_789_012, 'succeeded', 'archive'],
    ]);
    expect(Number.isNaN(s.archive.expiryMs(1))).toBe(true);
    expect(s.archive.expiryMs(0)).toBe(T0 + 100 * H);
    expect(summarise(s, T0 + H).setBytesByStorage).toEqual({ standard: 0, ia: 2 ** 40 + 4, archive: 123_456_789_012, unknown: 0 });
    const archive = s.archive;
    s = mergeJobs(s, [newest], { nowMs: T0 + 2 * H, fetchStartMs: T0 + 29 * 60_000, windowStartMs: T0 - H, overlapMs: 60_000 });
    expect(s.archive).toBe(archive);
    // The window moves past the first job: a new, smaller archive.
    s = mergeJobs(s, [newest], { nowMs: T0 + 3 * H, fetchStartMs: T0 + 29 * 60_000, windowStartMs: T0 + 30_000, overlapMs: 60_000 });
    expect(s.archive).not.toBe(archive);
    expect(s.archive.length).toBe(3);
    expect(s.archive.startMs(0)).toBe(T0 + 60_000);
  });

  it('an absurd or fractional expiry stays a far-future or whole-millisecond expiry, never NaN', () => {
    const jobs = [
      job('far', 'succeeded', T0, { endMs: T0 + 1, sizeBytes: 5, expiryMs: 1e300 }),
      job('frac', 'succeeded', T0 + 1000, { endMs: T0 + 1001, sizeBytes: 7, expiryMs: T0 + 2 * H + 0.4 }),
      job('newest', 'running', T0 + 30 * 60_000, { sizeBytes: 1 }),
    ];
    const s = mergeJobs(undefined, jobs, { nowMs: T0 + H, fetchStartMs: T0, windowStartMs: T0 - H, overlapMs: 60_000 });
    expect(s.archive.length).toBe(2);
    expect(s.archive.expiryMs(0)).toBe(2 ** 44);
    expect(s.archive.expiryMs(1)).toBe(T0 + 2 * H);
    expect(summarise(s, T0 + H).setBytesByStorage.standard).toBe(12);
    expect(summarise(s, T0 + 2 * H).setBytesByStorage.standard).toBe(5);
  });

  it('a job unfinished since before the lookback stops pinning the fetch window', () => {
    let s = mergeJobs(undefined, [job('ancient', 'running', T0, { sizeBytes: 1 })], ctx(T0 + H));
    expect(nextFetchStartMs(s, { nowMs: T0 + H, lookbackMs: 72 * H, overlapMs: 600_000 })).toBe(T0 - 600_000);
    s = mergeJobs(s, [job('ancient', 'running', T0, { sizeBytes: 1 })], ctx(T0 + 80 * H, T0, T0 + 8 * H));
    expect(s.jobs.size).toBe(0);
    expect(nextFetchStartMs(s, { nowMs: T0 + 80 * H, lookbackMs: 72 * H, overlapMs: 600_000 })).toBeGreaterThanOrEqual(T0 + 8 * H);
  });
});

describe('first poll memory', () => {
  it('archives the lookback history at once when the overlap is known: only the re-read range stays as objects', () => {
    const history = Array.from({ length: 500 }, (_, i) => job(`h${i}`, 'succeeded', T0 + i * 300_000, { endMs: T0 + i * 300_000 + 60_000 }));
    const now = T0 + 500 * 300_000;
    const s = mergeJobs(undefined, history, { nowMs: now, fetchStartMs: T0, windowStartMs: T0, overlapMs: 600_000 });
    // Jobs starting within the overlap before the newest one are re-read next time: kept as objects.
    expect(s.jobs.size).toBe(3);
    expect(s.archive.length).toBe(497);
    expect(summarise(s, now).jobsByState.succeeded).toBe(500);
  });
});

describe('steady polls reuse what did not change', () => {
  const listing = (extra: ObservedJob[] = []) => [
    job('s1', 'succeeded', T0 + 1000, { endMs: T0 + 2000, sizeBytes: 10, expiryMs: T0 + 5 * H }),
    job('r1', 'running', T0 + 3000, { sizeBytes: 5 }),
    ...extra,
  ];
  const at = (nowMs: number) => ({ nowMs, fetchStartMs: T0, windowStartMs: T0 - H, overlapMs: H });

  it('a poll that lists the same jobs returns the previous state object; a change makes a new one that keeps unchanged jobs', () => {
    const first = mergeJobs(undefined, listing(), at(T0 + 10_000));
    const same = mergeJobs(first, listing(), at(T0 + 70_000));
    expect(same).toBe(first);

    const grown = mergeJobs(first, [listing()[0]!, job('r1', 'running', T0 + 3000, { sizeBytes: 6 })], at(T0 + 130_000));
    expect(grown).not.toBe(first);
    expect(grown.jobs.get('s1')).toBe(first.jobs.get('s1'));
    expect(grown.jobs.get('r1')!.lastProgressMs).toBe(T0 + 130_000);

    const added = mergeJobs(grown, listing([job('s2', 'succeeded', T0 + 4000, { endMs: T0 + 5000, sizeBytes: 7 })]), at(T0 + 190_000));
    expect(added).not.toBe(grown);
    expect(added.succeededTotal).toBe(1);
    expect(added.jobs.get('s1')).toBe(first.jobs.get('s1'));
  });

  it('a summary is valid until the next counted backup set expires', () => {
    const s = mergeJobs(undefined, listing([job('s2', 'succeeded', T0 + 4000, { endMs: T0 + 5000, sizeBytes: 7, expiryMs: T0 + 3 * H })]), at(T0 + 10_000));
    const { summary, validUntilMs } = summariseUntil(s, T0 + 10_000);
    expect(validUntilMs).toBe(T0 + 3 * H);
    expect(summary.setsByStorage.standard).toBe(2);
    const later = summariseUntil(s, T0 + 3 * H);
    expect(later.summary.setsByStorage.standard).toBe(1);
    expect(later.validUntilMs).toBe(T0 + 5 * H);
    expect(summariseUntil(s, T0 + 5 * H).validUntilMs).toBe(Infinity);
  });
});

describe('packed summary', () => {
  it('reads back every value it packed, and leaves out what DBS did not give', () => {
    let s = mergeJobs(undefined, [job('a', 'succeeded', T0, { endMs: T0 + 60_000, sizeBytes: 2 ** 40 + 3, expiryMs: T0 + 9 * H, storageClass: 'ia' }), job('b', 'failed', T0 + H, { endMs: T0 + H + 5 })], ctx(T0 + 2 * H, T0 - 22 * H));
    s = mergeJobs(s, [job('c', 'succeeded', T0 + 2 * H, { endMs: T0 + 2 * H + 7, sizeBytes: 11 }), job('d', 'running', T0 + 2 * H, { sizeBytes: 4 })], ctx(T0 + 3 * H, T0 + 2 * H));
    expect(summarise(s, T0 + 3 * H).toJSON()).toEqual({
      lastSuccess: { endMs: T0 + 2 * H + 7, startMs: T0 + 2 * H, sizeBytes: 11 },
      lastFailureEndMs: T0 + H + 5,
      historyStartMs: T0 - 22 * H,
      running: { sinceMs: T0 + 2 * H, lastProgressMs: T0 + 3 * H, sizeBytes: 4 },
      jobsByState: { pending: 0, running: 1, succeeded: 2, failed: 1, unknown: 0 },
      setsByStorage: { standard: 1, ia: 1, archive: 0, unknown: 0 },
      setBytesByStorage: { standard: 11, ia: 2 ** 40 + 3, archive: 0, unknown: 0 },
      succeededTotal: 1,
      failedTotal: 0,
      succeededBytesTotal: 11,
    });
    const empty = summarise(mergeJobs(undefined, [], ctx(T0)), T0);
    expect([empty.lastSuccess, empty.lastFailureEndMs, empty.running]).toEqual([undefined, undefined, undefined]);
    expect(Object.keys(empty.toJSON())).not.toContain('lastSuccess');
    expect(summarise(mergeJobs(undefined, [job('e', 'succeeded', T0, { startMs: undefined, endMs: T0 + 1 })], ctx(T0 + H)), T0 + H).lastSuccess).toEqual({ endMs: T0 + 1, sizeBytes: 0 });
  });
});
