/**
 * Pure job generation: the backup sets a plan's schedule has produced, for a window of
 * StartTimes, as seen at time `now`. Nothing here is stored, so a 5,000-plan fleet costs
 * only its plan records; a job is recomputed identically whenever it is asked for.
 */
import type { StorageMethod, WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';
import { errorMessage, fullBackupErrorCode } from './job-errors.js';
import { hashUnit } from './random.js';
import { DAY, HOUR, MINUTE, WEEKDAYS, type BackupPlan, type IncrementalBackupSchedule, type Interval, type StorageTiering } from './model.js';

/** Ids of generated sets embed the slot so a test can address them: `<planId>-full-<day>`. */
export function generatedFullId(planId: string, daySlot: number): string {
  return `${planId}-full-${daySlot}`;
}

export function generatedIncrementId(planId: string, slot: number): string {
  return `${planId}-incr-${slot}`;
}

export function storageMethodAt(tiering: StorageTiering, endTime: number, now: number): StorageMethod {
  const ageDays = (now - endTime) / DAY;
  if (ageDays >= tiering.archiveAfterDays) return 'Archive';
  if (ageDays >= tiering.iaAfterDays) return 'IA';
  return 'Standard';
}

function inWindows(windows: readonly Interval[], time: number): boolean {
  return windows.some((w) => w.from <= time && time < w.to);
}

/**
 * The generation windows cut at a prepaid plan's expiry: DBS starts no backup once the subscription
 * has ended. Applied when jobs are generated, so an expiry the clock passes later stops them then.
 */
export function activeWindows(plan: BackupPlan, windows: readonly Interval[]): readonly Interval[] {
  const stop = plan.subscription?.chargeType === 'PREPAY' ? plan.subscription.expiresAt : undefined;
  if (stop === undefined || windows.every((w) => w.to <= stop)) return windows;
  return windows.filter((w) => w.from < stop).map((w) => (w.to > stop ? { from: w.from, to: stop } : w));
}

/** Parses "HH:mm" into ms after midnight UTC; malformed values count as 00:00. */
export function timeOfDayMs(hhmm: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!match) return 0;
  return Number(match[1]) * HOUR + Number(match[2]) * MINUTE;
}

/** Longest a generated full can take (durations vary by ±15%). */
export function maxFullDurationMs(plan: BackupPlan): number {
  return Math.ceil(plan.full.durationMs * 1.15);
}

export interface GenerationRange {
  /** Inclusive lower bound on StartTime. */
  from: number;
  /** Inclusive upper bound on StartTime. */
  to: number;
  now: number;
  /** A full scheduled to start within this much of `now` is listed with status 'schedule'. */
  lookaheadMs: number;
}

/** Generated full backups with StartTime in [from, to], ascending by StartTime. */
export function generateFullBackups(plan: BackupPlan, allWindows: readonly Interval[], range: GenerationRange): WireFullBackupFile[] {
  const sets: WireFullBackupFile[] = [];
  const windows = activeWindows(plan, allWindows);
  if (windows.length === 0 || plan.full.weekdays.length === 0) return sets;
  const weekdays = new Set<string>(plan.full.weekdays);
  const offset = timeOfDayMs(plan.full.startTime);
  const firstDay = Math.floor((range.from - offset - 2 * MINUTE) / DAY);
  const lastDay = Math.floor((range.to - offset) / DAY);
  for (let day = firstDay; day <= lastDay; day++) {
    if (!weekdays.has(WEEKDAYS[(((day + 4) % 7) + 7) % 7] as string)) continue;
    const start = day * DAY + offset + Math.floor(hashUnit(plan.seed, day, 1) * 90_000);
    if (start < range.from || start > range.to || !inWindows(windows, start)) continue;
    const set = fullBackupAt(plan, day, start, range);
    if (set) sets.push(set);
  }
  return sets;
}

