/** DBS backup-set records turned into jobs in the exporter's vocabulary, and the jobs it tracks between polls. */
import { present } from './packed.js';
import type { JobState, StorageClass } from './status.js';

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

/** A job in the tracked window; its numbers live in one double array (docs/design/collector-state.md). */
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

/** Same job, same values: an unchanged job keeps its TrackedJob object. */
export function sameJob(a: ObservedJob, b: ObservedJob): boolean {
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
