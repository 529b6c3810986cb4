/**
 * DescribeRestoreTaskList: a plan's restore tasks, read incrementally like backup jobs (from the
 * newest creation time seen, or the oldest unfinished task), on its own interval. Tasks whose name
 * matches the drill pattern are restore drills.
 */
import { listAll } from '../../dbs/pagination.js';
import type { RestoreTaskDetail } from '../../dbs/schemas.js';
import { JOB_STATES, type JobState, isTerminal } from '../status.js';
import { internString, millis } from '../wire-values.js';
import { type SourceNotice, defineStateSource } from './source.js';

export interface RestoreTaskSettings {
  intervalMs: number;
  /** History read on the first poll, and the window `dbs_restore_tasks` counts over. */
  lookbackMs: number;
  overlapMs: number;
  drillPattern: RegExp;
}

/**
 * DBS documents init, running, stop (failed), pause and check_pass; success is not documented:
 * `finish`, as for full backups. Anything else is `unknown` (and logged once).
 */
const RESTORE_STATES: Readonly<Record<string, JobState>> = {
  init: 'pending',
  check_pass: 'pending',
  pause: 'pending',
  running: 'running',
  finish: 'succeeded',
  stop: 'failed',
};

export function normaliseRestoreState(raw: string): JobState {
  return RESTORE_STATES[raw.toLowerCase()] ?? 'unknown';
}

export interface RestoreTask {
  id: string;
  name: string;
  rawStatus: string;
  state: JobState;
  createdMs?: number;
  finishedMs?: number;
  /** RestoreTime: the point in time restored to. */
  restorePointMs?: number;
  drill: boolean;
  /** Already in the _total counters (or finished before the first poll: the baseline). */
  counted: boolean;
}

export interface RestoreOutcome {
  taskId: string;
  name: string;
  /** RestoreTaskFinishTime, or the creation time when DBS gives no finish time. */
  atMs: number;
  durationMs?: number;
  restorePointMs?: number;
}

export interface RestoreTasks {
  /** Tasks created since windowStartMs, and every unfinished one. */
  tasks: ReadonlyMap<string, RestoreTask>;
  windowStartMs: number;
  /** Newest creation time seen. */
  watermarkMs?: number;
  byState: Readonly<Record<JobState, number>>;
  succeededTotal: number;
  failedTotal: number;
  lastSuccess?: RestoreOutcome;
  lastFailure?: RestoreOutcome;
  drillLastSuccess?: RestoreOutcome;
  drillLastFailure?: RestoreOutcome;
}

export function observeRestoreTask(detail: RestoreTaskDetail, drillPattern: RegExp): Omit<RestoreTask, 'counted'> {
  const name = detail.RestoreTaskName ?? '';
  const createdMs = millis(detail.RestoreTaskCreateTime);
  const finishedMs = millis(detail.RestoreTaskFinishTime);
  const restorePointMs = millis(detail.RestoreTime);
  return {
    id: detail.RestoreTaskId,
    name,
    rawStatus: internString(detail.RestoreStatus),
    state: normaliseRestoreState(detail.RestoreStatus),
    ...(createdMs !== undefined ? { createdMs } : {}),
    ...(finishedMs !== undefined ? { finishedMs } : {}),
    ...(restorePointMs !== undefined ? { restorePointMs } : {}),
    drill: drillPattern.test(name),
  };
}

function outcomeOf(task: RestoreTask): RestoreOutcome | undefined {
  const atMs = task.finishedMs ?? task.createdMs;
  if (atMs === undefined) return undefined;
  const durationMs = task.finishedMs !== undefined && task.createdMs !== undefined ? Math.max(0, task.finishedMs - task.createdMs) : undefined;
  return {
    taskId: task.id,
    name: task.name,
    atMs,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(task.restorePointMs !== undefined ? { restorePointMs: task.restorePointMs } : {}),
  };
}

const newer = (a: RestoreOutcome | undefined, b: RestoreOutcome | undefined) => (!a ? b : !b || a.atMs >= b.atMs ? a : b);

/** Where the next read starts: the oldest unfinished task or the watermark, less the overlap. */
export function nextRestoreFetchStartMs(prev: RestoreTasks | undefined, nowMs: number, settings: Pick<RestoreTaskSettings, 'lookbackMs' | 'overlapMs'>): number {
  if (!prev || prev.watermarkMs === undefined) return prev ? prev.windowStartMs : nowMs - settings.lookbackMs;
  let from = prev.watermarkMs;
  for (const task of prev.tasks.values()) if (!isTerminal(task.state) && task.createdMs !== undefined) from = Math.min(from, task.createdMs);
  return Math.max(nowMs - settings.lookbackMs, from - settings.overlapMs);
}

/**
 * The pure transition. The first read is a baseline: restores finished before it are not counted
 * as new in the _total counters, so a restart never makes them jump; last outcomes come from it all the same.
 */
