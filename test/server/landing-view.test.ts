/**
 * The landing page's view model without HTTP: which plans are problems (against the alert rules'
 * default thresholds, at their edges), problems-first order, filter, pagination, and the query
 * parameters it refuses.
 */
import { describe, expect, it } from 'vitest';
import type { PlanSnapshot, Snapshot } from '../../src/collector/snapshot.js';
import { type BackupTypeSummary, type ObservedJob, type PlanInfo, mergeJobs, summarise } from '../../src/collector/state.js';
import { DEFAULT_THRESHOLDS } from '../../src/rules/rules.js';
import { formatDuration, healthOf, planProblems } from '../../src/server/landing/problems.js';
import { DEFAULT_QUERY, type StatusQuery, buildFleetView, fleetViewCache, knownTargets, parseStatusQuery, selectPage, statusViewer } from '../../src/server/landing/view.js';
import { renderStatusHtml } from '../../src/server/landing/html.js';
import { statusJson } from '../../src/server/landing/json.js';
import { summariseRanges } from '../../src/collector/sources/restore-ranges.js';
import { mergeRestoreTasks, observeRestoreTask } from '../../src/collector/sources/restore-tasks.js';
import { restoreTaskDetailSchema } from '../../src/dbs/schemas.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

interface TypeSpec {
  /** Newest success: end (and start, expiry). */
  success?: { startMs?: number; endMs: number; expiryMs?: number };
  failureEndMs?: number;
  /** A running job: started at sinceMs, last grew at progressMs. */
  running?: { sinceMs: number; progressMs: number };
  /** Start of the history the exporter read (its first poll's StartTimestamp). */
  historyStartMs?: number;
}

/** A backup type's summary at NOW, made the way the collector makes it (mergeJobs, summarise). */
function summary(spec: TypeSpec): BackupTypeSummary {
  const historyStart = spec.historyStartMs ?? NOW - 3 * D;
  const jobs: ObservedJob[] = [];
  const base = { sizeBytes: 100, storageClass: 'standard' as const };
  if (spec.success) jobs.push({ id: 's', rawStatus: 'finish', state: 'succeeded', startMs: spec.success.startMs ?? spec.success.endMs - 30 * M, endMs: spec.success.endMs, ...base, ...(spec.success.expiryMs !== undefined ? { expiryMs: spec.success.expiryMs } : {}) });
  if (spec.failureEndMs !== undefined) jobs.push({ id: 'f', rawStatus: 'failed', state: 'failed', startMs: spec.failureEndMs - 10 * M, endMs: spec.failureEndMs, ...base });
  // First sight of a running job with a size: its progress is the poll's time.
  let state = mergeJobs(undefined, jobs, { nowMs: spec.running?.progressMs ?? NOW, fetchStartMs: historyStart, windowStartMs: historyStart });
  if (spec.running) state = mergeJobs(state, [...jobs, { id: 'r', rawStatus: 'running', state: 'running', startMs: spec.running.sinceMs, ...base }], { nowMs: spec.running.progressMs, fetchStartMs: historyStart, windowStartMs: historyStart });
  return summarise(state, NOW);
}

const INFO: PlanInfo = {
  planId: 'dbs1plan',
  name: 'orders',
  status: 'running',
  backupMethod: 'logical',
  databaseType: 'MySQL',
  instanceType: 'RDS',
  instanceId: 'rm-1',
  restorableStartMs: NOW - 6 * D,
  fullIntervalSeconds: 86_400,
  createdMs: NOW - 10 * D,
  logBackupEnabled: true,
};

/** A healthy running plan: daily full 2h ago (expires in 7 days), log backup 5 minutes ago. */
function plan(changes: { info?: Partial<PlanInfo>; full?: TypeSpec | null; incremental?: TypeSpec | null } & Partial<Omit<PlanSnapshot, 'info' | 'types'>> = {}): PlanSnapshot {
  const { info, full, incremental, ...rest } = changes;
  const types: PlanSnapshot['types'] = {};
  const fullSpec = full === undefined ? { success: { endMs: NOW - 2 * H, expiryMs: NOW + 7 * D } } : full;
  const incSpec = incremental === undefined ? { success: { endMs: NOW - 5 * M } } : incremental;
  if (fullSpec) types.full = summary(fullSpec);
  if (incSpec) types.incremental = summary(incSpec);
  const merged = { ...INFO, ...info };
  return { account: 'prod', region: 'cn-hangzhou', planId: merged.planId, info: merged, pollOk: true, lastPollAttemptMs: NOW - 30 * S, lastPollSuccessMs: NOW - 30 * S, listed: true, fresh: true, types, views: {}, ...rest };
}