function fullBackupAt(plan: BackupPlan, day: number, start: number, range: GenerationRange): WireFullBackupFile | undefined {
  const { now } = range;
  const id = generatedFullId(plan.id, day);
  const base = { BackupSetId: id, StartTime: start, BackupObjects: plan.backupObjects, SourceEndpointIpPort: plan.sourceEndpointIpPort };
  if (start > now) {
    if (start - now > range.lookaheadMs) return undefined;
    return { ...base, BackupStatus: 'schedule', CreateTime: start - range.lookaheadMs, BackupSize: 0, StorageMethod: 'Standard', ErrMessage: '' };
  }
  const duration = Math.round(plan.full.durationMs * (0.85 + 0.3 * hashUnit(plan.seed, day, 2)));
  const end = start + duration;
  const ageDays = Math.max(0, (start - plan.createdAt) / DAY);
  const finalSize = Math.round(plan.full.sizeBytes * (0.95 + 0.1 * hashUnit(plan.seed, day, 3)) * (1 + 0.002 * ageDays));
  const createTime = start - 1_000 - Math.floor(hashUnit(plan.seed, day, 4) * 4_000);
  if (now < end) {
    return {
      ...base,
      BackupStatus: 'running',
      CreateTime: createTime,
      BackupSize: Math.floor((finalSize * (now - start)) / duration),
      StorageMethod: 'Standard',
      ErrMessage: '',
    };
  }
  const failedBySchedule = plan.full.failures?.some((f) => f.from <= start && start < f.to) ?? false;
  const failed = failedBySchedule || plan.full.outcome === 'failed';
  const errMessage = failedBySchedule ? errorMessage(fullBackupErrorCode(plan, start)) : (plan.full.errMessage ?? 'backup job failed');
  return {
    ...base,
    BackupStatus: failed ? 'failed' : 'finish',
    EndTime: end,
    FinishTime: end + 2_000 + Math.floor(hashUnit(plan.seed, day, 5) * 10_000),
    CreateTime: createTime,
    BackupSetExpiredTime: end + plan.retentionDays * DAY,
    BackupSize: failed ? Math.floor(finalSize * 0.2 * hashUnit(plan.seed, day, 6)) : finalSize,
    StorageMethod: storageMethodAt(plan.storage, end, now),
    ErrMessage: failed ? errMessage : '',
  };
}

/** Phase of the increment grid, so plans do not all roll their logs at the same instant. */
export function incrementPhase(plan: BackupPlan, intervalMs: number): number {
  return Math.floor(hashUnit(plan.seed, 7) * intervalMs);
}

/** Calls `visit` for each generated increment slot with StartTime in [from, to] (and not after now), ascending. */
function forEachIncrementSlot(plan: BackupPlan, allWindows: readonly Interval[], range: GenerationRange, visit: (slot: number, start: number) => void): void {
  const schedule = plan.incremental;
  if (!schedule || schedule.intervalMs <= 0) return;
  const interval = schedule.intervalMs;
  const phase = incrementPhase(plan, interval);
  for (const window of activeWindows(plan, allWindows)) {
    const from = Math.max(range.from, window.from);
    const to = Math.min(range.to, window.to - 1, range.now);
    if (from > to) continue;
    const lastSlot = Math.floor((to - phase) / interval);
    for (let slot = Math.ceil((from - phase) / interval); slot <= lastSlot; slot++) visit(slot, phase + slot * interval);
  }
}

/** BackupSize of the increment of `slot` at `now`: its final size once ended, growing until then. */
function incrementSize(plan: BackupPlan, schedule: IncrementalBackupSchedule, slot: number, start: number, now: number): number {
  const finalSize = Math.round(schedule.sizeBytes * (0.5 + hashUnit(plan.seed, slot, 8)));
  return now >= start + schedule.intervalMs ? finalSize : Math.floor((finalSize * (now - start)) / schedule.intervalMs);
}

/** Generated incremental (log) backups with StartTime in [from, to], ascending by StartTime. */
export function generateIncrementBackups(plan: BackupPlan, allWindows: readonly Interval[], range: GenerationRange): WireIncrementBackupFile[] {
  const sets: WireIncrementBackupFile[] = [];
  const schedule = plan.incremental;
  if (!schedule) return sets;
  forEachIncrementSlot(plan, allWindows, range, (slot, start) => {
    const end = start + schedule.intervalMs;
    const set: WireIncrementBackupFile = {
      BackupSetId: generatedIncrementId(plan.id, slot),
      BackupSetJobId: `${plan.id}-job-${slot}`,
      StartTime: start,
      SourceEndpointIpPort: plan.sourceEndpointIpPort,
      BackupStatus: 'FILLING',
      BackupSize: incrementSize(plan, schedule, slot, start, range.now),
      StorageMethod: 'Standard',
    };
    if (range.now >= end) {
      set.BackupStatus = schedule.outcome;
      set.EndTime = end;
      set.BackupSetExpiredTime = end + plan.retentionDays * DAY;
      set.StorageMethod = storageMethodAt(plan.storage, end, range.now);
    }
    sets.push(set);
  });
  return sets;
}

/** The BackupSize total of what generateIncrementBackups would answer, without building the sets (billing sums a month of them). */
export function generatedIncrementBytes(plan: BackupPlan, allWindows: readonly Interval[], range: GenerationRange): number {
  const schedule = plan.incremental;
  let total = 0;
  if (schedule) forEachIncrementSlot(plan, allWindows, range, (slot, start) => (total += incrementSize(plan, schedule, slot, start, range.now)));
  return total;
}

/** Earliest StartTime of a set that can still be listed at `now` (older ones have expired). */
export function oldestListableStart(plan: BackupPlan, now: number): number {
  const longestJob = Math.max(maxFullDurationMs(plan), plan.incremental?.intervalMs ?? 0);
  return Math.max(plan.createdAt, now - plan.retentionDays * DAY - longestJob - MINUTE);
}
