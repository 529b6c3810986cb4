/**
 * The pure transition of a backup type's state: previous state + one poll's listing → next
 * state. No I/O; every decision (what counts as a new success, when a running job last made
 * progress, what falls out of the tracked window) is unit-tested without HTTP.
 */
import { ArchivedJobs } from './archive.js';
import { type BackupTypeFields, BackupTypeState } from './backup-type-state.js';
import { type ObservedJob, TrackedJob, sameJob } from './observe.js';
import type { JobOutcome } from './packed.js';
import { isTerminal } from './status.js';

export interface MergeContext {
  nowMs: number;
  /** The StartTimestamp the poll asked from: a tracked job at or after it that was not returned is gone. */
  fetchStartMs: number;
  /** Terminal jobs that started before this fall out of the tracked window. */
  windowStartMs: number;
  /**
   * The poll overlap: when given, finished jobs the *next* poll will not ask about are
   * archived right away (so even the first, lookback poll never holds its whole history as objects).
   */
  overlapMs?: number;
}

/** Counters and high-water marks carried from one state to the next. */
interface Tally {
  succeededTotal: number;
  failedTotal: number;
  succeededBytesTotal: number;
  lastSuccess: JobOutcome | undefined;
  lastFailureEndMs: number | undefined;
  watermarkMs: number | undefined;
}

/**
 * Merge one poll's listing into the previous state. The first poll of a plan (prev
 * undefined) sets a baseline: jobs already finished then are not counted as new
 * successes or failures, so an exporter restart never makes counters jump.
 */
export function mergeJobs(prev: BackupTypeState | undefined, observed: readonly ObservedJob[], ctx: MergeContext): BackupTypeState {
  const tally: Tally = {
    succeededTotal: prev?.succeededTotal ?? 0,
    failedTotal: prev?.failedTotal ?? 0,
    succeededBytesTotal: prev?.succeededBytesTotal ?? 0,
    lastSuccess: prev?.lastSuccess,
    lastFailureEndMs: prev?.lastFailureEndMs,
    watermarkMs: prev?.watermarkMs,
  };
  const jobs = new Map<string, TrackedJob>();
  const seen = trackListedJobs(prev, observed, ctx, jobs, tally);
  keepUnaskedJobs(prev, seen, ctx.fetchStartMs, jobs);

  const previous = prev?.archive ?? ArchivedJobs.EMPTY;
  const archiveBeforeMs = Math.max(ctx.fetchStartMs, nextStartAfterMerge(jobs, tally.watermarkMs, ctx));
  const archive = archiveFinishedJobs(jobs, previous, archiveBeforeMs, ctx);
  const next = nextState(prev, ctx, jobs, archive, tally, Math.max(prev?.archivedBeforeMs ?? -Infinity, archiveBeforeMs));
  // Nothing changed: keep the previous state object, so what was derived from it (its summary) is reused too.
  if (prev && archive === previous && prev.sameNumbers(next) && sameEntries(jobs, prev.jobs)) return prev;
  return next;
}

/** Each listed job, tracked (and counted once when it finishes); returns the ids listed. */
function trackListedJobs(
  prev: BackupTypeState | undefined,
  observed: readonly ObservedJob[],
  ctx: MergeContext,
  jobs: Map<string, TrackedJob>,
  tally: Tally,
): Set<string> {
  const baseline = prev === undefined;
  const archivedBeforeMs = prev?.archivedBeforeMs;
  const seen = new Set<string>();
  for (const job of observed) {
    if (seen.has(job.id)) continue; // a page boundary that shifted can repeat an item
    seen.add(job.id);
    const before = prev?.jobs.get(job.id);
    // Listed again after it was archived (the clock stepped back): already counted.
    if (!before && archivedBeforeMs !== undefined && job.startMs !== undefined && job.startMs < archivedBeforeMs && isTerminal(job.state)) continue;
    const grew = before === undefined ? job.sizeBytes > 0 : job.sizeBytes > before.sizeBytes;
    const lastProgressMs = before === undefined ? (grew ? ctx.nowMs : (job.startMs ?? ctx.nowMs)) : grew ? ctx.nowMs : before.lastProgressMs;
    let counted = before?.counted ?? false;
    if (!counted && isTerminal(job.state)) {
      counted = true;
      if (!baseline) countFinished(job, tally);
    }
    // An unchanged job keeps its object: a steady poll re-lists the overlap window, and
    // fresh copies of the same jobs every cycle would all end up as old-generation garbage.
    const unchanged = before && before.counted === counted && before.lastProgressMs === lastProgressMs && sameJob(before, job);
    jobs.set(job.id, unchanged ? before : TrackedJob.of(job, counted, lastProgressMs));
    noteOutcome(job, tally);
  }
  return seen;
}

function countFinished(job: ObservedJob, tally: Tally): void {
  if (job.state === 'succeeded') {
    tally.succeededTotal += 1;
    tally.succeededBytesTotal += job.sizeBytes;
  } else {
    tally.failedTotal += 1;
  }
}