const codes = (p: PlanSnapshot, targetUp = true) => planProblems(p, targetUp, NOW).map((x) => x.code);

describe('planProblems: what the alert rules would page on, at the default thresholds', () => {
  it('uses the rules module defaults (a change there changes the page)', () => {
    expect(DEFAULT_THRESHOLDS).toMatchObject({ incrementalLagSeconds: 7200, fullBackupIntervalFactor: 1.5, stallSeconds: 3600, expiryWarningSeconds: 2 * 86_400 });
  });

  it('a healthy running plan has none', () => {
    expect(planProblems(plan(), true, NOW)).toEqual([]);
    expect(healthOf([])).toBe('ok');
  });

  it('log backup lag: over 2h is a warning, exactly 2h is not; switched off is never', () => {
    expect(codes(plan({ incremental: { success: { endMs: NOW - 2 * H } } }))).toEqual([]);
    const lagging = planProblems(plan({ incremental: { success: { endMs: NOW - 2 * H - S } } }), true, NOW);
    expect(lagging).toEqual([{ code: 'log_backup_lagging', severity: 'warning', alert: 'DBSIncrementalBackupLagging', text: 'no successful log backup for 2h (limit 2h)' }]);
    // Switched off: no lag problem, only that it is off (DBSLogBackupDisabled).
    expect(codes(plan({ info: { logBackupEnabled: false }, incremental: { success: { endMs: NOW - 3 * D } } }))).toEqual(['log_backup_disabled']);
  });

  it('log backups on and none known: lagging at least since the history start', () => {
    const problems = planProblems(plan({ incremental: { historyStartMs: NOW - 3 * H } }), true, NOW);
    expect(problems.map((p) => p.text)).toEqual(['no successful log backup for at least 3h (limit 2h)']);
    // DBS not saying whether log backups are on: no lag without a success to count from (as the rules).
    expect(codes(plan({ info: { logBackupEnabled: undefined }, incremental: { historyStartMs: NOW - 3 * H } }))).toEqual([]);
  });

  it('full backup overdue past 1.5 × the interval (critical); the fallback of 7 days when BackupPeriod is unknown', () => {
    expect(codes(plan({ full: { success: { endMs: NOW - 36 * H } } }))).toEqual([]);
    const overdue = planProblems(plan({ full: { success: { endMs: NOW - 36 * H - S } } }), true, NOW);
    expect(overdue).toEqual([{ code: 'full_overdue', severity: 'critical', alert: 'DBSFullBackupOverdue', text: 'last successful full backup 36h ago; due every 24h (limit 36h)' }]);
    expect(codes(plan({ info: { fullIntervalSeconds: undefined }, full: { success: { endMs: NOW - 10.5 * D - S } } }))).toEqual(['full_overdue']);
    expect(codes(plan({ info: { fullIntervalSeconds: undefined }, full: { success: { endMs: NOW - 10.5 * D } } }))).toEqual([]);
  });

  it('no full backup at all: nothing to restore from unless DBS lists a restorable start', () => {
    const none = plan({ info: { restorableStartMs: undefined }, full: { historyStartMs: NOW - 2 * D } });
    expect(planProblems(none, true, NOW)).toEqual([
      { code: 'no_full_backup', severity: 'critical', alert: 'DBSNoSuccessfulFullBackup', text: 'no successful full backup in the 2d the exporter can see: nothing to restore from' },
    ]);
    expect(codes(plan({ full: { historyStartMs: NOW - 2 * D } }))).toEqual(['full_overdue']);
    // A plan created an hour ago has had no time to take one.
    expect(codes(plan({ info: { restorableStartMs: undefined, createdMs: NOW - H }, full: { historyStartMs: NOW - 2 * D } }))).toEqual([]);
  });

  it('a plan not running is a warning; its missed backups are not (the rules gate them on running)', () => {
    const paused = plan({ info: { status: 'pause' }, full: { success: { endMs: NOW - 5 * D } }, incremental: { success: { endMs: NOW - 5 * D } } });
    expect(planProblems(paused, true, NOW)).toEqual([{ code: 'plan_not_running', severity: 'warning', alert: 'DBSBackupPlanNotRunning', text: 'plan status is pause: no scheduled backups run' }]);
    for (const status of ['stop', 'locked', 'check_pass', 'something-new']) expect(codes(plan({ info: { status } })), status).toEqual(['plan_not_running']);
    expect(codes(plan({ info: { status: 'wait' } }))).toEqual([]);
    expect(codes(plan({ info: { status: 'init', createdMs: NOW - 5 * H } }))).toEqual([]);
    expect(codes(plan({ info: { status: 'init', createdMs: NOW - 6 * H - S } }))).toEqual(['plan_not_running']);
  });

  it("polls failing, a configured plan DBS does not list, and its account's plan list failing", () => {
    expect(planProblems(plan({ pollOk: false, lastPollSuccessMs: NOW - 20 * M }), true, NOW)).toEqual([
      { code: 'poll_failing', severity: 'warning', alert: 'DBSExporterPlanPollFailing', text: 'polling this plan fails (last good poll 20m ago)' },
    ]);
    expect(planProblems(plan({ pollOk: false, lastPollSuccessMs: undefined }), true, NOW)[0]!.text).toBe('polling this plan fails (never polled successfully)');
    expect(codes(plan({ listed: false, pollOk: false, info: { status: '' }, full: null, incremental: null }))).toEqual(['not_listed']);
    const blind = planProblems(plan({ pollOk: false }), false, NOW);
    expect(blind.map((p) => [p.code, p.severity])).toEqual([['target_down', 'critical']]);
  });

  it('a failed job: within the hour always; later only while it is the newest outcome of a running plan', () => {
    const okAfter = { success: { endMs: NOW - 10 * M, expiryMs: NOW + 7 * D } };
    expect(codes(plan({ full: { ...okAfter, failureEndMs: NOW - 30 * M } }))).toEqual(['job_failed']);
    expect(codes(plan({ full: { ...okAfter, failureEndMs: NOW - 2 * H } }))).toEqual([]);
    const failedLast = { success: { endMs: NOW - 3 * H, expiryMs: NOW + 7 * D }, failureEndMs: NOW - 2 * H };
    expect(planProblems(plan({ full: failedLast }), true, NOW).map((p) => p.text)).toEqual(['last full backup job failed 2h ago, no success since']);
    expect(codes(plan({ info: { status: 'pause' }, full: failedLast }))).toEqual(['plan_not_running']);
    // Log backups switched off: their failures page nothing.
    expect(codes(plan({ info: { logBackupEnabled: false }, incremental: { success: { endMs: NOW - 3 * H }, failureEndMs: NOW - 5 * M } }))).toEqual(['log_backup_disabled']);
  });

  it('a running job without progress for the stall threshold is stalled', () => {
    const running = (progressAgo: number) => plan({ incremental: { success: { endMs: NOW - 5 * M }, running: { sinceMs: NOW - 2 * H, progressMs: NOW - progressAgo } } });
    expect(codes(running(59 * M))).toEqual([]);
    expect(planProblems(running(H), true, NOW)).toEqual([
      { code: 'job_stalled', severity: 'warning', alert: 'DBSBackupJobStalled', text: 'incremental backup job running for 2h, no progress for 60m' },
    ]);
  });

  it('the newest full set expiring within 2 days with no replacement on track', () => {
    // Daily fulls: the last one started 26h ago (over interval + 1h grace) and expires in a day.
    const late = { success: { startMs: NOW - 26 * H, endMs: NOW - 25 * H, expiryMs: NOW + D } };
    expect(planProblems(plan({ full: late }), true, NOW)).toEqual([
      { code: 'restore_window_at_risk', severity: 'warning', alert: 'DBSRestoreWindowAtRisk', text: 'newest full backup set expires in 24h, no replacement on track' },
    ]);
    // The replacement is running: on track.
    expect(codes(plan({ full: { ...late, running: { sinceMs: NOW - 30 * M, progressMs: NOW - M } } }))).toEqual([]);
    // Weekly fulls kept 3 days: the set expires before the next full starts.
    const weekly = plan({ info: { fullIntervalSeconds: 7 * 86_400 }, full: { success: { startMs: NOW - 2 * D, endMs: NOW - 2 * D + H, expiryMs: NOW + D + H } } });
    expect(codes(weekly)).toEqual(['restore_window_at_risk']);
    // Expiring in 3 days: not yet.
    expect(codes(plan({ info: { fullIntervalSeconds: 7 * 86_400 }, full: { success: { startMs: NOW - 2 * D, endMs: NOW - 2 * D + H, expiryMs: NOW + 3 * D } } }))).toEqual([]);
  });

  it('lists every problem, critical first', () => {
    const bad = plan({ full: { success: { endMs: NOW - 3 * D, expiryMs: NOW + D }, failureEndMs: NOW - 5 * M }, incremental: { success: { endMs: NOW - 4 * H } } });
    const problems = planProblems(bad, true, NOW);
    expect(problems.map((p) => p.code)).toEqual(['full_overdue', 'log_backup_lagging', 'job_failed', 'restore_window_at_risk']);
    expect(healthOf(problems)).toBe('critical');
  });

  it('formats durations for people', () => {
    expect([45, 89, 90, 600, 5399, 5400, 6 * 3600, 2 * 86_400, 3 * 86_400 + 4 * 3600].map(formatDuration)).toEqual(['45s', '89s', '2m', '10m', '1h 29m', '1h 30m', '6h', '2d', '3d 4h']);
  });
});

