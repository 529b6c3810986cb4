/**
 * What the exporter remembers about each backup plan between polls, and the pure
 * functions that move it forward: previous state + what one poll fetched → next state.
 * No I/O here; every decision (what counts as a new success, when a running job last
 * made progress, what falls out of the tracked window) is unit-tested without HTTP.
 */
import type { BackupPlanDetail, FullBackupFile, IncrementBackupFile } from '../dbs/schemas.js';
import {
  type BackupType,
  type JobState,
  JOB_STATES,
  STORAGE_CLASSES,
  type StorageClass,
  fullBackupIntervalSeconds,
  isTerminal,
  normaliseJobState,
  normaliseStorageClass,
} from './status.js';

/** A number kept in a double array, where NaN stands for "not set". */
const present = (value: number): number | undefined => (Number.isNaN(value) ? undefined : value);

/** One backup job as DBS reported it, in the exporter's vocabulary. */
export interface ObservedJob {
  id: string;
  rawStatus: string;
  state: JobState;
  startMs?: number;
  endMs?: number;
  sizeBytes: number;
  storageClass: StorageClass;
  expiryMs?: number;
}

/**
 * A job in the tracked window. Its numbers (epoch milliseconds, bytes) are kept in one array of
 * doubles: as object fields V8 would box each as a heap object of its own (~12,000 tracked jobs
 * at 5,000 plans, walked by every full GC).
 */
export class TrackedJob implements ObservedJob {
  private constructor(
    readonly id: string,
    readonly rawStatus: string,
    readonly state: JobState,
    readonly storageClass: StorageClass,
    /** Already reflected in the _total counters (or part of the first poll's baseline). */
    readonly counted: boolean,
    /** startMs, endMs, sizeBytes, expiryMs, lastProgressMs (NaN = not given). */
    private readonly n: readonly number[],
  ) {}

  static of(job: ObservedJob, counted: boolean, lastProgressMs: number): TrackedJob {
    const n: number[] = new Array<number>(5).fill(NaN);
    n[0] = job.startMs ?? NaN;
    n[1] = job.endMs ?? NaN;
    n[2] = job.sizeBytes;
    n[3] = job.expiryMs ?? NaN;
    n[4] = lastProgressMs;
    return new TrackedJob(job.id, job.rawStatus, job.state, job.storageClass, counted, n);
  }

  get startMs(): number | undefined {
    return present(this.n[0]!);
  }

  get endMs(): number | undefined {
    return present(this.n[1]!);
  }

  get sizeBytes(): number {
    return this.n[2]!;
  }

  get expiryMs(): number | undefined {
    return present(this.n[3]!);
  }

  /** Poll time (ms) at which BackupSize was last seen to grow. */
  get lastProgressMs(): number {
    return this.n[4]!;
  }

  /** The job as plain data (what JSON.stringify shows), unset values left out. */
  toJSON(): ObservedJob & { counted: boolean; lastProgressMs: number } {
    const { startMs, endMs, expiryMs } = this;
    return {
      id: this.id,
      rawStatus: this.rawStatus,
      state: this.state,
      ...(startMs !== undefined ? { startMs } : {}),
      ...(endMs !== undefined ? { endMs } : {}),
      sizeBytes: this.sizeBytes,
      storageClass: this.storageClass,
      ...(expiryMs !== undefined ? { expiryMs } : {}),
      counted: this.counted,
      lastProgressMs: this.lastProgressMs,
    };
  }
}

export interface JobOutcome {
  endMs: number;
  startMs?: number;
  sizeBytes: number;
  expiryMs?: number;
}

/**
 * Finished jobs that will not be read from DBS again (they started before the poll's
 * StartTimestamp), kept as rows of one Float64Array rather than objects: a 5,000-plan fleet
 * with log backups every few minutes has about 1.5 million of them in a 72-hour window.
 * 24 bytes a job, outside the JS heap (so the garbage collector never walks them), and
 * immutable: a poll that archives and drops nothing keeps the previous instance.
 *
 * A row is [startMs, sizeBytes, expiry * 256 + state * 16 + storage], the expiry a whole
 * millisecond (0 when DBS gave none; at most 2^44, the year 2527), so the third column
 * stays an exact integer below 2^53.
 */
