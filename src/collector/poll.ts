/**
 * One poll of one backup plan: every per-plan source that is due (sources/index.ts) asks DBS at
 * once; the job listings merge what came back into the plan's backup types, the other sources
 * into their own state. After the first lookback a steady poll costs one call per due source as
 * long as fewer than a page of records are new. A source that is not due keeps its state.
 */
import type { DbsApi } from '../dbs/api.js';
import { DbsApiError } from '../dbs/errors.js';
import type { BackupPlanDetail } from '../dbs/schemas.js';
import type { BackupTypeState } from './backup-type-state.js';
import type { ObservedJob } from './observe.js';
import type { PlanInfo } from './plan-info.js';
import { type JobSource, PLAN_LIST_SOURCE, PLAN_SOURCES, type PlanSource, type PollSettings, type SourceNotice, type StateSource, isDue } from './sources/index.js';
import type { PlanState } from './state.js';
import type { BackupType } from './status.js';

export { lookbackFor, type PollSettings } from './sources/index.js';

export interface PollResult {
  state: PlanState;
  /** What the sources saw that should be logged once per process (unknown statuses, say). */
  notices: SourceNotice[];
}

interface PollContext {
  api: DbsApi;
  info: PlanInfo;
  previous: PlanState | undefined;
  settings: PollSettings;
  nowMs: number;
  cycle: number;
  listed?: Partial<Record<BackupType, readonly ObservedJob[]>>;
}

/** Poll one plan. Throws (a DbsApiError) when any source fails; the caller keeps the old state (and so retries next cycle). */
export async function pollPlan(
  api: DbsApi,
  target: { account: string; region: string },
  detail: BackupPlanDetail,
  previous: PlanState | undefined,
  settings: PollSettings,
  nowMs: number,
  sources: readonly PlanSource[] = PLAN_SOURCES,
  cycle = 0,
): Promise<PollResult> {
  const ctx: PollContext = { api, info: PLAN_LIST_SOURCE.transition(previous?.info, detail), previous, settings, nowMs, cycle };
  const due = sources.filter((source) => isDue(source.schedule, previous?.sourceRunMs?.[source.name], nowMs));
  const byType: Partial<Record<BackupType, BackupTypeState>> = { ...previous?.byType };
  const states: Record<string, unknown> = { ...previous?.sources };
  const sourceRunMs: Record<string, number> = { ...previous?.sourceRunMs };
  const notices: SourceNotice[] = [];
  const after = (source: PlanSource) => source.kind === 'state' && source.needsListedJobs === true;
  const runs: Array<Awaited<ReturnType<typeof runJobSource>> | Awaited<ReturnType<typeof runStateSource>>> = await Promise.all(
    due.filter((source) => !after(source)).map((source) => (source.kind === 'jobs' ? runJobSource(source, ctx) : runStateSource(source, ctx))),
  );
  // Sources that read what the listings returned (why a newly failed job failed) run once they have.
  const listed: Partial<Record<BackupType, readonly ObservedJob[]>> = {};
  for (const run of runs) if (run.kind === 'jobs') listed[run.backupType] = run.jobs;
  const later = due.filter(after) as Array<StateSource<string, unknown, unknown>>;
  if (later.length > 0) runs.push(...(await Promise.all(later.map((source) => runStateSource(source, { ...ctx, listed })))));
  for (const run of runs) {
    if (run.kind === 'jobs') byType[run.backupType] = run.state;
    else if (run.state !== undefined) states[run.name] = run.state;
    notices.push(...run.notices);
    sourceRunMs[run.name] = nowMs;
  }
  return {
    state: {
      account: target.account,
      region: target.region,
      info: ctx.info,
      byType,
      ...(Object.keys(states).length > 0 ? { sources: states } : {}),
      lastPollOk: true,
      lastPollAttemptMs: nowMs,
      lastPollSuccessMs: nowMs,
      sourceRunMs,
    },
    notices,
  };
}

/** A job listing since its watermark, merged into the plan's state for its backup type. */
async function runJobSource(source: JobSource, { api, info, previous, settings, nowMs }: PollContext) {
  const prev = previous?.byType[source.backupType];
  const lookbackMs = source.lookbackMs(info, settings);
  const fetchStartMs = source.fetchStartMs(prev, { nowMs, lookbackMs, overlapMs: settings.overlapMs });
  const jobs = await source.list(api, info.planId, fetchStartMs, settings.maxPages);
  const notices = jobs
    .filter((job) => job.state === 'unknown')
    .map((job) => ({
      key: `${source.backupType}:${job.rawStatus}`,
      message: 'unknown backup job status from DBS; reported as state="unknown"',
      fields: { backup_type: source.backupType, status: job.rawStatus, backup_plan_id: info.planId },
    }));
  const state = source.transition(prev, jobs, { nowMs, fetchStartMs, windowStartMs: nowMs - lookbackMs, overlapMs: settings.overlapMs });
  return { kind: 'jobs' as const, name: source.name, backupType: source.backupType, state, notices, jobs };
}

/**
 * A source with its own state. One the RAM policy does not allow (403) keeps its last state and says
 * so once, instead of failing the plan's poll: an upgrade that adds an action must not blind every plan.
 */
async function runStateSource(source: StateSource<string, unknown, unknown>, { api, info, previous, settings, nowMs, cycle, listed }: PollContext) {
  const prev = previous?.sources?.[source.name];
  try {
    const result = await source.poll({ api, info, nowMs, settings, cycle, ...(listed ? { listed } : {}) }, prev);
    return { kind: 'state' as const, name: source.name, state: result.state, notices: result.notices ?? [] };
  } catch (err) {
    if (!(err instanceof DbsApiError) || err.errorClass !== 'forbidden') throw err;
    const notice = {
      key: `forbidden:${source.action}`,
      message: `${source.action} is not allowed for this account: add it to the RAM policy, or turn the source off (collection.${source.name}.enabled: false)`,
      fields: { action: source.action, backup_plan_id: info.planId, code: err.code },
    };
    return { kind: 'state' as const, name: source.name, state: prev, notices: [notice] };
  }
}