/* ---------------- the fleet: order, filter, pages ---------------- */

function snapshotOf(plans: PlanSnapshot[], targets: Snapshot['targets'] = [{ account: 'prod', region: 'cn-hangzhou', up: true, lastListingSuccessMs: NOW - 10 * S, plans: plans.length, excluded: [] }]): Snapshot {
  return { completedAtMs: NOW, cycle: 7, plans, targets };
}

const named = (name: string, planId: string, changes: Parameters<typeof plan>[0] = {}) => plan({ ...changes, info: { name, planId, ...changes.info } });

const FLEET = snapshotOf(
  [
    named('zeta-ok', 'dbs1z'),
    named('alpha-ok', 'dbs1a'),
    named('paused-legacy', 'dbs1p', { info: { status: 'pause' } }),
    named('overdue', 'dbs1o', { full: { success: { endMs: NOW - 3 * D } } }),
    named('lagging', 'dbs1l', { incremental: { success: { endMs: NOW - 5 * H } } }),
    named('Orders-EU', 'dbs1e', { account: 'eu', region: 'eu-central-1' }),
  ],
  [
    { account: 'prod', region: 'cn-hangzhou', up: true, plans: 5, excluded: [] },
    { account: 'eu', region: 'eu-central-1', up: true, plans: 1, excluded: ['dbs1x'] },
  ],
);

