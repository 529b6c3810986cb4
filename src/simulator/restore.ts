/**
 * Restorable time (DescribeRestoreRangeInfo), derived from the same backup sets the list actions
 * show, so the two can never disagree. With log backup on, a `range` runs from the end of a finished
 * full while COMPLETED log backups cover time without a hole; a full no log covers is a `point`.
 * With log backup off every finished full is a `point`.
 */
import type { WireFullBackupFile, WireIncrementBackupFile, WireRecoverRange } from '../dbs/schemas.js';
import type { BackupPlan } from './model.js';

export interface RestoreWindow {
  /** Inclusive bounds, epoch ms. */
  begin: number;
  end: number;
  /** Only the newest range (RecentlyRestore=true). */
  recentOnly?: boolean;
}

interface FinishedFull {
  id: string;
  start: number;
  end: number;
}

/** A stretch of time, both ends inclusive, epoch ms. */
export interface Span {
  begin: number;
  end: number;
}

function finishedFulls(fulls: readonly WireFullBackupFile[]): FinishedFull[] {
  return fulls
    .filter((s) => s.BackupStatus === 'finish' && s.EndTime !== undefined && s.EndTime !== null)
    .map((s) => ({ id: s.BackupSetId, start: Number(s.StartTime ?? s.EndTime), end: Number(s.EndTime) }))
    .sort((a, b) => a.end - b.end);
}

/** What each COMPLETED log backup covers. */
export function completedLogTimes(increments: readonly WireIncrementBackupFile[]): Span[] {
  return increments
    .filter((s) => s.BackupStatus === 'COMPLETED' && s.StartTime != null && s.EndTime != null)
    .map((s) => ({ begin: Number(s.StartTime), end: Number(s.EndTime) }));
}

/** Time covered by log backups, merged into spans without holes, oldest first. */
export function logCoverage(logs: readonly Span[]): Span[] {
  const spans: Span[] = [];
  for (const set of [...logs].sort((a, b) => a.begin - b.begin)) {
    const last = spans[spans.length - 1];
    if (last && set.begin <= last.end) last.end = Math.max(last.end, set.end);
    else spans.push({ ...set });
  }
  return spans;
}

/** Every restorable range and point of the plan, oldest first, unclipped; `logs`: what each COMPLETED log backup covers. */
export function restorableTime(plan: BackupPlan, fulls: readonly WireFullBackupFile[], logs: readonly Span[]): WireRecoverRange[] {
  const source = { SourceEndpointInstanceType: plan.sourceEndpointInstanceType, SourceEndpointInstanceID: plan.sourceEndpointInstanceId };
  const finished = finishedFulls(fulls);
  const spans = plan.incremental ? logCoverage(logs) : [];
  const out: WireRecoverRange[] = [];
  const covered = new Set<string>();
  for (const span of spans) {
    const first = finished.find((f) => f.end >= span.begin && f.end <= span.end);
    if (!first) continue;
    for (const f of finished) if (f.end >= first.end && f.end <= span.end) covered.add(f.id);
    out.push({ RangeType: 'range', BeginTimestampForRestore: first.end, EndTimestampForRestore: span.end, ...source });
  }
  for (const f of finished) {
    if (covered.has(f.id)) continue;
    const FullBackupList = { FullBackupDetail: [{ BackupSetId: f.id, StartTime: f.start, EndTime: f.end }] };
    out.push({ RangeType: 'point', BeginTimestampForRestore: f.end, EndTimestampForRestore: f.end, FullBackupList, ...source });
  }
  return out.sort((a, b) => Number(a.BeginTimestampForRestore) - Number(b.BeginTimestampForRestore));
}

/** Ranges cut to the asked window; points outside it and ranges not touching it drop out. */
export function clipToWindow(ranges: readonly WireRecoverRange[], window: RestoreWindow): WireRecoverRange[] {
  const clipped: WireRecoverRange[] = [];
  for (const range of ranges) {
    const begin = Math.max(Number(range.BeginTimestampForRestore), window.begin);
    const end = Math.min(Number(range.EndTimestampForRestore), window.end);
    if (begin > end) continue;
    clipped.push({ ...range, BeginTimestampForRestore: begin, EndTimestampForRestore: end });
  }
  return window.recentOnly ? clipped.slice(-1) : clipped;
}
