/**
 * What the metrics read about one backup type of a plan: a summary derived from its state,
 * next to the snapshot types that carry it to metrics/ and server/.
 */
import type { BackupTypeState } from './backup-type-state.js';
import type { TrackedJob } from './observe.js';
import { type JobOutcome, JOB_STATE_INDEX, STORAGE_INDEX, outcomeAt, present, putOutcome } from './packed.js';
import { JOB_STATES, STORAGE_CLASSES, type JobState, type StorageClass } from './status.js';

export type { JobOutcome } from './packed.js';

export interface RunningJobSummary {
  sinceMs: number;
  lastProgressMs: number;
  sizeBytes: number;
}

/* Layout of a packed summary: one array of doubles per backup type of a plan. */
const S = JOB_STATES.length;
const C = STORAGE_CLASSES.length;
const AT_JOBS = 0;
const AT_SETS = AT_JOBS + S;
const AT_SET_BYTES = AT_SETS + C;
/** lastSuccess: endMs (NaN = none), startMs, sizeBytes, expiryMs (NaN = not given). */
const AT_LAST = AT_SET_BYTES + C;
const AT_FAILURE = AT_LAST + 4;
const AT_HISTORY_START = AT_FAILURE + 1;
/** running: sinceMs (NaN = none), lastProgressMs, sizeBytes. */
const AT_RUNNING = AT_HISTORY_START + 1;
const AT_TOTALS = AT_RUNNING + 3;
/** When the summary stops being true by itself (Infinity: never). */
const AT_VALID_UNTIL = AT_TOTALS + 3;
const SUMMARY_WIDTH = AT_VALID_UNTIL + 1;

function record<K extends string>(keys: readonly K[], values: readonly number[], at: number): Record<K, number> {
  const out = {} as Record<K, number>;
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[at + i]!;
  return out;
}

/**
 * Every value is a number, so a summary is one array of doubles rather than a tree of small
 * objects (docs/design/collector-state.md); the getters build the familiar shapes on demand.
 */
export class BackupTypeSummary {
  /** @internal use summariseUntil() */
  constructor(private readonly values: readonly number[]) {}

  get lastSuccess(): JobOutcome | undefined {
    return outcomeAt(this.values, AT_LAST);
  }

  /** The first time after the summary was made at which it changes by itself (the next expiry of a counted backup set). */
  get validUntilMs(): number {
    return this.values[AT_VALID_UNTIL]!;
  }

  get lastFailureEndMs(): number | undefined {
    return present(this.values[AT_FAILURE]!);
  }

  get historyStartMs(): number | undefined {
    return present(this.values[AT_HISTORY_START]!);
  }

  get running(): RunningJobSummary | undefined {
    const v = this.values;
    const sinceMs = present(v[AT_RUNNING]!);
    return sinceMs === undefined ? undefined : { sinceMs, lastProgressMs: v[AT_RUNNING + 1]!, sizeBytes: v[AT_RUNNING + 2]! };
  }

  get jobsByState(): Record<JobState, number> {
    return record(JOB_STATES, this.values, AT_JOBS);
  }

  get setsByStorage(): Record<StorageClass, number> {
    return record(STORAGE_CLASSES, this.values, AT_SETS);
  }

  get setBytesByStorage(): Record<StorageClass, number> {
    return record(STORAGE_CLASSES, this.values, AT_SET_BYTES);
  }

  get succeededTotal(): number {
    return this.values[AT_TOTALS]!;
  }

  get failedTotal(): number {
    return this.values[AT_TOTALS + 1]!;
  }

  get succeededBytesTotal(): number {
    return this.values[AT_TOTALS + 2]!;
  }

  /** The summary as plain data (what JSON.stringify shows), absent values left out. */
  toJSON(): SummaryView {
    const { lastSuccess, lastFailureEndMs, historyStartMs, running } = this;
    return {
      ...(lastSuccess ? { lastSuccess } : {}),
      ...(lastFailureEndMs !== undefined ? { lastFailureEndMs } : {}),
      ...(historyStartMs !== undefined ? { historyStartMs } : {}),
      ...(running ? { running } : {}),
      jobsByState: this.jobsByState,
      setsByStorage: this.setsByStorage,
      setBytesByStorage: this.setBytesByStorage,
      succeededTotal: this.succeededTotal,
      failedTotal: this.failedTotal,
      succeededBytesTotal: this.succeededBytesTotal,
    };
  }
}