const query = (changes: Partial<StatusQuery>): StatusQuery => ({ ...DEFAULT_QUERY, ...changes });
const names = (plans: readonly { name: string }[]) => plans.map((p) => p.name);

describe('the fleet view', () => {
  const fleet = buildFleetView(FLEET);

  it('puts problems first: critical, then warning, then OK; by account, region and name within each', () => {
    expect(fleet.plans.map((p) => [p.health, p.name])).toEqual([
      ['critical', 'overdue'],
      ['warning', 'lagging'],
      ['warning', 'paused-legacy'],
      ['ok', 'Orders-EU'],
      ['ok', 'alpha-ok'],
      ['ok', 'zeta-ok'],
    ]);
    expect(fleet.counts).toEqual({ total: 6, critical: 1, warning: 2, ok: 3 });
    expect(fleet.targets.map((t) => [t.account, t.problems, t.excluded])).toEqual([
      ['prod', 3, 0],
      ['eu', 0, 1],
    ]);
  });

  it('filters by state, name or id (any case), account and region', () => {
    expect(names(selectPage(fleet, query({ state: 'problems' })).plans)).toEqual(['overdue', 'lagging', 'paused-legacy']);
    expect(names(selectPage(fleet, query({ state: 'warning' })).plans)).toEqual(['lagging', 'paused-legacy']);
    expect(names(selectPage(fleet, query({ state: 'ok' })).plans)).toEqual(['Orders-EU', 'alpha-ok', 'zeta-ok']);
    expect(names(selectPage(fleet, query({ q: 'ORDERS' })).plans)).toEqual(['Orders-EU']);
    expect(names(selectPage(fleet, query({ q: 'dbs1p' })).plans)).toEqual(['paused-legacy']);
    expect(names(selectPage(fleet, query({ account: 'eu' })).plans)).toEqual(['Orders-EU']);
    expect(names(selectPage(fleet, query({ region: 'cn-hangzhou', state: 'ok' })).plans)).toEqual(['alpha-ok', 'zeta-ok']);
    expect(selectPage(fleet, query({ q: 'nothing-like-this' }))).toEqual({ plans: [], matching: 0, page: 1, pages: 1, perPage: 100, first: 0 });
  });

  it('pages: only the page asked for, with the count of all matches', () => {
    const p1 = selectPage(fleet, query({ perPage: 4 }));
    expect({ ...p1, plans: names(p1.plans) }).toEqual({ plans: ['overdue', 'lagging', 'paused-legacy', 'Orders-EU'], matching: 6, page: 1, pages: 2, perPage: 4, first: 1 });
    const p2 = selectPage(fleet, query({ perPage: 4, page: 2 }));
    expect({ ...p2, plans: names(p2.plans) }).toEqual({ plans: ['alpha-ok', 'zeta-ok'], matching: 6, page: 2, pages: 2, perPage: 4, first: 5 });
    const filtered = selectPage(fleet, query({ state: 'problems', perPage: 2, page: 2 }));
    expect({ ...filtered, plans: names(filtered.plans) }).toEqual({ plans: ['paused-legacy'], matching: 3, page: 2, pages: 2, perPage: 2, first: 3 });
    // Past the last page: nothing, and how many pages there are.
    expect(selectPage(fleet, query({ perPage: 4, page: 9 }))).toMatchObject({ plans: [], matching: 6, pages: 2, first: 0 });
  });

  it('is built once per snapshot', () => {
    const viewOf = fleetViewCache();
    const first = viewOf(FLEET);
    expect(viewOf(FLEET)).toBe(first);
    const next = { ...FLEET, cycle: 8 };
    expect(viewOf(next)).not.toBe(first);
    expect(viewOf(next).snapshot).toBe(next);
  });

  it('shows ages and problems as of the snapshot, not the time of the request', () => {
    // The same plan in a snapshot taken 3 hours later: now lagging.
    const later = buildFleetView({ ...snapshotOf([plan()]), completedAtMs: NOW + 3 * H });
    expect(later.plans[0]!.problems.map((p) => p.code)).toEqual(['log_backup_lagging']);
    expect(buildFleetView(snapshotOf([plan()])).plans[0]!.health).toBe('ok');
  });
});

