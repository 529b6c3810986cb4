/**
 * The landing page's view model, pure: a snapshot → every plan classified (problems.ts), problems first,
 * once per snapshot; a query → one page of plans. html.ts and json.ts render the same StatusView.
 * Why: docs/design/server.md#landing-page
 */
import type { PlanSnapshot, Snapshot, TargetSnapshot } from '../../collector/snapshot.js';
import { BACKUP_TYPES, type BackupType } from '../../collector/status.js';
import type { ScheduleState } from '../../collector/scheduler.js';
import { DEFAULT_THRESHOLDS } from '../../rules/rules.js';
import { type GatewaysView, type PlanOperationsView, gatewayIndex, gatewaysView, planOperationsView } from './operations.js';
import type { GatewayLookup } from './operations-problems.js';
import { type Health, type Problem, type ProblemThresholds, healthOf, healthRank, isStalled, logBackupLag, planProblems } from './problems.js';

export interface RunningJobView {
  backupType: BackupType;
  sinceMs: number;
  lastProgressMs: number;
  sizeBytes: number;
  stalled: boolean;
}

export interface PlanView {
  account: string;
  region: string;
  planId: string;
  /** BackupPlanName as DBS sent it: untrusted text. */
  name: string;
  status: string;
  databaseType?: string;
  health: Health;
  problems: readonly Problem[];
  lastFullEndMs?: number;
  lastLogEndMs?: number;
  logBackupEnabled?: boolean;
  logBackupLag?: { seconds: number; atLeast: boolean };
  runningJobs: readonly RunningJobView[];
  pollOk: boolean;
  lastPollAttemptMs?: number;
  lastPollSuccessMs?: number;
  /** BackupSetExpiredTime of the newest successful full backup set. */
  newestFullExpiryMs?: number;
  /** What DescribeRestoreRangeInfo said, when it has been read. */
  restorable?: RestorableView;
  /** What DescribeRestoreTaskList said, when it has been read. */
  restores?: RestoresView;
  /** Subscription, backup traffic, backup gateway, DBS's reason for the newest failed full (operations.ts). */
  operations: PlanOperationsView;
}

export interface RestorableView {
  /** End of the newest continuous range (point-in-time restore). */
  recoveryPointMs?: number;
  /** Newest restorable time of any type (a full backup alone, with log backup off). */
  latestPointMs?: number;
  gaps: number;
  gapSeconds: number;
  newestGap?: { startMs: number; endMs: number };
}

export interface RestoresView {
  lastSuccessMs?: number;
  lastFailureMs?: number;
  drillLastSuccessMs?: number;
  drillDurationSeconds?: number;
  drillRestorePointMs?: number;
}

export interface TargetView {
  account: string;
  region: string;
  up: boolean;
  lastListingSuccessMs?: number;
  /** Plans with fresh values. */
  plans: number;
  /** Plans the selection leaves out. */
  excluded: number;
  problems: number;
  /** The target's backup gateways, when the exporter lists them. */
  gateways?: GatewaysView;
}

export interface HealthCounts {
  total: number;
  critical: number;
  warning: number;
  ok: number;
}

/** One snapshot, classified and sorted: built once and shared by every request until the next. */
export interface FleetView {
  snapshot: Snapshot;
  /** The instant every age and problem is computed at (the snapshot's completion). */
  asOfMs: number;
  plans: readonly PlanView[];
  targets: readonly TargetView[];
  counts: HealthCounts;
  /** Lowercased `name planId` of each plan, same order, for `q`. */
  searchKeys: readonly string[];
}

