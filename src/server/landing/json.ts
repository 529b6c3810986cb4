/**
 * /api/v1/status: the landing page's view as JSON, for scripts and other dashboards. Times are
 * ISO 8601 (UTC) with their age in seconds beside them; ages and problems are as of `asOf` (the
 * last cycle's completion), as on the page. Absent values are null, never left out, so a
 * consumer sees every field.
 */
import { type GatewaysJson, type PlanOperationsJson, gatewaysJson, planOperationsJson } from './operations-json.js';
import type { Health, Problem } from './problems.js';
import type { PlanView, StatusQuery, StatusView } from './view.js';

export interface StatusJson {
  version: string;
  now: string;
  /** When the last cycle finished: every age and problem is as of then. Null before the first cycle. */
  asOf: string | null;
  lastCycle: { number: number; completedAt: string; agoSeconds: number } | null;
  nextCycle: { running: boolean; at: string | null; inSeconds: number | null } | null;
  notice: { title: string; lines: string[] } | null;
  targets: TargetJson[];
  /** The whole fleet, before any filter. */
  summary: { total: number; critical: number; warning: number; ok: number } | null;
  filter: { q: string; state: StatusQuery['state']; account: string; region: string };
  page: { number: number; perPage: number; pages: number; matching: number } | null;
  plans: PlanJson[];
}

export interface TargetJson {
  account: string;
  region: string;
  up: boolean;
  lastListingSuccessAt: string | null;
  plans: number;
  excluded: number;
  problems: number;
  /** The target's backup gateways (DescribeBackupGatewayList); null when the exporter does not list them. */
  gateways: GatewaysJson | null;
}

export interface PlanJson extends PlanOperationsJson {
  account: string;
  region: string;
  planId: string;
  name: string;
  status: string;
  databaseType: string | null;
  health: Health;
  problems: Problem[];
  lastFullBackup: { endedAt: string; ageSeconds: number } | null;
  lastLogBackup: { endedAt: string; ageSeconds: number } | null;
  logBackupEnabled: boolean | null;
  /** atLeast: no log backup is known since the history the exporter read began. */
  logBackupLag: { seconds: number; atLeast: boolean } | null;
  runningJobs: Array<{ backupType: string; since: string; runningSeconds: number; lastProgressAt: string; sizeBytes: number; stalled: boolean }>;
  lastPoll: { ok: boolean; at: string | null; lastSuccessAt: string | null };
  newestFullBackupExpiry: { at: string; inSeconds: number } | null;
  /** DescribeRestoreRangeInfo, once read: the recovery point (newest point-in-time restore), the newest restorable time, gaps. */
  restorable: {
    recoveryPoint: { at: string; ageSeconds: number } | null;
    latestPoint: { at: string; ageSeconds: number } | null;
    gaps: number;
    gapSeconds: number;
    newestGap: { start: string; end: string } | null;
  } | null;
  /** DescribeRestoreTaskList, once read. */
  restores: { lastSuccessAt: string | null; lastFailureAt: string | null; lastDrill: { finishedAt: string; durationSeconds: number | null; restoredTo: string | null } | null } | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : iso(ms));
/** Whole seconds: the page's precision, and stable in a diff. */
const secondsBetween = (fromMs: number, toMs: number) => Math.round((toMs - fromMs) / 1000);

