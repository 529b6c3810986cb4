/**
 * A collection cycle: for every target, discover its plans, poll each selected plan with
 * bounded concurrency, and publish the resulting state as a finished Snapshot. A failing
 * target or plan keeps its last good state (marked by poll success = 0; point-in-time gauges
 * only until max staleness), and never blanks another.
 */
import type { Logger } from 'pino';
import pLimit from 'p-limit';
import type { ApiUsage, DbsApi } from '../dbs/api.js';
import { DbsApiError, classifyThrown } from '../dbs/errors.js';
import type { BackupPlanDetail } from '../dbs/schemas.js';
import { type PollSettings, pollPlan } from './poll.js';
import { type Shard, inShard } from './shard.js';
import type { PlanExpectations } from '../config/expectations.js';
import { type PlanIdentity, type PlanSelection, isPlanSelected } from '../config/plans.js';
import { type CycleReport, logCycle } from './cycle-report.js';
import type { PlanSnapshot, Snapshot, TargetSnapshot } from './snapshot.js';
import { SnapshotStore } from './snapshot-store.js';
import { GATEWAY_SOURCE as backupGateways, type ObservedGateway, PLAN_LIST_SOURCE, type PlanSource, type SourceNotice, type SourceViews } from './sources/index.js';
import type { PlanState } from './state.js';
import type { BackupType } from './status.js';

export interface CollectorTarget {
  account: string;
  region: string;
  /** The whole request stack (dbs/createDbsClient); its usage, when it counts, goes in the cycle's report. */
  api: DbsApi & { readonly usage?: ApiUsage };
  selection: PlanSelection;
  /** Plans polled at once for this target. */
  planConcurrency: number;
  /** What the configuration declares about a plan (expectations:), if anything. */
  expectations?: (plan: PlanIdentity) => PlanExpectations | undefined;
}

export interface CollectionSettings extends PollSettings {
  /** The per-plan sources to run (default: the backup-job listings alone). */
  sources?: readonly PlanSource[];
  /** How long last good values are served after polls start failing. */
  maxStalenessMs: number;
  /** Poll only this replica's share of the plans. */
  shard?: Shard;
  /** List each target's backup gateways every cycle (DescribeBackupGatewayList). */
  gateways?: boolean;
}

interface TargetRuntime {
  target: CollectorTarget;
  plans: Map<string, PlanState>;
  /** Plans named in an explicit id list that DBS did not return. */
  missing: Set<string>;
  /** Plans of this shard that DBS lists and the plan selection leaves out. */
  excluded: string[];
  up: boolean;
  lastDiscoverySuccessMs?: number;
  /** The region's backup gateways as last listed; ok is the last listing's outcome. */
  gateways?: { items: readonly ObservedGateway[]; ok: boolean; lastSuccessMs?: number };
}

export type { CycleReport } from './cycle-report.js';

/** Archive rows summarised between yields to the event loop while a snapshot is built (~5 ms). */
const SNAPSHOT_SLICE_ROWS = 20_000;

export class Collector {
  private readonly runtimes: TargetRuntime[];
  private readonly noticed = new Set<string>();
  /** Each state source's view, computed once per state object (unchanged states are the same object). */
  private readonly views = new WeakMap<object, unknown>();
  private cycles = 0;
  /** Where each cycle's snapshot goes; metrics and the server read it from here. */
  readonly snapshots: SnapshotStore;

  constructor(
    targets: readonly CollectorTarget[],
    private readonly settings: CollectionSettings,
    private readonly deps: { now: () => number; logger: Logger; snapshots?: SnapshotStore },
  ) {
    this.runtimes = targets.map((target) => ({ target, plans: new Map(), missing: new Set(), excluded: [], up: false }));
    this.snapshots = deps.snapshots ?? new SnapshotStore();
  }