function planView(plan: PlanSnapshot, targetUp: boolean, asOfMs: number, thresholds: ProblemThresholds, gateway: GatewayLookup | undefined): PlanView {
  const problems = planProblems(plan, targetUp, asOfMs, thresholds, gateway);
  const runningJobs: RunningJobView[] = [];
  for (const backupType of BACKUP_TYPES) {
    const running = plan.types[backupType]?.running;
    if (running) runningJobs.push({ backupType, ...running, stalled: isStalled(running, asOfMs, thresholds) });
  }
  const { info } = plan;
  const lastFull = plan.types.full?.lastSuccess;
  // One object literal with every field: it runs for every plan. Why: docs/design/server.md#landing-page
  return {
    account: plan.account,
    region: plan.region,
    planId: plan.planId,
    name: info.name,
    status: info.status,
    databaseType: info.databaseType || undefined,
    health: healthOf(problems),
    problems,
    lastFullEndMs: lastFull?.endMs,
    lastLogEndMs: plan.types.incremental?.lastSuccess?.endMs,
    logBackupEnabled: info.logBackupEnabled,
    logBackupLag: logBackupLag(plan, asOfMs),
    runningJobs,
    pollOk: plan.pollOk,
    lastPollAttemptMs: plan.lastPollAttemptMs,
    lastPollSuccessMs: plan.lastPollSuccessMs,
    newestFullExpiryMs: lastFull?.expiryMs,
    restorable: restorableView(plan),
    restores: restoresView(plan),
    operations: planOperationsView(plan, gateway, asOfMs, thresholds),
  };
}

function restorableView(plan: PlanSnapshot): RestorableView | undefined {
  const r = plan.views.restore_ranges;
  if (!r) return undefined;
  return { recoveryPointMs: r.recoveryPointMs, latestPointMs: r.latestPointMs, gaps: r.gaps, gapSeconds: r.gapMs / 1000, newestGap: r.newestGap };
}

function restoresView(plan: PlanSnapshot): RestoresView | undefined {
  const t = plan.views.restore_tasks;
  if (!t) return undefined;
  const drill = t.drillLastSuccess;
  return {
    lastSuccessMs: t.lastSuccess?.atMs,
    lastFailureMs: t.lastFailure?.atMs,
    drillLastSuccessMs: drill?.atMs,
    drillDurationSeconds: drill?.durationMs !== undefined ? drill.durationMs / 1000 : undefined,
    drillRestorePointMs: drill?.restorePointMs,
  };
}

const targetKey = (account: string, region: string) => `${account}\u0000${region}`;

