/**
 * Helpers for state kept in arrays of doubles rather than object fields: V8 boxes every double
 * field, and the GC walks each box (see docs/design/collector-state.md).
 */
import { JOB_STATES, STORAGE_CLASSES, type JobState, type StorageClass } from './status.js';

/** A number kept in a double array, where NaN stands for "not set". */
export const present = (value: number): number | undefined => (Number.isNaN(value) ? undefined : value);

/** A finished job as the summaries report it (the last success). */
export interface JobOutcome {
  endMs: number;
  startMs?: number;
  sizeBytes: number;
  expiryMs?: number;
}

/** Packs a JobOutcome at `at`: endMs, startMs, sizeBytes, expiryMs (left NaN when there is none). */
export function putOutcome(v: number[], at: number, outcome: JobOutcome | undefined): void {
  if (!outcome) return;
  v[at] = outcome.endMs;
  v[at + 1] = outcome.startMs ?? NaN;
  v[at + 2] = outcome.sizeBytes;
  v[at + 3] = outcome.expiryMs ?? NaN;
}

/** The JobOutcome packed at `at` (endMs NaN = none). */
export function outcomeAt(v: readonly number[], at: number): JobOutcome | undefined {
  const endMs = present(v[at]!);
  if (endMs === undefined) return undefined;
  const startMs = present(v[at + 1]!);
  const expiryMs = present(v[at + 3]!);
  return { endMs, ...(startMs !== undefined ? { startMs } : {}), sizeBytes: v[at + 2]!, ...(expiryMs !== undefined ? { expiryMs } : {}) };
}

export const JOB_STATE_INDEX = Object.fromEntries(JOB_STATES.map((state, i) => [state, i])) as Record<JobState, number>;
export const STORAGE_INDEX = Object.fromEntries(STORAGE_CLASSES.map((storage, i) => [storage, i])) as Record<StorageClass, number>;
export const SUCCEEDED_INDEX = JOB_STATE_INDEX.succeeded;
