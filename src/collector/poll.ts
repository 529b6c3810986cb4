/**
 * One poll of one backup plan: every per-plan source (sources/index.ts) asks DBS for its jobs
 * since its watermark, all at once, then each source's transition merges what came back into
 * the plan's state. After the first lookback a steady poll costs one call per source as long
 * as fewer than a page of jobs are new. A source that is not due (its schedule) keeps its state.
 */
import type { DbsApi } from '../dbs/api.js';
import type { BackupPlanDetail } from '../dbs/schemas.js';
import type { BackupTypeState } from './backup-type-state.js';
import { type JobSource, PLAN_LIST_SOURCE, PLAN_SOURCES, type PollSettings, isDue } from './sources/index.js';
import type { PlanState } from './state.js';
import type { BackupType } from './status.js';

export { lookbackFor, type PollSettings } from './sources/index.js';

export interface PollResult {
  state: PlanState;
  /** Job statuses DBS sent that the exporter does not know (reported as state="unknown"). */
  unknownStatuses: Array<{ backupType: BackupType; rawStatus: string }>;
}

/** Poll one plan. Throws (a DbsApiError) when any listing fails; the caller keeps the old state (and so retries next cycle). */
export async function pollPlan(
  api: DbsApi,
  target: { account: string; region: string },
  detail: BackupPlanDetail,
  previous: PlanState | undefined,
  settings: PollSettings,
  nowMs: number,
  sources: readonly JobSource[] = PLAN_SOURCES,
): Promise<PollResult> {
  const info = PLAN_LIST_SOURCE.transition(previous?.info, detail);
  const byType: Partial<Record<BackupType, BackupTypeState>> = {};
  const sourceRunMs: Record<string, number> = { ...previous?.sourceRunMs };
  const unknownStatuses: PollResult['unknownStatuses'] = [];
  const due = sources.filter((source) => {
    if (isDue(source.schedule, previous?.sourceRunMs?.[source.name], nowMs)) return true;
    const kept = previous?.byType[source.backupType];
    if (kept) byType[source.backupType] = kept;
    return false;
  });
  const listings = await Promise.all(
    due.map(async (source) => {
      const prev = previous?.byType[source.backupType];
      const lookbackMs = source.lookbackMs(info, settings);
      const fetchStartMs = source.fetchStartMs(prev, { nowMs, lookbackMs, overlapMs: settings.overlapMs });
      const jobs = await source.list(api, info.planId, fetchStartMs, settings.maxPages);
      return { source, prev, jobs, fetchStartMs, windowStartMs: nowMs - lookbackMs };
    }),
  );
  for (const { source, prev, jobs, fetchStartMs, windowStartMs } of listings) {
    for (const job of jobs) if (job.state === 'unknown') unknownStatuses.push({ backupType: source.backupType, rawStatus: job.rawStatus });
    byType[source.backupType] = source.transition(prev, jobs, { nowMs, fetchStartMs, windowStartMs, overlapMs: settings.overlapMs });
    sourceRunMs[source.name] = nowMs;
  }
  return {
    state: {
      account: target.account,
      region: target.region,
      info,
      byType,
      lastPollOk: true,
      lastPollAttemptMs: nowMs,
      lastPollSuccessMs: nowMs,
      sourceRunMs,
    },
    unknownStatuses,
  };
}