/** Problems first (critical, then warning), then by account, region, plan name and id. */
export function comparePlans(a: PlanView, b: PlanView): number {
  return (
    healthRank(a.health) - healthRank(b.health) ||
    compareText(a.account, b.account) ||
    compareText(a.region, b.region) ||
    compareText(a.name, b.name) ||
    compareText(a.planId, b.planId)
  );
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildFleetView(snapshot: Snapshot, thresholds: ProblemThresholds = DEFAULT_THRESHOLDS): FleetView {
  const asOfMs = snapshot.completedAtMs;
  const byTarget = new Map(snapshot.targets.map((t) => [targetKey(t.account, t.region), { up: t.up, gateway: gatewayIndex(t.gateways) }]));
  const plans = snapshot.plans
    .map((plan) => {
      const target = byTarget.get(targetKey(plan.account, plan.region));
      return planView(plan, target?.up ?? true, asOfMs, thresholds, target?.gateway(plan.info.gatewayId));
    })
    .sort(comparePlans);
  const counts: HealthCounts = { total: plans.length, critical: 0, warning: 0, ok: 0 };
  const problemsByTarget = new Map<string, number>();
  for (const plan of plans) {
    counts[plan.health] += 1;
    if (plan.health === 'ok') continue;
    const key = targetKey(plan.account, plan.region);
    problemsByTarget.set(key, (problemsByTarget.get(key) ?? 0) + 1);
  }
  const targets = snapshot.targets.map((t: TargetSnapshot) => ({
    account: t.account,
    region: t.region,
    up: t.up,
    ...(t.lastListingSuccessMs !== undefined ? { lastListingSuccessMs: t.lastListingSuccessMs } : {}),
    plans: t.plans,
    excluded: t.excluded.length,
    problems: problemsByTarget.get(targetKey(t.account, t.region)) ?? 0,
    ...(t.gateways ? { gateways: gatewaysView(t.gateways, asOfMs, thresholds) } : {}),
  }));
  return { snapshot, asOfMs, plans, targets, counts, searchKeys: plans.map((p) => `${p.name} ${p.planId}`.toLowerCase()) };
}

/** The fleet view of the latest snapshot, rebuilt only when the snapshot changes (one per cycle). */
export function fleetViewCache(thresholds: ProblemThresholds = DEFAULT_THRESHOLDS): (snapshot: Snapshot) => FleetView {
  let cached: FleetView | undefined;
  return (snapshot) => {
    if (cached?.snapshot !== snapshot) cached = buildFleetView(snapshot, thresholds);
    return cached;
  };
}

/* ---------------- the query: filter and page ---------------- */

export const STATE_FILTERS = ['all', 'problems', 'critical', 'warning', 'ok'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 500;
const MAX_PAGE = 1_000_000;
const MAX_QUERY_LENGTH = 200;
const QUERY_PARAMS = ['q', 'state', 'account', 'region', 'page', 'per_page'] as const;

export interface StatusQuery {
  /** Substring of the plan name or id, any case; '' for none. */
  q: string;
  state: StateFilter;
  /** '' for any. */
  account: string;
  region: string;
  page: number;
  perPage: number;
}

export const DEFAULT_QUERY: StatusQuery = { q: '', state: 'all', account: '', region: '', page: 1, perPage: DEFAULT_PER_PAGE };

export type ParsedQuery = { ok: true; query: StatusQuery } | { ok: false; error: string; raw: Readonly<Record<string, string>> };

/** Known targets, to name the unknown account or region a user asked for. */
export interface KnownTargets {
  accounts: ReadonlySet<string>;
  regions: ReadonlySet<string>;
}

export function knownTargets(targets: readonly { account: string; region: string }[]): KnownTargets {
  return { accounts: new Set(targets.map((t) => t.account)), regions: new Set(targets.map((t) => t.region)) };
}

function positiveInteger(name: string, text: string, max: number): number | string {
  if (!/^[0-9]{1,7}$/.test(text) || Number(text) < 1 || Number(text) > max) return `${name} must be a whole number from 1 to ${max}, not "${text}"`;
  return Number(text);
}

/**
 * The query parameters of / and /api/v1/status. Empty values mean "not set" (a GET form sends
 * every field). Unknown or repeated parameters are errors rather than ignored, so a typo does not
 * silently show the whole fleet. `known` is absent before the first cycle.
 */
export function parseStatusQuery(params: URLSearchParams, known?: KnownTargets): ParsedQuery {
  const raw: Record<string, string> = {};
  const fail = (error: string): ParsedQuery => ({ ok: false, error, raw });
  for (const [name, value] of params) {
    if (!(QUERY_PARAMS as readonly string[]).includes(name)) return fail(`unknown query parameter "${name}"; known: ${QUERY_PARAMS.join(', ')}`);
    if (name in raw) return fail(`query parameter "${name}" given more than once`);
    raw[name] = value;
  }
  const query: StatusQuery = { ...DEFAULT_QUERY };
  const q = (raw.q ?? '').trim();
  if (q.length > MAX_QUERY_LENGTH) return fail(`q must be at most ${MAX_QUERY_LENGTH} characters`);
  query.q = q;
  const state = raw.state ?? '';
  if (state !== '') {
    if (!(STATE_FILTERS as readonly string[]).includes(state)) return fail(`state must be one of ${STATE_FILTERS.join(', ')}, not "${state}"`);
    query.state = state as StateFilter;
  }
  for (const key of ['account', 'region'] as const) {
    const value = raw[key] ?? '';
    const set = key === 'account' ? known?.accounts : known?.regions;
    if (value !== '' && set && !set.has(value)) return fail(`no target with ${key} "${value}"; known: ${[...set].join(', ')}`);
    query[key] = value;
  }
  if (raw.page !== undefined && raw.page !== '') {
    const page = positiveInteger('page', raw.page, MAX_PAGE);
    if (typeof page === 'string') return fail(page);
    query.page = page;
  }
  if (raw.per_page !== undefined && raw.per_page !== '') {
    const perPage = positiveInteger('per_page', raw.per_page, MAX_PER_PAGE);
    if (typeof perPage === 'string') return fail(perPage);
    query.perPage = perPage;
  }
  return { ok: true, query };
}

export interface PlanPage {
  plans: readonly PlanView[];
  /** Plans that match the filter, on all pages. */
  matching: number;
  page: number;
  /** At least 1 (an empty result is one empty page). */
  pages: number;
  perPage: number;
  /** 1-based position of the first plan shown (0 when none). */
  first: number;
}

function matchesState(health: Health, state: StateFilter): boolean {
  switch (state) {
    case 'all':
      return true;
    case 'problems':
      return health !== 'ok';
    default:
      return health === state;
  }
}

/** The page the query asks for: one pass over the sorted plans, keeping only that page's. */
export function selectPage(fleet: FleetView, query: StatusQuery): PlanPage {
  const start = (query.page - 1) * query.perPage;
  const end = start + query.perPage;
  const needle = query.q.toLowerCase();
  const filtered = needle !== '' || query.state !== 'all' || query.account !== '' || query.region !== '';
  let plans: PlanView[];
  let matching: number;
  if (!filtered) {
    plans = fleet.plans.slice(start, end);
    matching = fleet.plans.length;
  } else {
    plans = [];
    matching = 0;
    fleet.plans.forEach((plan, i) => {
      if (!matchesState(plan.health, query.state)) return;
      if (query.account !== '' && plan.account !== query.account) return;
      if (query.region !== '' && plan.region !== query.region) return;
      if (needle !== '' && !fleet.searchKeys[i]!.includes(needle)) return;
      if (matching >= start && matching < end) plans.push(plan);
      matching += 1;
    });
  }
  return { plans, matching, page: query.page, pages: Math.max(1, Math.ceil(matching / query.perPage)), perPage: query.perPage, first: plans.length > 0 ? start + 1 : 0 };
}

/* ---------------- the whole view ---------------- */

/** Where the landing page reads from: never DBS. */
export interface StatusSource {
  snapshot(): Snapshot | undefined;
  /** Where the collection schedule stands (absent: no scheduler, e.g. cycles run by hand). */
  schedule?(): ScheduleState;
  /** The clock for "how long ago" (the exporter's). */
  now(): number;
}

/** A plain-text block shown at the top (the demo explains its fleet). */
export interface LandingNotice {
  title: string;
  lines: string[];
}

export interface StatusView {
  version: string;
  nowMs: number;
  /** Absent until the first cycle has finished. */
  fleet?: FleetView;
  page?: PlanPage;
  query: StatusQuery;
  /** Why the query was refused (a 400), and what was sent, to show back in the form. */
  error?: { message: string; raw: Readonly<Record<string, string>> };
  schedule?: ScheduleState;
  notice?: LandingNotice;
  /** Configured targets, shown before the first cycle. */
  configured: readonly string[];
}

export interface StatusViewOptions {
  version: string;
  source?: StatusSource;
  notice?: LandingNotice;
  describe?: () => string[];
  thresholds?: ProblemThresholds;
}

/** A request's view: the cached fleet view of the latest snapshot, and the page the query asks for. */
export function statusViewer(options: StatusViewOptions): (params: URLSearchParams) => StatusView {
  const fleetOf = fleetViewCache(options.thresholds);
  return (params) => {
    const snapshot = options.source?.snapshot();
    const fleet = snapshot && fleetOf(snapshot);
    const parsed = parseStatusQuery(params, fleet && knownTargets(fleet.targets));
    const schedule = options.source?.schedule?.();
    const base = {
      version: options.version,
      nowMs: options.source?.now() ?? Date.now(),
      ...(fleet ? { fleet } : {}),
      ...(schedule ? { schedule } : {}),
      ...(options.notice ? { notice: options.notice } : {}),
      configured: options.describe?.() ?? [],
    };
    if (!parsed.ok) return { ...base, query: DEFAULT_QUERY, error: { message: parsed.error, raw: parsed.raw } };
    return { ...base, query: parsed.query, ...(fleet ? { page: selectPage(fleet, parsed.query) } : {}) };
  };
}