  /** Run one cycle over every target, publish its snapshot, and return it with the cycle's report. */
  async runCycle(): Promise<{ snapshot: Snapshot; report: CycleReport }> {
    const started = performance.now();
    const usedBefore = this.apiUsage();
    const report: CycleReport = { durationSeconds: 0, plansPolled: 0, planFailures: 0, targetFailures: 0, apiCalls: 0, apiErrors: 0, errors: [] };
    await Promise.all(this.runtimes.map((runtime) => this.collectTarget(runtime, report)));
    this.cycles += 1;
    report.durationSeconds = (performance.now() - started) / 1000;
    const usedAfter = this.apiUsage();
    report.apiCalls = usedAfter.calls - usedBefore.calls;
    report.apiErrors = usedAfter.errors - usedBefore.errors;
    const snapshot = await this.buildSnapshot();
    await this.snapshots.publish(snapshot, report);
    logCycle(this.deps.logger, snapshot.cycle, report);
    return { snapshot, report };
  }

  /** Calls to DBS so far over every target (targets may share one client). */
  private apiUsage(): ApiUsage {
    const clients = new Set(this.runtimes.map((runtime) => runtime.target.api));
    let calls = 0;
    let errors = 0;
    for (const client of clients) {
      calls += client.usage?.calls ?? 0;
      errors += client.usage?.errors ?? 0;
    }
    return { calls, errors };
  }

  private async discover(runtime: TargetRuntime): Promise<BackupPlanDetail[]> {
    const { api, selection, region } = runtime.target;
    return PLAN_LIST_SOURCE.list(api, region, selection);
  }

  private async collectTarget(runtime: TargetRuntime, report: CycleReport): Promise<void> {
    const { target } = runtime;
    const now = this.deps.now();
    const selected: BackupPlanDetail[] = [];
    try {
      const excluded: string[] = [];
      for (const plan of await this.discover(runtime)) {
        if (!inShard(this.settings.shard, target.account, plan.BackupPlanId)) continue;
        const identity = { id: plan.BackupPlanId, name: plan.BackupPlanName, status: plan.BackupPlanStatus, instanceType: plan.SourceEndpointInstanceType };
        if (isPlanSelected(target.selection, identity)) selected.push(plan);
        else excluded.push(plan.BackupPlanId);
      }
      runtime.excluded = excluded;
      runtime.up = true;
      runtime.lastDiscoverySuccessMs = now;
    } catch (err) {
      const error = classifyThrown(err, 'DescribeBackupPlanList');
      runtime.up = false;
      report.targetFailures += 1;
      report.errors.push({ account: target.account, errorClass: error.errorClass, code: error.code, message: error.message });
      // Discovery failed: every plan keeps its last good values, marked as not polled (gateways too).
      for (const state of runtime.plans.values()) runtime.plans.set(state.info.planId, { ...state, lastPollOk: false, lastPollAttemptMs: now });
      if (runtime.gateways) runtime.gateways = { ...runtime.gateways, ok: false };
      return;
    }

    const selectedIds = new Set(selected.map((p) => p.BackupPlanId));
    // A plan that disappeared from a successful discovery loses its series now.
    for (const id of runtime.plans.keys()) if (!selectedIds.has(id)) runtime.plans.delete(id);
    runtime.missing = new Set(
      target.selection.mode === 'ids'
        ? target.selection.ids.filter((id) => !selectedIds.has(id) && inShard(this.settings.shard, target.account, id))
        : [],
    );

    const limit = pLimit(target.planConcurrency);
    await Promise.all([
      ...selected.map((detail) => limit(() => this.pollOnePlan(runtime, detail, report))),
      ...(this.settings.gateways ? [this.listGateways(runtime, report, now)] : []),
    ]);
  }

