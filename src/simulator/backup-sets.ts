/**
 * A plan's backup sets as the list actions show them at a given time: generated sets with the
 * test's patches and removals applied, plus explicitly added ones, newest first.
 */
import type { WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';
import { DAY, HOUR, MINUTE, type BackupKind, type FullBackupInput, type IncrementBackupInput } from './model.js';
import type { PlanState } from './plan-state.js';
import { completedLogTimes, type Span } from './restore.js';
import {
  activeWindows,
  generateFullBackups,
  generateIncrementBackups,
  generatedFullId,
  generatedIncrementId,
  incrementPhase,
  oldestListableStart,
  type GenerationRange,
} from './schedule.js';

/** Filters of the backup-set list actions; bounds apply to StartTime, inclusive. */
export interface BackupSetFilter {
  startTimestamp?: number;
  endTimestamp?: number;
  backupSetId?: string;
}

type AnySet = WireFullBackupFile | WireIncrementBackupFile;

function byStartDescending(a: { StartTime?: number | string | null }, b: { StartTime?: number | string | null }): number {
  return Number(b.StartTime ?? 0) - Number(a.StartTime ?? 0);
}

function notExpired(set: { BackupSetExpiredTime?: number | string | null }, now: number): boolean {
  const expires = set.BackupSetExpiredTime;
  return expires === undefined || expires === null || Number(expires) === 0 || Number(expires) >= now;
}

function startWithin(set: { StartTime?: number | string | null }, filter: BackupSetFilter): boolean {
  const start = Number(set.StartTime ?? 0);
  return (filter.startTimestamp === undefined || start >= filter.startTimestamp) && (filter.endTimestamp === undefined || start <= filter.endTimestamp);
}

export function collectSets(state: PlanState, kind: 'full', filter: BackupSetFilter, now: number, lookaheadMs: number): WireFullBackupFile[];
export function collectSets(state: PlanState, kind: 'incremental', filter: BackupSetFilter, now: number, lookaheadMs: number): WireIncrementBackupFile[];
export function collectSets(state: PlanState, kind: BackupKind, filter: BackupSetFilter, now: number, lookaheadMs: number): AnySet[] {
  const range: GenerationRange = {
    from: Math.max(oldestListableStart(state.plan, now), filter.startTimestamp ?? -Infinity),
    to: Math.min(now + lookaheadMs, filter.endTimestamp ?? Infinity),
    now,
    lookaheadMs,
  };
  const generated =
    range.from > range.to
      ? []
      : kind === 'full'
        ? generateFullBackups(state.plan, state.windows.full, range)
        : generateIncrementBackups(state.plan, state.windows.incremental, range);
  const sets: AnySet[] = [];
  for (const set of generated) {
    if (state.removed?.has(set.BackupSetId)) continue;
    const patch = state.patches?.get(set.BackupSetId);
    sets.push(patch ? { ...set, ...patch } : set);
  }
  for (const set of kind === 'full' ? state.addedFull : state.addedIncrement) sets.push({ ...set });
  return sets
    .filter((s) => notExpired(s, now) && startWithin(s, filter) && (filter.backupSetId === undefined || s.BackupSetId === filter.backupSetId))
    .sort(byStartDescending);
}

/**
 * What each COMPLETED log backup listable at `now` covers, as collectSets would list them. Untouched
 * generated logs are computed per window, not built one set at a time: a week of 5-minute logs is 2,016 sets.
 */
export function completedLogs(state: PlanState, now: number, lookaheadMs: number): Span[] {
  const schedule = state.plan.incremental;
  if (!schedule) return [];
  if (state.patches?.size || state.removed?.size || schedule.intervalMs <= 0) {
    return completedLogTimes(collectSets(state, 'incremental', {}, now, lookaheadMs));
  }
  const added = completedLogTimes(state.addedIncrement.filter((s) => notExpired(s, now)));
  if (schedule.outcome !== 'COMPLETED') return added;
  const interval = schedule.intervalMs;
  const phase = incrementPhase(state.plan, interval);
  const listableFrom = oldestListableStart(state.plan, now);
  // A generated log is listed once it started in a window and until it expires; it is COMPLETED once it ended.
  const unexpiredFrom = now - state.plan.retentionDays * DAY - interval;
  const spans: Span[] = [];
  for (const window of activeWindows(state.plan, state.windows.incremental)) {
    const first = Math.max(Math.ceil((Math.max(listableFrom, window.from) - phase) / interval), Math.ceil((unexpiredFrom - phase) / interval));
    const last = Math.min(Math.floor((Math.min(window.to - 1, now) - phase) / interval), Math.floor((now - interval - phase) / interval));
    if (first <= last) spans.push({ begin: phase + first * interval, end: phase + (last + 1) * interval });
  }
  return [...spans, ...added];
}

/**
 * The plan-level restore window of DescribeBackupPlanList. Begin: end of the oldest finished full
 * still kept. End: the latest point covered by a finished full or COMPLETED log backup.
 */
export function planRestoreWindow(state: PlanState, now: number, lookaheadMs: number): { begin: number; end: number } | undefined {
  const finishedFulls = collectSets(state, 'full', {}, now, lookaheadMs).filter((s) => s.BackupStatus === 'finish' && s.EndTime);
  if (finishedFulls.length === 0) return undefined;
  const begin = Math.min(...finishedFulls.map((s) => Number(s.EndTime)));
  let end = Math.max(...finishedFulls.map((s) => Number(s.EndTime)));
  const latestLog = latestCompletedIncrement(state, now, lookaheadMs);
  if (latestLog !== undefined) end = Math.max(end, latestLog);
  return { begin, end };
}

/** EndTime of the newest COMPLETED increment, scanning back in chunks to avoid listing the whole retention. */
function latestCompletedIncrement(state: PlanState, now: number, lookaheadMs: number): number | undefined {
  const oldest = oldestListableStart(state.plan, now) - DAY;
  const chunk = Math.max(6 * HOUR, 24 * (state.plan.incremental?.intervalMs ?? 0));
  const hasAdded = state.addedIncrement.length > 0;
  for (let to = now; to > oldest; to -= chunk) {
    const filter = { startTimestamp: hasAdded ? undefined : to - chunk + 1, endTimestamp: hasAdded ? undefined : to };
    const latest = collectSets(state, 'incremental', filter, now, lookaheadMs).find((s) => s.BackupStatus === 'COMPLETED' && s.EndTime);
    if (latest) return Number(latest.EndTime);
    if (hasAdded) return undefined;
  }
  return undefined;
}

/** An explicit full with defaults: finished one hour before `now`, expiry from the plan's retention. */
export function fullBackupFrom(state: PlanState, input: FullBackupInput, id: string, now: number): WireFullBackupFile {
  const plan = state.plan;
  const start = Number(input.StartTime ?? now - HOUR - plan.full.durationMs);
  const end = Number(input.EndTime ?? start + plan.full.durationMs);
  return {
    BackupSetId: id,
    BackupStatus: 'finish',
    StartTime: start,
    EndTime: end,
    FinishTime: end + 5_000,
    CreateTime: start - 2_000,
    BackupSetExpiredTime: end + plan.retentionDays * DAY,
    BackupSize: plan.full.sizeBytes,
    StorageMethod: 'Standard',
    ErrMessage: '',
    BackupObjects: plan.backupObjects,
    SourceEndpointIpPort: plan.sourceEndpointIpPort,
    ...input,
  };
}

/** An explicit increment with defaults: a COMPLETED one that ended 5 minutes before `now`. */
export function incrementBackupFrom(state: PlanState, input: IncrementBackupInput, id: string, now: number): WireIncrementBackupFile {
  const plan = state.plan;
  const interval = plan.incremental?.intervalMs ?? 5 * MINUTE;
  const start = Number(input.StartTime ?? now - 5 * MINUTE - interval);
  const end = Number(input.EndTime ?? start + interval);
  return {
    BackupSetId: id,
    BackupSetJobId: `${id}-job`,
    BackupStatus: 'COMPLETED',
    StartTime: start,
    EndTime: end,
    BackupSetExpiredTime: end + plan.retentionDays * DAY,
    BackupSize: plan.incremental?.sizeBytes ?? 16 * 1024 ** 2,
    StorageMethod: 'Standard',
    SourceEndpointIpPort: plan.sourceEndpointIpPort,
    ...input,
  };
}

export function isGeneratedId(planId: string, backupSetId: string): boolean {
  const match = /^(.*)-(full|incr)-(-?\d+)$/.exec(backupSetId);
  if (!match || match[1] !== planId) return false;
  const slot = Number(match[3]);
  return backupSetId === (match[2] === 'full' ? generatedFullId(planId, slot) : generatedIncrementId(planId, slot));
}

/** Id of the newest full that had finished by `time` (what a restore to `time` starts from), expired or not. */
export function fullBefore(state: PlanState, time: number): string | undefined {
  const range: GenerationRange = { from: time - 8 * DAY, to: time, now: time, lookaheadMs: 0 };
  const generated = generateFullBackups(state.plan, state.windows.full, range).filter((s) => !state.removed?.has(s.BackupSetId));
  const candidates = [...generated, ...state.addedFull].filter((s) => s.BackupStatus === 'finish' && s.EndTime != null && Number(s.EndTime) <= time);
  return candidates.sort((a, b) => Number(b.EndTime) - Number(a.EndTime))[0]?.BackupSetId;
}