export interface SummaryView {
  lastSuccess?: JobOutcome;
  lastFailureEndMs?: number;
  historyStartMs?: number;
  running?: RunningJobSummary;
  jobsByState: Record<JobState, number>;
  setsByStorage: Record<StorageClass, number>;
  setBytesByStorage: Record<StorageClass, number>;
  succeededTotal: number;
  failedTotal: number;
  succeededBytesTotal: number;
}

function stalledLonger(a: TrackedJob, b: TrackedJob): boolean {
  if (a.lastProgressMs !== b.lastProgressMs) return a.lastProgressMs < b.lastProgressMs;
  return (a.startMs ?? Infinity) < (b.startMs ?? Infinity);
}

export function summarise(state: BackupTypeState, nowMs: number): BackupTypeSummary {
  return summariseUntil(state, nowMs).summary;
}

/**
 * A summary and the first time after nowMs at which it changes by itself (the next expiry of
 * a counted backup set; Infinity when none): until then, and while the state object is the
 * same, the summary can be reused.
 */
export function summariseUntil(state: BackupTypeState, nowMs: number): { summary: BackupTypeSummary; validUntilMs: number } {
  // Doubles from the start (NaN = absent), so V8 stores them unboxed in one backing array.
  const v: number[] = new Array<number>(SUMMARY_WIDTH).fill(NaN);
  v.fill(0, AT_JOBS, AT_LAST);
  const { running, validUntilMs: trackedUntilMs } = addTrackedJobs(v, state.jobs, nowMs);
  const validUntilMs = Math.min(trackedUntilMs, state.archive.addTo(v, nowMs, AT_JOBS, AT_SETS, AT_SET_BYTES));
  putOutcome(v, AT_LAST, state.lastSuccess);
  v[AT_FAILURE] = state.lastFailureEndMs ?? NaN;
  v[AT_HISTORY_START] = state.historyStartMs ?? NaN;
  if (running) {
    v[AT_RUNNING] = running.startMs ?? running.lastProgressMs;
    v[AT_RUNNING + 1] = running.lastProgressMs;
    v[AT_RUNNING + 2] = running.sizeBytes;
  }
  v[AT_TOTALS] = state.succeededTotal;
  v[AT_TOTALS + 1] = state.failedTotal;
  v[AT_TOTALS + 2] = state.succeededBytesTotal;
  v[AT_VALID_UNTIL] = validUntilMs;
  return { summary: new BackupTypeSummary(v), validUntilMs };
}

/** Counts the tracked jobs into `v`; returns the running job to report and the earliest expiry after nowMs. */
function addTrackedJobs(v: number[], jobs: ReadonlyMap<string, TrackedJob>, nowMs: number): { running: TrackedJob | undefined; validUntilMs: number } {
  let validUntilMs = Infinity;
  let running: TrackedJob | undefined;
  for (const job of jobs.values()) {
    v[AT_JOBS + JOB_STATE_INDEX[job.state]]! += 1;
    if (job.state === 'succeeded' && (job.expiryMs === undefined || job.expiryMs > nowMs)) {
      const storage = STORAGE_INDEX[job.storageClass];
      v[AT_SETS + storage]! += 1;
      v[AT_SET_BYTES + storage]! += job.sizeBytes;
      if (job.expiryMs !== undefined && job.expiryMs < validUntilMs) validUntilMs = job.expiryMs;
    }
    // Of several running jobs, report the one that has gone longest without progress: a stall
    // must not hide behind a newer job that is moving. Ties (a process's first sight of both)
    // go to the one that started first, so a restarted exporter reports the same job.
    if (job.state === 'running' && (running === undefined || stalledLonger(job, running))) running = job;
  }
  return { running, validUntilMs };
}