export class ArchivedJobs {
  static readonly EMPTY = new ArchivedJobs(new Float64Array(0));
  static readonly WIDTH = 3;
  static readonly MAX_EXPIRY_MS = 2 ** 44;

  private constructor(private readonly rows: Float64Array) {}

  get length(): number {
    return this.rows.length / ArchivedJobs.WIDTH;
  }

  startMs(i: number): number {
    return this.rows[i * 3]!;
  }

  sizeBytes(i: number): number {
    return this.rows[i * 3 + 1]!;
  }

  /** NaN when DBS gave no expiry. */
  expiryMs(i: number): number {
    const expiry = Math.floor(this.rows[i * 3 + 2]! / 256);
    return expiry === 0 ? NaN : expiry;
  }

  state(i: number): JobState {
    return JOB_STATES[(this.rows[i * 3 + 2]! % 256) >> 4]!;
  }

  storage(i: number): StorageClass {
    return STORAGE_CLASSES[this.rows[i * 3 + 2]! % 16]!;
  }

  /** A builder for the next archive, sized for `capacity` rows. */
  static builder(capacity: number): ArchiveBuilder {
    return new ArchiveBuilder(capacity);
  }

  /** @internal */
  static fromRows(rows: Float64Array): ArchivedJobs {
    return rows.length === 0 ? ArchivedJobs.EMPTY : new ArchivedJobs(rows);
  }

  /**
   * @internal Add every row to a summary's counters (read straight from the packed rows, no
   * per-row lookups: at 5,000 plans a cycle's summaries walk ~1.5 million rows): jobs by state
   * at `atJobs`; sets and bytes by storage at `atSets` / `atSetBytes` for succeeded, unexpired
   * jobs. Returns the earliest expiry after nowMs (Infinity when none).
   */
  addTo(v: number[], nowMs: number, atJobs: number, atSets: number, atSetBytes: number): number {
    const rows = this.rows;
    let validUntilMs = Infinity;
    for (let at = 0; at < rows.length; at += 3) {
      const packed = rows[at + 2]!;
      const low = packed % 256;
      const stateIndex = low >> 4;
      v[atJobs + stateIndex]! += 1;
      if (stateIndex !== SUCCEEDED_INDEX) continue;
      const expiry = Math.floor(packed / 256);
      if (expiry !== 0 && expiry <= nowMs) continue;
      const storage = low % 16;
      v[atSets + storage]! += 1;
      v[atSetBytes + storage]! += rows[at + 1]!;
      if (expiry !== 0 && expiry < validUntilMs) validUntilMs = expiry;
    }
    return validUntilMs;
  }

  /** @internal copy row i into a builder. */
  copyRow(i: number, to: ArchiveBuilder): void {
    to.pushRaw(this.rows[i * 3]!, this.rows[i * 3 + 1]!, this.rows[i * 3 + 2]!);
  }
}

class ArchiveBuilder {
  private rows: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.rows = new Float64Array(Math.max(0, capacity) * ArchivedJobs.WIDTH);
  }

  push(startMs: number, state: JobState, storage: StorageClass, sizeBytes: number, expiryMs: number | undefined): void {
    const expiry = expiryMs === undefined || !(expiryMs > 0) ? 0 : Math.min(Math.max(1, Math.round(expiryMs)), ArchivedJobs.MAX_EXPIRY_MS);
    this.pushRaw(startMs, sizeBytes, expiry * 256 + JOB_STATE_INDEX[state] * 16 + STORAGE_INDEX[storage]);
  }

  pushRaw(startMs: number, sizeBytes: number, packed: number): void {
    if ((this.count + 1) * ArchivedJobs.WIDTH > this.rows.length) {
      const grown = new Float64Array(Math.max(16 * ArchivedJobs.WIDTH, this.rows.length * 2));
      grown.set(this.rows);
      this.rows = grown;
    }
    const at = this.count * ArchivedJobs.WIDTH;
    this.rows[at] = startMs;
    this.rows[at + 1] = sizeBytes;
    this.rows[at + 2] = packed;
    this.count += 1;
  }

  /** An exactly sized archive. */
  finish(): ArchivedJobs {
    const used = this.count * ArchivedJobs.WIDTH;
    return ArchivedJobs.fromRows(used === this.rows.length ? this.rows : this.rows.slice(0, used));
  }
}