describe('query parameters', () => {
  const known = knownTargets(FLEET.targets);
  const parse = (search: string) => parseStatusQuery(new URLSearchParams(search), known);

  it('defaults, and empty values as not set (a GET form sends every field)', () => {
    expect(parse('')).toEqual({ ok: true, query: { q: '', state: 'all', account: '', region: '', page: 1, perPage: 100 } });
    expect(parse('q=&state=&account=&region=&page=&per_page=')).toEqual({ ok: true, query: DEFAULT_QUERY });
    expect(parse('q=+orders+&state=problems&account=eu&region=eu-central-1&page=3&per_page=500')).toEqual({
      ok: true,
      query: { q: 'orders', state: 'problems', account: 'eu', region: 'eu-central-1', page: 3, perPage: 500 },
    });
  });

  it.each([
    ['per_page=501', 'per_page must be a whole number from 1 to 500, not "501"'],
    ['per_page=0', 'per_page must be a whole number from 1 to 500, not "0"'],
    ['page=0', 'page must be a whole number from 1 to 1000000, not "0"'],
    ['page=-1', 'page must be a whole number from 1 to 1000000, not "-1"'],
    ['page=1.5', 'page must be a whole number from 1 to 1000000, not "1.5"'],
    ['page=abc', 'page must be a whole number from 1 to 1000000, not "abc"'],
    ['state=broken', 'state must be one of all, problems, critical, warning, ok, not "broken"'],
    ['account=nobody', 'no target with account "nobody"; known: prod, eu'],
    ['region=mars-1', 'no target with region "mars-1"; known: cn-hangzhou, eu-central-1'],
    ['sort=name', 'unknown query parameter "sort"; known: q, state, account, region, page, per_page'],
    ['state=ok&state=all', 'query parameter "state" given more than once'],
    [`q=${'x'.repeat(201)}`, 'q must be at most 200 characters'],
  ])('%s is refused: %s', (search, error) => {
    const parsed = parse(search);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toBe(error);
  });

  it('before the first cycle, any account or region is accepted (none is known yet)', () => {
    expect(parseStatusQuery(new URLSearchParams('account=later'))).toMatchObject({ ok: true, query: { account: 'later' } });
  });
});