/** Moves the watermark, the last success and the last failure forward for one listed job. */
function noteOutcome(job: ObservedJob, tally: Tally): void {
  if (job.startMs !== undefined) tally.watermarkMs = Math.max(tally.watermarkMs ?? job.startMs, job.startMs);
  const endMs = job.endMs ?? job.startMs;
  if (job.state === 'succeeded' && endMs !== undefined) {
    tally.lastSuccess = newer(tally.lastSuccess, {
      endMs,
      ...(job.startMs !== undefined ? { startMs: job.startMs } : {}),
      sizeBytes: job.sizeBytes,
      ...(job.expiryMs !== undefined ? { expiryMs: job.expiryMs } : {}),
    });
  } else if (job.state === 'failed' && endMs !== undefined) {
    tally.lastFailureEndMs = Math.max(tally.lastFailureEndMs ?? endMs, endMs);
  }
}

/**
 * Jobs tracked before but not in this listing: kept only if they lie before the window this
 * poll asked about (they were simply not asked for). Anything inside the asked window that did
 * not come back is gone.
 */
function keepUnaskedJobs(prev: BackupTypeState | undefined, seen: ReadonlySet<string>, fetchStartMs: number, jobs: Map<string, TrackedJob>): void {
  for (const [id, job] of prev?.jobs ?? []) {
    if (seen.has(id)) continue;
    const start = job.startMs ?? 0;
    if (start >= fetchStartMs) continue;
    jobs.set(id, job);
  }
}

/** Where the next poll will start asking, given the jobs and watermark this merge leaves. */
function nextStartAfterMerge(jobs: ReadonlyMap<string, TrackedJob>, watermarkMs: number | undefined, ctx: MergeContext): number {
  if (ctx.overlapMs === undefined) return ctx.fetchStartMs;
  return nextFetchStartMs({ jobs, watermarkMs }, { nowMs: ctx.nowMs, lookbackMs: ctx.nowMs - ctx.windowStartMs, overlapMs: ctx.overlapMs });
}

/**
 * Drops from `jobs` what left the tracked window or expired, moves finished jobs the next poll
 * will not ask about into the archive, and keeps archived rows still in the window and unexpired.
 */
function archiveFinishedJobs(jobs: Map<string, TrackedJob>, previous: ArchivedJobs, archiveBeforeMs: number, ctx: MergeContext): ArchivedJobs {
  const toArchive: TrackedJob[] = [];
  for (const [id, job] of jobs) {
    const start = job.startMs ?? ctx.nowMs;
    const expired = job.expiryMs !== undefined && job.expiryMs <= ctx.nowMs;
    if (!isTerminal(job.state)) {
      // Unfinished for longer than the window: no longer tracked (and no longer re-read).
      if (start < ctx.windowStartMs) jobs.delete(id);
      continue;
    }
    if (start < ctx.windowStartMs || expired) jobs.delete(id);
    else if (start < archiveBeforeMs) {
      toArchive.push(job);
      jobs.delete(id);
    }
  }
  const stays = (i: number) => previous.startMs(i) >= ctx.windowStartMs && !(previous.expiryMs(i) <= ctx.nowMs);
  let kept = 0;
  for (let i = 0; i < previous.length; i++) if (stays(i)) kept += 1;
  if (kept === previous.length && toArchive.length === 0) return previous;
  const builder = ArchivedJobs.builder(kept + toArchive.length);
  for (let i = 0; i < previous.length; i++) if (stays(i)) previous.copyRow(i, builder);
  for (const job of toArchive) builder.push(job.startMs ?? ctx.nowMs, job.state, job.storageClass, job.sizeBytes, job.expiryMs);
  return builder.finish();
}

function nextState(
  prev: BackupTypeState | undefined,
  ctx: MergeContext,
  jobs: ReadonlyMap<string, TrackedJob>,
  archive: ArchivedJobs,
  tally: Tally,
  archivedBeforeMs: number,
): BackupTypeState {
  const { watermarkMs, lastSuccess, lastFailureEndMs } = tally;
  const historyStartMs = prev === undefined ? ctx.fetchStartMs : prev.historyStartMs;
  const fields: BackupTypeFields = {
    jobs,
    archive,
    archivedBeforeMs,
    ...(watermarkMs !== undefined ? { watermarkMs } : {}),
    ...(lastSuccess !== undefined ? { lastSuccess } : {}),
    ...(lastFailureEndMs !== undefined ? { lastFailureEndMs } : {}),
    ...(historyStartMs !== undefined ? { historyStartMs } : {}),
    succeededTotal: tally.succeededTotal,
    failedTotal: tally.failedTotal,
    succeededBytesTotal: tally.succeededBytesTotal,
  };
  return BackupTypeState.of(fields);
}

/**
 * Where the next poll should start asking: the watermark minus an overlap margin (late
 * arrivals, clock skew), but never after the oldest job that has not finished yet, so
 * running jobs are re-read until they end.
 */
export function nextFetchStartMs(
  state: Pick<BackupTypeFields, 'jobs' | 'watermarkMs'> | undefined,
  ctx: { nowMs: number; lookbackMs: number; overlapMs: number },
): number {
  const initial = ctx.nowMs - ctx.lookbackMs;
  if (!state || state.watermarkMs === undefined) return initial;
  let start = Math.min(state.watermarkMs - ctx.overlapMs, ctx.nowMs - ctx.overlapMs);
  for (const job of state.jobs.values()) {
    if (!isTerminal(job.state) && job.startMs !== undefined) start = Math.min(start, job.startMs);
  }
  // A job unfinished since before the lookback does not pin the window forever: steady
  // polls cost what is new, not what is old.
  return Math.max(start, initial, 0);
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

function newer(a: JobOutcome | undefined, b: JobOutcome | undefined): JobOutcome | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.endMs > a.endMs ? b : a;
}