/** The fields of a BackupTypeState, as plain data. */
export interface BackupTypeFields {
  /** Jobs DBS may still report on: unfinished, or inside the range the next poll asks for. */
  jobs: ReadonlyMap<string, TrackedJob>;
  archive: ArchivedJobs;
  /** Jobs starting before this were archived; if DBS lists one again it is not new. */
  archivedBeforeMs?: number;
  /** Newest StartTime seen; the next poll asks from here minus the overlap margin. */
  watermarkMs?: number;
  lastSuccess?: JobOutcome;
  lastFailureEndMs?: number;
  /**
   * The StartTimestamp of this process's first poll of the plan: no backup before it is known,
   * so "no success known" means "none since then" (a lower bound that survives restarts).
   */
  historyStartMs?: number;
  succeededTotal: number;
  failedTotal: number;
  succeededBytesTotal: number;
}

/* Layout of a state's numbers: one array of doubles (NaN = not set). */
const ST_ARCHIVED_BEFORE = 0;
const ST_WATERMARK = 1;
const ST_LAST_FAILURE = 2;
const ST_SUCCEEDED = 3;
const ST_FAILED = 4;
const ST_SUCCEEDED_BYTES = 5;
const ST_HISTORY_START = 6;
/** lastSuccess: endMs (NaN = none), startMs, sizeBytes, expiryMs. */
const ST_LAST = 7;
const STATE_WIDTH = ST_LAST + 4;

/**
 * What the exporter remembers about one backup type of a plan. Immutable (mergeJobs makes the
 * next one). Its numbers live in one array of doubles rather than as object fields: V8 boxes
 * every double field (epoch milliseconds, byte counts) as a heap object of its own, and a
 * 5,000-plan fleet keeps 10,000 states between cycles, all walked by every full GC.
 */
export class BackupTypeState implements BackupTypeFields {
  /** The summary last derived from this state (valid until its validUntilMs). */
  private memo: BackupTypeSummary | undefined;

  private constructor(
    readonly jobs: ReadonlyMap<string, TrackedJob>,
    readonly archive: ArchivedJobs,
    private readonly n: readonly number[],
  ) {}

  static of(fields: BackupTypeFields): BackupTypeState {
    const n: number[] = new Array<number>(STATE_WIDTH).fill(NaN);
    n[ST_ARCHIVED_BEFORE] = fields.archivedBeforeMs ?? NaN;
    n[ST_WATERMARK] = fields.watermarkMs ?? NaN;
    n[ST_LAST_FAILURE] = fields.lastFailureEndMs ?? NaN;
    n[ST_SUCCEEDED] = fields.succeededTotal;
    n[ST_FAILED] = fields.failedTotal;
    n[ST_SUCCEEDED_BYTES] = fields.succeededBytesTotal;
    n[ST_HISTORY_START] = fields.historyStartMs ?? NaN;
    putOutcome(n, ST_LAST, fields.lastSuccess);
    return new BackupTypeState(fields.jobs, fields.archive, n);
  }

  get archivedBeforeMs(): number | undefined {
    return present(this.n[ST_ARCHIVED_BEFORE]!);
  }

  get watermarkMs(): number | undefined {
    return present(this.n[ST_WATERMARK]!);
  }

  get lastSuccess(): JobOutcome | undefined {
    return outcomeAt(this.n, ST_LAST);
  }

  get lastFailureEndMs(): number | undefined {
    return present(this.n[ST_LAST_FAILURE]!);
  }

  get historyStartMs(): number | undefined {
    return present(this.n[ST_HISTORY_START]!);
  }

  get succeededTotal(): number {
    return this.n[ST_SUCCEEDED]!;
  }

  get failedTotal(): number {
    return this.n[ST_FAILED]!;
  }

  get succeededBytesTotal(): number {
    return this.n[ST_SUCCEEDED_BYTES]!;
  }

  /** The state as plain data (what JSON.stringify shows), unset values left out. */
  toJSON(): BackupTypeFields {
    const { archivedBeforeMs, watermarkMs, lastSuccess, lastFailureEndMs, historyStartMs } = this;
    return {
      jobs: this.jobs,
      archive: this.archive,
      ...(archivedBeforeMs !== undefined ? { archivedBeforeMs } : {}),
      ...(watermarkMs !== undefined ? { watermarkMs } : {}),
      ...(lastSuccess !== undefined ? { lastSuccess } : {}),
      ...(lastFailureEndMs !== undefined ? { lastFailureEndMs } : {}),
      ...(historyStartMs !== undefined ? { historyStartMs } : {}),
      succeededTotal: this.succeededTotal,
      failedTotal: this.failedTotal,
      succeededBytesTotal: this.succeededBytesTotal,
    };
  }