describe('restore columns: what DescribeRestoreRangeInfo and DescribeRestoreTaskList said', () => {
  const ranges = summariseRanges(
    [
      { type: 'range', beginMs: NOW - 5 * D, endMs: NOW - 2 * D - 6 * H },
      { type: 'range', beginMs: NOW - 2 * D, endMs: NOW - 10 * M },
    ],
    { beginMs: NOW - 7 * D, endMs: NOW },
  );
  const tasks = mergeRestoreTasks(
    undefined,
    [
      observeRestoreTask(restoreTaskDetailSchema.parse({ RestoreTaskId: 'r1', RestoreTaskName: 'drill-weekly', RestoreStatus: 'finish', RestoreTaskCreateTime: NOW - 3 * D, RestoreTaskFinishTime: NOW - 3 * D + 40 * M, RestoreTime: NOW - 3 * D - H }), /drill/i),
      observeRestoreTask(restoreTaskDetailSchema.parse({ RestoreTaskId: 'r2', RestoreTaskName: 'restore-orders', RestoreStatus: 'stop', RestoreTaskCreateTime: NOW - D, RestoreTaskFinishTime: NOW - D + 5 * M }), /drill/i),
    ],
    { nowMs: NOW, fetchStartMs: NOW - 35 * D, lookbackMs: 35 * D },
  );
  const snapshot = snapshotOf([plan({ views: { restore_ranges: ranges, restore_tasks: tasks } }), plan({ info: { planId: 'dbs-unread', name: 'unread' } })]);
  const view = statusViewer({ version: 't', source: { snapshot: () => snapshot, now: () => NOW } })(new URLSearchParams());

  it('the page shows the recovery point, the gap, the failed restore and the last drill; a plan not read yet says so', () => {
    const page = renderStatusHtml(view, { telemetryPath: '/metrics' });
    const row = (id: string) => page.slice(page.indexOf(`data-plan-id="${id}"`), page.indexOf('</tr>', page.indexOf(`data-plan-id="${id}"`)));
    const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    expect(text(row(INFO.planId))).toContain('any time to 10m ago');
    expect(text(row(INFO.planId))).toContain('1 gap (6h); newest ended 2d ago');
    expect(text(row(INFO.planId))).toContain('failed 23h 55m ago');
    expect(text(row(INFO.planId))).toContain(`drill 2d 23h ago, took 40m, to ${new Date(NOW - 3 * D - H).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    expect(text(row('dbs-unread'))).toContain('not read yet');
  });

  it('the JSON carries the same, with nulls where nothing is known', () => {
    const json = statusJson(view);
    const read = json.plans.find((p) => p.planId === INFO.planId)!;
    expect(read.restorable).toEqual({
      recoveryPoint: { at: new Date(NOW - 10 * M).toISOString(), ageSeconds: 600 },
      latestPoint: { at: new Date(NOW - 10 * M).toISOString(), ageSeconds: 600 },
      gaps: 1,
      gapSeconds: 6 * 3600,
      newestGap: { start: new Date(NOW - 2 * D - 6 * H).toISOString(), end: new Date(NOW - 2 * D).toISOString() },
    });
    expect(read.restores).toEqual({
      lastSuccessAt: new Date(NOW - 3 * D + 40 * M).toISOString(),
      lastFailureAt: new Date(NOW - D + 5 * M).toISOString(),
      lastDrill: { finishedAt: new Date(NOW - 3 * D + 40 * M).toISOString(), durationSeconds: 2400, restoredTo: new Date(NOW - 3 * D - H).toISOString() },
    });
    const unread = json.plans.find((p) => p.planId === 'dbs-unread')!;
    expect(unread.restorable).toBeNull();
    expect(unread.restores).toBeNull();
  });
});

describe('planProblems: the restore alerts', () => {
  const window = { beginMs: NOW - 7 * D, endMs: NOW };
  const withRanges = (ranges: Parameters<typeof summariseRanges>[0], extra: Partial<PlanSnapshot> = {}) => plan({ views: { restore_ranges: summariseRanges(ranges, window) }, ...extra });
  const tasks = (...details: Array<Record<string, unknown>>) =>
    mergeRestoreTasks(undefined, details.map((d) => observeRestoreTask(restoreTaskDetailSchema.parse(d), /drill/i)), { nowMs: NOW, fetchStartMs: NOW - 35 * D, lookbackMs: 35 * D });
  const codesOf = (p: PlanSnapshot) => planProblems(p, true, NOW).map((x) => `${x.alert}: ${x.text}`);

  it('recovery point: over 3h on a running plan with log backup on is critical; exactly 3h is not; log off never', () => {
    expect(codesOf(withRanges([{ type: 'range', beginMs: NOW - 2 * D, endMs: NOW - 3 * H - S }]))).toContain('DBSRecoveryPointTooOld: newest point-in-time restore is 3h old (limit 3h)');
    expect(codesOf(withRanges([{ type: 'range', beginMs: NOW - 2 * D, endMs: NOW - 3 * H }]))).toEqual([]);
    const logOff = withRanges([{ type: 'range', beginMs: NOW - 2 * D, endMs: NOW - 5 * H }], { info: { ...INFO, logBackupEnabled: false } });
    expect(codesOf(logOff).filter((c) => c.startsWith('DBSRecoveryPointTooOld'))).toEqual([]);
    // Full backups alone with log backup on: at least since the window start (or the plan's creation).
    expect(codesOf(withRanges([{ type: 'point', beginMs: NOW - D, endMs: NOW - D }]))).toContain('DBSRecoveryPointTooOld: newest point-in-time restore is at least 7d old (limit 3h)');
  });

  it('a gap that ended within a day; an older one is no problem', () => {
    const gap = (endAgo: number) => withRanges([{ type: 'range', beginMs: NOW - 5 * D, endMs: NOW - endAgo - 2 * H }, { type: 'range', beginMs: NOW - endAgo, endMs: NOW - M }]);
    expect(codesOf(gap(23 * H))).toEqual(['DBSRestoreGap: 2h that no point-in-time restore reaches, ended 23h ago']);
    expect(codesOf(gap(24 * H))).toEqual([]);
  });

  it('log backup off on a running plan, unless intended', () => {
    const off = { info: { ...INFO, logBackupEnabled: false } };
    expect(codesOf(plan(off))).toEqual(['DBSLogBackupDisabled: log backup is off: only full backups can be restored']);
    expect(codesOf(plan({ ...off, expectations: { logBackupOffIntended: true } }))).toEqual([]);
    expect(codesOf(plan({ info: { ...INFO, logBackupEnabled: false, status: 'pause' } })).filter((c) => c.startsWith('DBSLogBackupDisabled'))).toEqual([]);
  });

  it('a failed restore: within a day, or while no restore succeeded since', () => {
    const failed = { RestoreTaskId: 'r1', RestoreStatus: 'stop', RestoreTaskCreateTime: NOW - 3 * D, RestoreTaskFinishTime: NOW - 3 * D + H };
    expect(codesOf(plan({ views: { restore_tasks: tasks(failed) } }))).toEqual(['DBSRestoreFailed: a restore failed 2d 23h ago, none succeeded since']);
    const later = { RestoreTaskId: 'r2', RestoreStatus: 'finish', RestoreTaskCreateTime: NOW - 2 * D, RestoreTaskFinishTime: NOW - 2 * D + H };
    expect(codesOf(plan({ views: { restore_tasks: tasks(failed, later) } }))).toEqual([]);
  });

  it('drills: overdue and slow only where expectations ask', () => {
    const drill = { RestoreTaskId: 'd1', RestoreTaskName: 'drill-weekly', RestoreStatus: 'finish', RestoreTaskCreateTime: NOW - 9 * D, RestoreTaskFinishTime: NOW - 9 * D + 2 * H };
    const views = { restore_tasks: tasks(drill) };
    expect(codesOf(plan({ views }))).toEqual([]);
    expect(codesOf(plan({ views, expectations: { restoreDrillMaxAgeMs: 8 * D, restoreDrillRtoMs: H } }))).toEqual([
      'DBSRestoreDrillOverdue: last successful drill 8d 22h ago (expected every 8d)',
      'DBSRestoreDrillSlow: last drill took 2h (RTO 60m)',
    ]);
    expect(codesOf(plan({ views: {}, expectations: { restoreDrillMaxAgeMs: 8 * D } }))).toEqual(['DBSRestoreDrillOverdue: no successful drill (expected every 8d)']);
  });
});