function planJson(plan: PlanView, asOfMs: number): PlanJson {
  return {
    account: plan.account,
    region: plan.region,
    planId: plan.planId,
    name: plan.name,
    status: plan.status,
    databaseType: plan.databaseType ?? null,
    health: plan.health,
    problems: plan.problems.map((p) => ({ ...p })),
    lastFullBackup: plan.lastFullEndMs === undefined ? null : { endedAt: iso(plan.lastFullEndMs), ageSeconds: secondsBetween(plan.lastFullEndMs, asOfMs) },
    lastLogBackup: plan.lastLogEndMs === undefined ? null : { endedAt: iso(plan.lastLogEndMs), ageSeconds: secondsBetween(plan.lastLogEndMs, asOfMs) },
    logBackupEnabled: plan.logBackupEnabled ?? null,
    logBackupLag: plan.logBackupLag ? { seconds: Math.round(plan.logBackupLag.seconds), atLeast: plan.logBackupLag.atLeast } : null,
    runningJobs: plan.runningJobs.map((job) => ({
      backupType: job.backupType,
      since: iso(job.sinceMs),
      runningSeconds: secondsBetween(job.sinceMs, asOfMs),
      lastProgressAt: iso(job.lastProgressMs),
      sizeBytes: job.sizeBytes,
      stalled: job.stalled,
    })),
    lastPoll: { ok: plan.pollOk, at: isoOrNull(plan.lastPollAttemptMs), lastSuccessAt: isoOrNull(plan.lastPollSuccessMs) },
    newestFullBackupExpiry:
      plan.newestFullExpiryMs === undefined ? null : { at: iso(plan.newestFullExpiryMs), inSeconds: secondsBetween(asOfMs, plan.newestFullExpiryMs) },
    restorable: restorableJson(plan, asOfMs),
    restores: restoresJson(plan),
    ...planOperationsJson(plan.operations, asOfMs),
  };
}

const instant = (ms: number | undefined, asOfMs: number) => (ms === undefined ? null : { at: iso(ms), ageSeconds: secondsBetween(ms, asOfMs) });

function restorableJson(plan: PlanView, asOfMs: number): PlanJson['restorable'] {
  const r = plan.restorable;
  if (!r) return null;
  return {
    recoveryPoint: instant(r.recoveryPointMs, asOfMs),
    latestPoint: instant(r.latestPointMs, asOfMs),
    gaps: r.gaps,
    gapSeconds: Math.round(r.gapSeconds),
    newestGap: r.newestGap ? { start: iso(r.newestGap.startMs), end: iso(r.newestGap.endMs) } : null,
  };
}

function restoresJson(plan: PlanView): PlanJson['restores'] {
  const t = plan.restores;
  if (!t) return null;
  return {
    lastSuccessAt: isoOrNull(t.lastSuccessMs),
    lastFailureAt: isoOrNull(t.lastFailureMs),
    lastDrill:
      t.drillLastSuccessMs === undefined
        ? null
        : { finishedAt: iso(t.drillLastSuccessMs), durationSeconds: t.drillDurationSeconds === undefined ? null : Math.round(t.drillDurationSeconds), restoredTo: isoOrNull(t.drillRestorePointMs) },
  };
}

export function statusJson(view: StatusView): StatusJson {
  const { fleet, page, query, schedule } = view;
  const snapshot = fleet?.snapshot;
  return {
    version: view.version,
    now: iso(view.nowMs),
    asOf: fleet ? iso(fleet.asOfMs) : null,
    lastCycle: snapshot ? { number: snapshot.cycle, completedAt: iso(snapshot.completedAtMs), agoSeconds: secondsBetween(snapshot.completedAtMs, view.nowMs) } : null,
    nextCycle: schedule
      ? {
          running: schedule.running,
          at: isoOrNull(schedule.nextAtMs),
          inSeconds: schedule.nextAtMs === undefined ? null : secondsBetween(view.nowMs, schedule.nextAtMs),
        }
      : null,
    notice: view.notice ? { title: view.notice.title, lines: [...view.notice.lines] } : null,
    targets: (fleet?.targets ?? []).map((t) => ({
      account: t.account,
      region: t.region,
      up: t.up,
      lastListingSuccessAt: isoOrNull(t.lastListingSuccessMs),
      plans: t.plans,
      excluded: t.excluded,
      problems: t.problems,
      gateways: gatewaysJson(t.gateways, fleet?.asOfMs ?? view.nowMs),
    })),
    summary: fleet ? { ...fleet.counts } : null,
    filter: { q: query.q, state: query.state, account: query.account, region: query.region },
    page: page ? { number: page.page, perPage: page.perPage, pages: page.pages, matching: page.matching } : null,
    plans: fleet && page ? page.plans.map((plan) => planJson(plan, fleet.asOfMs)) : [],
  };
}