  /** @internal the numbers, for comparing two states. */
  sameNumbers(other: BackupTypeState): boolean {
    for (let i = 0; i < STATE_WIDTH; i++) if (!Object.is(this.n[i], other.n[i])) return false;
    return true;
  }

  /**
   * The summary at nowMs, derived once and kept on the state while it is valid: a plan whose
   * poll changed nothing keeps its state, and so its summary (no walk over its archive).
   */
  summaryAt(nowMs: number): BackupTypeSummary {
    if (!this.memo || nowMs >= this.memo.validUntilMs) this.memo = summariseUntil(this, nowMs).summary;
    return this.memo;
  }
}

/** Packs a JobOutcome at `at`: endMs, startMs, sizeBytes, expiryMs (left NaN when there is none). */
function putOutcome(v: number[], at: number, outcome: JobOutcome | undefined): void {
  if (!outcome) return;
  v[at] = outcome.endMs;
  v[at + 1] = outcome.startMs ?? NaN;
  v[at + 2] = outcome.sizeBytes;
  v[at + 3] = outcome.expiryMs ?? NaN;
}

/** The JobOutcome packed at `at` (endMs NaN = none). */
function outcomeAt(v: readonly number[], at: number): JobOutcome | undefined {
  const endMs = present(v[at]!);
  if (endMs === undefined) return undefined;
  const startMs = present(v[at + 1]!);
  const expiryMs = present(v[at + 3]!);
  return { endMs, ...(startMs !== undefined ? { startMs } : {}), sizeBytes: v[at + 2]!, ...(expiryMs !== undefined ? { expiryMs } : {}) };
}

const JOB_STATE_INDEX = Object.fromEntries(JOB_STATES.map((state, i) => [state, i])) as Record<JobState, number>;
const STORAGE_INDEX = Object.fromEntries(STORAGE_CLASSES.map((storage, i) => [storage, i])) as Record<StorageClass, number>;
const SUCCEEDED_INDEX = JOB_STATE_INDEX.succeeded;