export function mergeRestoreTasks(
  prev: RestoreTasks | undefined,
  listed: ReadonlyArray<Omit<RestoreTask, 'counted'>>,
  ctx: { nowMs: number; fetchStartMs: number; lookbackMs: number },
): RestoreTasks {
  const windowStartMs = ctx.nowMs - ctx.lookbackMs;
  const tasks = new Map<string, RestoreTask>();
  let { succeededTotal = 0, failedTotal = 0, lastSuccess, lastFailure, drillLastSuccess, drillLastFailure, watermarkMs } = prev ?? {};
  for (const seen of listed) {
    if (tasks.has(seen.id)) continue; // a shifted page boundary repeats an item
    const wasCounted = prev ? (prev.tasks.get(seen.id)?.counted ?? false) : isTerminal(seen.state);
    const task: RestoreTask = { ...seen, counted: wasCounted || isTerminal(seen.state) };
    if (!wasCounted && task.state === 'succeeded') succeededTotal += 1;
    if (!wasCounted && task.state === 'failed') failedTotal += 1;
    const outcome = isTerminal(task.state) ? outcomeOf(task) : undefined;
    if (task.state === 'succeeded') {
      lastSuccess = newer(lastSuccess, outcome);
      if (task.drill) drillLastSuccess = newer(drillLastSuccess, outcome);
    } else if (task.state === 'failed') {
      lastFailure = newer(lastFailure, outcome);
      if (task.drill) drillLastFailure = newer(drillLastFailure, outcome);
    }
    if (task.createdMs !== undefined) watermarkMs = Math.max(watermarkMs ?? task.createdMs, task.createdMs);
    tasks.set(task.id, task);
  }
  // Not asked about this time (created before the read's start): kept until they leave the window.
  for (const task of prev?.tasks.values() ?? []) {
    if (tasks.has(task.id) || task.createdMs === undefined || task.createdMs >= ctx.fetchStartMs) continue;
    if (!isTerminal(task.state) || task.createdMs >= windowStartMs) tasks.set(task.id, task);
  }
  for (const [id, task] of tasks) if (isTerminal(task.state) && task.createdMs !== undefined && task.createdMs < windowStartMs) tasks.delete(id);
  const byState = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  for (const task of tasks.values()) byState[task.state] += 1;
  const next: RestoreTasks = {
    tasks,
    windowStartMs: prev ? Math.min(prev.windowStartMs, ctx.fetchStartMs) : ctx.fetchStartMs,
    ...(watermarkMs !== undefined ? { watermarkMs } : {}),
    byState,
    succeededTotal,
    failedTotal,
    ...(lastSuccess ? { lastSuccess } : {}),
    ...(lastFailure ? { lastFailure } : {}),
    ...(drillLastSuccess ? { drillLastSuccess } : {}),
    ...(drillLastFailure ? { drillLastFailure } : {}),
  };
  // Nothing changed (most reads): the previous object, so what was derived from it is reused.
  return prev && sameRestoreTasks(prev, next) ? prev : next;
}

function sameRestoreTasks(a: RestoreTasks, b: RestoreTasks): boolean {
  if (a.tasks.size !== b.tasks.size || a.succeededTotal !== b.succeededTotal || a.failedTotal !== b.failedTotal) return false;
  if (a.watermarkMs !== b.watermarkMs || a.windowStartMs !== b.windowStartMs) return false;
  const outcomes = ['lastSuccess', 'lastFailure', 'drillLastSuccess', 'drillLastFailure'] as const;
  if (outcomes.some((key) => a[key]?.taskId !== b[key]?.taskId || a[key]?.atMs !== b[key]?.atMs)) return false;
  for (const [id, task] of b.tasks) {
    const before = a.tasks.get(id);
    if (!before || before.state !== task.state || before.finishedMs !== task.finishedMs || before.rawStatus !== task.rawStatus) return false;
  }
  return true;
}

/** The source, with its interval, lookback and drill pattern from the configuration. */
export function restoreTasks(settings: RestoreTaskSettings) {
  return defineStateSource({
    name: 'restore_tasks',
    action: 'DescribeRestoreTaskList',
    schedule: { intervalMs: settings.intervalMs },
    async poll({ api, info, nowMs, settings: poll }, previous: RestoreTasks | undefined) {
      const fetchStartMs = nextRestoreFetchStartMs(previous, nowMs, settings);
      const { items } = await listAll(
        api,
        'DescribeRestoreTaskList',
        { BackupPlanId: info.planId, StartTimestamp: fetchStartMs },
        { ...(poll.maxPages !== undefined ? { maxPages: poll.maxPages } : {}), map: (detail) => observeRestoreTask(detail, settings.drillPattern) },
      );
      const notices: SourceNotice[] = items
        .filter((task) => task.state === 'unknown')
        .map((task) => ({
          key: `restore:${task.rawStatus}`,
          message: 'unknown restore task status from DBS; reported as state="unknown"',
          fields: { status: task.rawStatus, backup_plan_id: info.planId },
        }));
      return { state: mergeRestoreTasks(previous, items, { nowMs, fetchStartMs, lookbackMs: settings.lookbackMs }), notices };
    },
    view: (state: RestoreTasks) => state,
  });
}