  /** The region's gateways; on failure the last listing is kept and marked. A 403 is said once, not every cycle. */
  private async listGateways(runtime: TargetRuntime, report: CycleReport, now: number): Promise<void> {
    const { target } = runtime;
    try {
      runtime.gateways = { items: await backupGateways.list(target.api, target.region), ok: true, lastSuccessMs: now };
    } catch (err) {
      const error = classifyThrown(err, backupGateways.action);
      runtime.gateways = { items: runtime.gateways?.items ?? [], ok: false, ...(runtime.gateways?.lastSuccessMs !== undefined ? { lastSuccessMs: runtime.gateways.lastSuccessMs } : {}) };
      if (error.errorClass === 'forbidden') {
        this.noticeOnce({
          key: `forbidden:${backupGateways.action}`,
          message: `${backupGateways.action} is not allowed for this account: add it to the RAM policy, or turn the source off (collection.${backupGateways.name}.enabled: false)`,
          fields: { action: backupGateways.action, account: target.account, code: error.code },
        });
        return;
      }
      report.errors.push({ account: target.account, errorClass: error.errorClass, code: error.code, message: error.message });
    }
  }

  /** Poll one plan and keep its new state; on failure keep its last good state, marked as not polled. */
  private async pollOnePlan(runtime: TargetRuntime, detail: BackupPlanDetail, report: CycleReport): Promise<void> {
    const { target } = runtime;
    const previous = runtime.plans.get(detail.BackupPlanId);
    const pollNow = this.deps.now();
    try {
      const result = await pollPlan(target.api, target, detail, previous, this.settings, pollNow, this.settings.sources, this.cycles);
      runtime.plans.set(detail.BackupPlanId, result.state);
      report.plansPolled += 1;
      for (const notice of result.notices) this.noticeOnce(notice);
    } catch (err) {
      const error = err instanceof DbsApiError ? err : classifyThrown(err, 'poll');
      report.planFailures += 1;
      report.errors.push({ account: target.account, planId: detail.BackupPlanId, errorClass: error.errorClass, code: error.code, message: error.message });
      // Deleted after the plan list named it: gone now, as the next discovery would say,
      // rather than a plan whose polls fail.
      if (error.errorClass === 'not_found') runtime.plans.delete(detail.BackupPlanId);
      // The job listings failed but the plan list answered: status and info are fresh anyway.
      else if (previous) runtime.plans.set(detail.BackupPlanId, { ...previous, info: PLAN_LIST_SOURCE.transition(previous.info, detail), lastPollOk: false, lastPollAttemptMs: pollNow });
      else {
        // Never polled successfully: it still shows up, with poll success 0 and no values.
        runtime.plans.set(detail.BackupPlanId, {
          account: target.account,
          region: target.region,
          info: PLAN_LIST_SOURCE.transition(undefined, detail),
          byType: {},
          lastPollOk: false,
          lastPollAttemptMs: pollNow,
        });
      }
    }
  }

  /** Logged once per process per key (the first plan that showed it is named). */
  private noticeOnce(notice: SourceNotice): void {
    if (this.noticed.has(notice.key)) return;
    this.noticed.add(notice.key);
    this.deps.logger.warn(notice.fields, notice.message);
  }

  /** The views of a plan's state sources, for its snapshot. */
  private viewsOf(state: PlanState): SourceViews {
    const views: Record<string, unknown> = {};
    for (const source of this.settings.sources ?? []) {
      if (source.kind !== 'state') continue;
      const sourceState = state.sources?.[source.name];
      if (sourceState === undefined || sourceState === null) continue;
      let view = typeof sourceState === 'object' ? this.views.get(sourceState) : undefined;
      if (view === undefined) {
        view = source.view(sourceState);
        if (typeof sourceState === 'object') this.views.set(sourceState, view);
      }
      views[source.name] = view;
    }
    return views as SourceViews;
  }

