/**
 * DescribeJobErrorCode: DBS's standard reason for the newest failed full backup of a plan. Bounded:
 * only a failure newer than the one already explained is asked about, one per plan per poll, and at
 * most `maxPerCycle` calls per collection cycle over all plans (the rest wait for the next cycle).
 * Design: docs/design/operational-stops.md
 */
import { DbsApiError } from '../../dbs/errors.js';
import type { ObservedJob } from '../observe.js';
import { defineStateSource } from './source.js';

export interface JobErrorSettings {
  maxPerCycle: number;
  language: 'en' | 'cn';
}

/** The failed job a reason is about: the id DBS knows it by (BackupSetId) and when it ended. */
export interface FailedJob {
  jobId: string;
  endMs: number;
}

export interface FailureReason extends FailedJob {
  code: string;
  message: string;
}

export interface JobErrors {
  /** The newest failed full backup explained so far. */
  full?: FailureReason;
  /** A newer failure not asked about yet (the cycle's budget was spent). */
  pending?: FailedJob;
}

/** DBS's messages are standard texts; a longer one is cut so a label stays a label. */
export const MAX_MESSAGE_LENGTH = 200;

/** The newest failed job of a listing, by end (or start) time. */
export function newestFailure(jobs: readonly ObservedJob[]): FailedJob | undefined {
  let newest: FailedJob | undefined;
  for (const job of jobs) {
    const endMs = job.endMs ?? job.startMs;
    if (job.state !== 'failed' || endMs === undefined) continue;
    if (!newest || endMs > newest.endMs) newest = { jobId: job.id, endMs };
  }
  return newest;
}

/** Which failure to ask about now, if any: one newer than the explained one (or the pending one). */
export function failureToExplain(previous: JobErrors | undefined, listed: readonly ObservedJob[]): FailedJob | undefined {
  const candidates = [newestFailure(listed), previous?.pending].filter((f): f is FailedJob => f !== undefined);
  const newest = candidates.reduce<FailedJob | undefined>((a, b) => (!a || b.endMs > a.endMs ? b : a), undefined);
  if (!newest) return undefined;
  const known = previous?.full;
  return !known || newest.endMs > known.endMs || (newest.endMs === known.endMs && newest.jobId !== known.jobId) ? newest : undefined;
}

/** Calls left in the current collection cycle, shared by every plan's poll. */
export class CycleBudget {
  private cycle = -1;
  private left = 0;
  constructor(private readonly perCycle: number) {}

  take(cycle: number): boolean {
    if (cycle !== this.cycle) {
      this.cycle = cycle;
      this.left = this.perCycle;
    }
    if (this.left <= 0) return false;
    this.left -= 1;
    return true;
  }
}

export function jobErrors(settings: JobErrorSettings) {
  const budget = new CycleBudget(settings.maxPerCycle);
  return defineStateSource({
    name: 'job_errors',
    action: 'DescribeJobErrorCode',
    schedule: { every: 'cycle' },
    needsListedJobs: true,
    async poll({ api, listed, cycle }, previous: JobErrors | undefined) {
      const failure = failureToExplain(previous, listed?.full ?? []);
      if (!failure) return { state: previous ?? {} };
      if (!budget.take(cycle)) return { state: previous?.pending?.jobId === failure.jobId ? previous : { ...previous, pending: failure } };
      try {
        const answer = await api.call('DescribeJobErrorCode', { TaskId: failure.jobId, Language: settings.language });
        const reason = { ...failure, code: answer.Item?.ErrorCode ?? '', message: (answer.Item?.ErrorMessage ?? '').slice(0, MAX_MESSAGE_LENGTH) };
        return { state: { full: reason } };
      } catch (err) {
        // A task DBS no longer knows has no reason to give: said as such, not asked again, and
        // never taken for the plan itself being gone.
        if (err instanceof DbsApiError && err.errorClass === 'not_found') return { state: { full: { ...failure, code: '', message: '' } } };
        throw err;
      }
    },
    view: (state: JobErrors) => state,
  });
}