/** A timestamp DBS sends as 0, negative or absent means "not set". */
function millis(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function bytes(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * One string per distinct value of a field with a handful of values (BackupStatus, plan status,
 * database type, ...), not one per parsed item: thousands of tracked jobs and plans would
 * otherwise each hold their own copy. Bounded, so a DBS that sends a new value every time
 * cannot grow it.
 */
const sharedStrings = new Map<string, string>();
function shared(raw: string): string {
  const known = sharedStrings.get(raw);
  if (known !== undefined) return known;
  if (sharedStrings.size < 256 && raw.length <= 32) sharedStrings.set(raw, raw);
  return raw;
}

export function observeFullBackup(file: FullBackupFile): ObservedJob {
  return {
    id: file.BackupSetId,
    rawStatus: shared(file.BackupStatus),
    state: normaliseJobState('full', file.BackupStatus),
    startMs: millis(file.StartTime),
    endMs: millis(file.EndTime) ?? millis(file.FinishTime),
    sizeBytes: bytes(file.BackupSize),
    storageClass: normaliseStorageClass(file.StorageMethod),
    expiryMs: millis(file.BackupSetExpiredTime),
  };
}

export function observeIncrementBackup(file: IncrementBackupFile): ObservedJob {
  return {
    id: file.BackupSetId,
    rawStatus: shared(file.BackupStatus),
    state: normaliseJobState('incremental', file.BackupStatus),
    startMs: millis(file.StartTime),
    endMs: millis(file.EndTime),
    sizeBytes: bytes(file.BackupSize),
    storageClass: normaliseStorageClass(file.StorageMethod),
    expiryMs: millis(file.BackupSetExpiredTime),
  };
}

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

function sameJob(a: ObservedJob, b: ObservedJob): boolean {
  return (
    a.id === b.id &&
    a.rawStatus === b.rawStatus &&
    a.state === b.state &&
    a.startMs === b.startMs &&
    a.endMs === b.endMs &&
    a.sizeBytes === b.sizeBytes &&
    a.storageClass === b.storageClass &&
    a.expiryMs === b.expiryMs
  );
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

/**
 * Merge one poll's listing into the previous state. The first poll of a plan (prev
 * undefined) sets a baseline: jobs already finished then are not counted as new
 * successes or failures, so an exporter restart never makes counters jump.
 */
export function mergeJobs(prev: BackupTypeState | undefined, observed: readonly ObservedJob[], ctx: MergeContext): BackupTypeState {
  const baseline = prev === undefined;
  const jobs = new Map<string, TrackedJob>();
  let succeededTotal = prev?.succeededTotal ?? 0;
  let failedTotal = prev?.failedTotal ?? 0;
  let succeededBytesTotal = prev?.succeededBytesTotal ?? 0;
  let lastSuccess = prev?.lastSuccess;
  let lastFailureEndMs = prev?.lastFailureEndMs;
  let watermarkMs = prev?.watermarkMs;
  const historyStartMs = baseline ? ctx.fetchStartMs : prev.historyStartMs;

  const seen = new Set<string>();
  const archivedBeforeMs = prev?.archivedBeforeMs;
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
      if (!baseline) {
        if (job.state === 'succeeded') {
          succeededTotal += 1;
          succeededBytesTotal += job.sizeBytes;
        } else {
          failedTotal += 1;
        }
      }
    }
    // An unchanged job keeps its object: a steady poll re-lists the overlap window, and
    // fresh copies of the same jobs every cycle would all end up as old-generation garbage.
    jobs.set(job.id, before && before.counted === counted && before.lastProgressMs === lastProgressMs && sameJob(before, job) ? before : TrackedJob.of(job, counted, lastProgressMs));
    if (job.startMs !== undefined) watermarkMs = Math.max(watermarkMs ?? job.startMs, job.startMs);
    const endMs = job.endMs ?? job.startMs;
    if (job.state === 'succeeded' && endMs !== undefined) {
      lastSuccess = newer(lastSuccess, {
        endMs,
        ...(job.startMs !== undefined ? { startMs: job.startMs } : {}),
        sizeBytes: job.sizeBytes,
        ...(job.expiryMs !== undefined ? { expiryMs: job.expiryMs } : {}),
      });
    } else if (job.state === 'failed' && endMs !== undefined) {
      lastFailureEndMs = Math.max(lastFailureEndMs ?? endMs, endMs);
    }
  }

  // Jobs tracked before but not in this listing: keep them only if they lie before the
  // window this poll asked about (they were simply not asked for) and are still inside the
  // tracked window. Anything inside the asked window that did not come back is gone.
  for (const [id, job] of prev?.jobs ?? []) {
    if (seen.has(id)) continue;
    const start = job.startMs ?? 0;
    if (start >= ctx.fetchStartMs) continue;
    jobs.set(id, job);
  }

  // Keep archived jobs still in the window and unexpired; archive the finished jobs this
  // poll did not ask about (the next poll will not either), drop the rest.
  const previous = prev?.archive ?? ArchivedJobs.EMPTY;
  const nextStart =
    ctx.overlapMs === undefined
      ? ctx.fetchStartMs
      : nextFetchStartMs({ jobs, watermarkMs }, {
          nowMs: ctx.nowMs,
          lookbackMs: ctx.nowMs - ctx.windowStartMs,
          overlapMs: ctx.overlapMs,
        });
  const archiveBeforeMs = Math.max(ctx.fetchStartMs, nextStart);
  const stays = (startMs: number, expiryMs: number) => startMs >= ctx.windowStartMs && !(expiryMs <= ctx.nowMs);
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
  let kept = 0;
  for (let i = 0; i < previous.length; i++) if (stays(previous.startMs(i), previous.expiryMs(i))) kept += 1;
  let archive = previous;
  if (kept !== previous.length || toArchive.length > 0) {
    const builder = ArchivedJobs.builder(kept + toArchive.length);
    for (let i = 0; i < previous.length; i++) {
      if (!stays(previous.startMs(i), previous.expiryMs(i))) continue;
      previous.copyRow(i, builder);
    }
    for (const job of toArchive) builder.push(job.startMs ?? ctx.nowMs, job.state, job.storageClass, job.sizeBytes, job.expiryMs);
    archive = builder.finish();
  }
  const archivedUpTo = Math.max(archivedBeforeMs ?? -Infinity, archiveBeforeMs);

  const next = BackupTypeState.of({
    jobs,
    archive,
    archivedBeforeMs: archivedUpTo,
    ...(watermarkMs !== undefined ? { watermarkMs } : {}),
    ...(lastSuccess !== undefined ? { lastSuccess } : {}),
    ...(lastFailureEndMs !== undefined ? { lastFailureEndMs } : {}),
    ...(historyStartMs !== undefined ? { historyStartMs } : {}),
    succeededTotal,
    failedTotal,
    succeededBytesTotal,
  });
  // Nothing changed: keep the previous state object, so what was derived from it (its summary)
  // is reused too.
  if (prev && archive === previous && prev.sameNumbers(next) && sameEntries(jobs, prev.jobs)) return prev;
  return next;
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

/* ---------------- summaries: what the metrics read ---------------- */

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
 * What the metrics read about one backup type of a plan. Every value is a number, so a summary
 * is one array of doubles (unboxed, two heap objects) rather than a tree of small objects: a
 * 5,000-plan fleet keeps 10,000 of them, and the garbage collector's full marking pauses grow
 * with the number of objects it walks. The getters build the familiar shapes on demand (the
 * static part of the exposition reads each once per snapshot).
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
  let validUntilMs = Infinity;
  // Doubles from the start (NaN = absent), so V8 stores them unboxed in one backing array.
  const v: number[] = new Array<number>(SUMMARY_WIDTH).fill(NaN);
  v.fill(0, AT_JOBS, AT_LAST);
  let running: TrackedJob | undefined;
  for (const job of state.jobs.values()) {
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
  validUntilMs = Math.min(validUntilMs, state.archive.addTo(v, nowMs, AT_JOBS, AT_SETS, AT_SET_BYTES));
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

/* ---------------- plan-level ---------------- */

export interface PlanInfo {
  planId: string;
  name: string;
  status: string;
  backupMethod: string;
  databaseType: string;
  instanceType: string;
  instanceId: string;
  restorableStartMs?: number;
  restorableEndMs?: number;
  fullIntervalSeconds?: number;
  createdMs?: number;
  /** EnableBackupLog; undefined when DBS does not say. */
  logBackupEnabled?: boolean;
}

/** The previous info when nothing in it changed (most polls), else the new one. */
export function keepPlanInfo(previous: PlanInfo | undefined, next: PlanInfo): PlanInfo {
  if (!previous) return next;
  const keys = Object.keys(next) as Array<keyof PlanInfo>;
  if (keys.length !== Object.keys(previous).length) return next;
  for (const key of keys) if (previous[key] !== next[key]) return next;
  return previous;
}

export function planInfoFromDetail(detail: BackupPlanDetail): PlanInfo {
  const interval = fullBackupIntervalSeconds(detail.BackupPeriod);
  const begin = millis(detail.BeginTimestampForRestore);
  const end = millis(detail.EndTimestampForRestore);
  const created = millis(detail.BackupPlanCreateTime);
  return {
    planId: detail.BackupPlanId,
    name: detail.BackupPlanName ?? '',
    status: shared(detail.BackupPlanStatus),
    backupMethod: shared(detail.BackupMethod ?? ''),
    databaseType: shared(detail.DatabaseType ?? ''),
    instanceType: shared(detail.SourceEndpointInstanceType ?? ''),
    instanceId: detail.SourceEndpointInstanceID ?? '',
    ...(begin !== undefined ? { restorableStartMs: begin } : {}),
    ...(end !== undefined ? { restorableEndMs: end } : {}),
    ...(interval !== undefined ? { fullIntervalSeconds: interval } : {}),
    ...(created !== undefined ? { createdMs: created } : {}),
    ...(detail.EnableBackupLog !== undefined ? { logBackupEnabled: detail.EnableBackupLog } : {}),
  };
}

export interface PlanState {
  account: string;
  region: string;
  info: PlanInfo;
  byType: Partial<Record<BackupType, BackupTypeState>>;
  /** Outcome of the most recent poll of this plan. */
  lastPollOk: boolean;
  lastPollAttemptMs: number;
  lastPollSuccessMs?: number;
}
