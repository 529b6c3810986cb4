/** What the exporter remembers about one backup type of a plan between polls. */
import type { ArchivedJobs } from './archive.js';
import type { TrackedJob } from './observe.js';
import { type JobOutcome, outcomeAt, present, putOutcome } from './packed.js';
import { type BackupTypeSummary, summariseUntil } from './summary.js';

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
 * Immutable (mergeJobs makes the next one); its numbers live in one double array rather than
 * as object fields (docs/design/collector-state.md).
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