  /** A finished, immutable view of the current state, to publish (built in slices so scrapes are not held up). */
  private async buildSnapshot(): Promise<Snapshot> {
    const now = this.deps.now();
    // Archive rows walked since the last yield (a summary of a changed state walks all of its rows).
    let work = 0;
    const plans: PlanSnapshot[] = [];
    const targets: TargetSnapshot[] = [];
    for (const runtime of this.runtimes) {
      let fresh = 0;
      for (const state of runtime.plans.values()) {
        // Summaries walk every tracked and archived job: yield every few milliseconds of that
        // work so scrapes are not held up (by rows, not plans: plans' histories differ in length).
        if (work >= SNAPSHOT_SLICE_ROWS) {
          work = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        work += 1;
        for (const typeState of Object.values(state.byType)) work += typeState.archive.length + typeState.jobs.size;
        const plan = this.planSnapshot(runtime, state, now);
        if (plan.fresh) fresh += 1;
        plans.push(plan);
      }
      for (const id of runtime.missing) plans.push(missingPlanSnapshot(runtime.target, id));
      targets.push(targetSnapshot(runtime, fresh));
    }
    return { completedAtMs: now, cycle: this.cycles, plans, targets };
  }

  private planSnapshot(runtime: TargetRuntime, state: PlanState, now: number): PlanSnapshot {
    const fresh = state.lastPollSuccessMs !== undefined && now - state.lastPollSuccessMs <= this.settings.maxStalenessMs;
    // Summaries are kept past the max staleness: what DBS said (timestamps, status) stays
    // true as of the last good poll, and alerts need it through outages of any length.
    const types: PlanSnapshot['types'] = {};
    for (const [backupType, typeState] of Object.entries(state.byType) as Array<[BackupType, NonNullable<PlanState['byType'][BackupType]>]>) {
      types[backupType] = typeState.summaryAt(now);
    }
    const { info } = state;
    const expectations = runtime.target.expectations?.({ id: info.planId, name: info.name, status: info.status, instanceType: info.instanceType });
    return {
      account: runtime.target.account,
      region: runtime.target.region,
      planId: state.info.planId,
      info: state.info,
      pollOk: state.lastPollOk,
      lastPollAttemptMs: state.lastPollAttemptMs,
      ...(state.lastPollSuccessMs !== undefined ? { lastPollSuccessMs: state.lastPollSuccessMs } : {}),
      listed: true,
      fresh,
      types,
      views: this.viewsOf(state),
      ...(expectations ? { expectations } : {}),
    };
  }
}

/** A configured plan id DBS did not return: it shows up, with poll success 0 and no values. */
function missingPlanSnapshot(target: CollectorTarget, id: string): PlanSnapshot {
  return {
    account: target.account,
    region: target.region,
    planId: id,
    info: { planId: id, name: '', status: '', backupMethod: '', databaseType: '', instanceType: '', instanceId: '' },
    pollOk: false,
    listed: false,
    fresh: false,
    types: {},
    views: {},
  };
}

/** The gateways with the plans the exporter lists behind each (all, and running). */
function gatewaysSnapshot(runtime: TargetRuntime): TargetSnapshot['gateways'] {
  const listing = runtime.gateways;
  if (!listing) return undefined;
  const plans = new Map<string, { plans: number; runningPlans: number }>();
  for (const state of runtime.plans.values()) {
    const id = state.info.gatewayId;
    if (id === undefined) continue;
    const count = plans.get(id) ?? { plans: 0, runningPlans: 0 };
    count.plans += 1;
    if (state.info.status === 'running') count.runningPlans += 1;
    plans.set(id, count);
  }
  return {
    listOk: listing.ok,
    ...(listing.lastSuccessMs !== undefined ? { lastSuccessMs: listing.lastSuccessMs } : {}),
    items: listing.items.map((gateway) => ({ ...gateway, ...(plans.get(gateway.id) ?? { plans: 0, runningPlans: 0 }) })),
  };
}

function targetSnapshot(runtime: TargetRuntime, freshPlans: number): TargetSnapshot {
  const gateways = gatewaysSnapshot(runtime);
  return {
    ...(gateways ? { gateways } : {}),
    account: runtime.target.account,
    region: runtime.target.region,
    up: runtime.up,
    ...(runtime.lastDiscoverySuccessMs !== undefined ? { lastListingSuccessMs: runtime.lastDiscoverySuccessMs } : {}),
    plans: freshPlans,
    excluded: runtime.excluded,
  };
}
