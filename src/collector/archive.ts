/**
 * Finished jobs that will not be read from DBS again (they started before the poll's
 * StartTimestamp), packed as rows of one Float64Array outside the JS heap; why and how much it
 * saves: docs/design/collector-state.md. Immutable: a poll that archives and drops nothing keeps
 * the previous instance.
 */
import { JOB_STATE_INDEX, STORAGE_INDEX, SUCCEEDED_INDEX } from './packed.js';
import { JOB_STATES, STORAGE_CLASSES, type JobState, type StorageClass } from './status.js';

/**
 * A row is [startMs, sizeBytes, expiry * 256 + state * 16 + storage], the expiry a whole
 * millisecond (0 when DBS gave none; at most 2^44, the year 2527), so the third column stays an
 * exact integer below 2^53.
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
   * @internal Add every row to a summary's counters, read straight from the packed rows (a
   * cycle's summaries walk every archived row): jobs by state at `atJobs`; sets and bytes by
   * storage at `atSets` / `atSetBytes` for succeeded, unexpired jobs. Returns the earliest
   * expiry after nowMs (Infinity when none).
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

export class ArchiveBuilder {
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
