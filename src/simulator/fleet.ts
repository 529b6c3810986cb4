/**
 * The simulated fleet: plan records, their generation windows, explicit overrides (added,
 * patched and removed sets) and restore tasks. Every query is answered against the clock at
 * the moment it is asked, so advancing the clock makes jobs start, grow and finish.
 */
import type {
  WireBackupGateway,
  WireBackupPlanBilling,
  WireBackupPlanDetail,
  WireJobErrorCode,
  WireFullBackupFile,
  WireIncrementBackupFile,
  WireRecoverRange,
  WireRestoreTaskDetail,
} from '../dbs/schemas.js';
import {
  collectSets,
  completedLogs,
  fullBackupFrom,
  fullBefore,
  incrementBackupFrom,
  isGeneratedId,
  planRestoreWindow,
  type BackupSetFilter,
} from './backup-sets.js';
import { billingItem, subscriptionOf } from './billing.js';
import type { Clock } from './clock.js';
import { applySubscription, failFulls, fullJobError, planIdOfGeneratedFull, recoverFulls, restoreJobError } from './fleet-operations.js';
import { gatewayItem, GatewayRegistry, newGateway, UnknownGatewayError, type Gateway, type GatewayInput, type GatewayStatus } from './gateways.js';
import type { JobErrorLanguage } from './job-errors.js';
import { DEFAULT_INCREMENTAL, matchesPlanFilter, planDetail, planFromInput, syncWindows, UnknownPlanError, type PlanFilter, type PlanState } from './plan-state.js';
import { mulberry32 } from './random.js';
import { clipToWindow, restorableTime, type RestoreWindow } from './restore.js';
import {
  byCreatedDescending,
  restoreTaskAt,
  restoreTaskFrom,
  restoreTasksOf,
  type RestoreTask,
  type RestoreTaskFilter,
  type RestoreTaskInput,
} from './restore-tasks.js';
import { buildScenario, buildScenarioGateways, newPlanId, type PlanSeed, type ScenarioOptions } from './scenario.js';
import { MINUTE, type BackupKind, type BackupPlan, type FullBackupInput, type IncrementBackupInput, type PlanInput, type PlanPatch, type PlanSubscription, type ScheduleSwitch } from './model.js';

export { UnknownPlanError, type PlanFilter } from './plan-state.js';
export { UnknownGatewayError } from './gateways.js';
export type { BackupSetFilter } from './backup-sets.js';

export class Fleet {
  private readonly plans = new Map<string, PlanState>();
  private readonly random: () => number;
  private addedSetCounter = 0;
  private addedRestoreCounter = 0;
  private readonly gatewayRegistry: GatewayRegistry;
  /** A full scheduled within this long of now is listed as 'schedule'. */
  readonly scheduleLookaheadMs: number;
  readonly region: string;
  private readonly seed: number;

  constructor(
    private readonly clock: Clock,
    scenario: ScenarioOptions = {},
  ) {
    this.region = scenario.region ?? 'cn-hangzhou';
    this.seed = scenario.seed ?? 1;
    this.scheduleLookaheadMs = scenario.scheduleLookaheadMs ?? 10 * MINUTE;
    this.random = mulberry32(((scenario.seed ?? 1) ^ 0x5eed) >>> 0);
    this.gatewayRegistry = new GatewayRegistry(buildScenarioGateways(scenario, clock.now()).all);
    for (const seed of buildScenario(scenario, clock.now())) this.insert(seed);
  }

  /* ------------------------------------ plans ------------------------------------ */

  /** Copies of every plan, in creation order. */
  listPlans(): BackupPlan[] {
    return [...this.plans.values()].map((s) => structuredClone(s.plan));
  }

  /** A copy of the plan, or undefined. */
  getPlan(planId: string): BackupPlan | undefined {
    const state = this.plans.get(planId);
    return state && structuredClone(state.plan);
  }

  get size(): number {
    return this.plans.size;
  }

  /**
   * Adds a plan; unset fields default to a healthy daily-full MySQL plan with 5-minute
   * log backups created now (so it has no history unless `createdAt` is in the past).
   */
  addPlan(input: PlanInput = {}): BackupPlan {
    const now = this.clock.now();
    const id = input.id ?? newPlanId(this.random, new Set(this.plans.keys()));
    if (this.plans.has(id)) throw new Error(`backup plan ${id} already exists`);
    const createdAt = input.createdAt ?? now;
    const seed = input.seed ?? Math.floor(this.random() * 2 ** 31);
    const plan = planFromInput(input, id, { region: this.region, createdAt, seed });
    const schedule = { full: input.schedule?.full ?? true, incremental: input.schedule?.incremental ?? true };
    const state: PlanState = { plan, schedule, windows: { full: [], incremental: [] }, addedFull: [], addedIncrement: [], restores: { tasks: [], drills: [] } };
    state.gatewayOffline = this.gatewayRegistry.isDown(plan.gatewayId, now);
    this.plans.set(id, state);
    syncWindows(state, ['full', 'incremental'], createdAt);
    return structuredClone(plan);
  }

  /** Removes the plan and all its sets; false if it did not exist. */
  removePlan(planId: string): boolean {
    return this.plans.delete(planId);
  }

  /**
   * Sets BackupPlanStatus. Leaving 'running' stops new jobs from now on (jobs already
   * started finish normally); returning to 'running' resumes the schedule from now.
   */
  setPlanStatus(planId: string, status: BackupPlan['status']): void {
    const state = this.state(planId);
    state.plan.status = status;
    syncWindows(state, ['full', 'incremental'], this.clock.now());
  }

  /**
   * Changes plan fields. Schedule changes (full, incremental, retentionDays, storage) apply
   * to the whole generated history, since generated jobs are a function of the plan.
   */
  updatePlan(planId: string, patch: PlanPatch): BackupPlan {
    const state = this.state(planId);
    const { status, full, incremental, storage, subscription, gatewayId, ...fields } = patch;
    const plan = state.plan;
    const now = this.clock.now();
    Object.assign(plan, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
    if (subscription) applySubscription(state, subscription, now);
    if (gatewayId !== undefined) plan.gatewayId = gatewayId ?? undefined;
    state.gatewayOffline = this.gatewayRegistry.isDown(plan.gatewayId, now);
    if (full) plan.full = { ...plan.full, ...full };
    if (storage) plan.storage = { ...plan.storage, ...storage };
    if (incremental === null) plan.incremental = undefined;
    else if (incremental) plan.incremental = { ...DEFAULT_INCREMENTAL, ...plan.incremental, ...incremental };
    if (status !== undefined) plan.status = status;
    syncWindows(state, ['full', 'incremental'], now);
    return structuredClone(plan);
  }

  /**
   * Switches automatic job generation per kind, from now on: `{ full: false }` stops new
   * scheduled fulls (sets already generated stay), `{ full: true }` resumes them.
   * Explicitly added sets are unaffected.
   */
  setSchedule(planId: string, schedule: ScheduleSwitch): void {
    const state = this.state(planId);
    const kinds: BackupKind[] = [];
    if (schedule.full !== undefined) {
      state.schedule.full = schedule.full;
      kinds.push('full');
    }
    if (schedule.incremental !== undefined) {
      state.schedule.incremental = schedule.incremental;
      kinds.push('incremental');
    }
    syncWindows(state, kinds, this.clock.now());
  }

  /* --------------------------------- backup sets --------------------------------- */

  /**
   * Adds an explicit full backup set; missing fields get defaults (finished one hour ago,
   * BackupStatus 'finish', expiry from the plan's retention). Returns the stored set.
   */
  addFullBackup(planId: string, input: FullBackupInput = {}): WireFullBackupFile {
    const state = this.state(planId);
    const set = fullBackupFrom(state, input, input.BackupSetId ?? this.newSetId(planId), this.clock.now());
    this.assertNewSetId(state, set.BackupSetId);
    state.addedFull.push(set);
    return { ...set };
  }

  /** Adds an explicit incremental set; defaults to a COMPLETED one that ended 5 minutes ago. */
  addIncrementBackup(planId: string, input: IncrementBackupInput = {}): WireIncrementBackupFile {
    const state = this.state(planId);
    const set = incrementBackupFrom(state, input, input.BackupSetId ?? this.newSetId(planId), this.clock.now());
    this.assertNewSetId(state, set.BackupSetId);
    state.addedIncrement.push(set);
    return { ...set };
  }

  /**
   * Overrides fields of a set (added or generated). On a generated set the patched fields
   * are frozen; the others keep evolving with the clock.
   */
  updateBackup(planId: string, backupSetId: string, patch: Partial<WireFullBackupFile & WireIncrementBackupFile>): void {
    const state = this.state(planId);
    const added = [...state.addedFull, ...state.addedIncrement].find((s) => s.BackupSetId === backupSetId);
    if (added) {
      Object.assign(added, patch, { BackupSetId: backupSetId });
      return;
    }
    if (!isGeneratedId(planId, backupSetId)) throw new Error(`unknown backup set ${backupSetId} of plan ${planId}`);
    state.patches ??= new Map();
    state.patches.set(backupSetId, { ...state.patches.get(backupSetId), ...patch, BackupSetId: backupSetId });
  }

  /** Removes a set (added or generated); it is never listed again. */
  removeBackup(planId: string, backupSetId: string): void {
    const state = this.state(planId);
    const before = state.addedFull.length + state.addedIncrement.length;
    state.addedFull = state.addedFull.filter((s) => s.BackupSetId !== backupSetId);
    state.addedIncrement = state.addedIncrement.filter((s) => s.BackupSetId !== backupSetId);
    if (state.addedFull.length + state.addedIncrement.length !== before) return;
    if (!isGeneratedId(planId, backupSetId)) throw new Error(`unknown backup set ${backupSetId} of plan ${planId}`);
    state.removed ??= new Set();
    state.removed.add(backupSetId);
  }

  /* -------------------------------- restore tasks -------------------------------- */

  /**
   * Adds a restore task; unset fields default to one created now that takes 30 minutes, ends
   * `finish` and restores to an hour before its creation. Returns the stored task.
   */
  addRestoreTask(planId: string, input: RestoreTaskInput = {}): RestoreTask {
    const state = this.state(planId);
    this.addedRestoreCounter += 1;
    const task = restoreTaskFrom(input, { id: `${planId}-restore-${this.addedRestoreCounter}`, now: this.clock.now(), instanceType: state.plan.sourceEndpointInstanceType });
    for (const other of this.plans.values()) {
      if (other.restores.tasks.some((t) => t.id === task.id)) throw new Error(`restore task ${task.id} already exists`);
    }
    state.restores.tasks.push(task);
    return { ...task };
  }

  /* ------------------------------ operational stops ------------------------------ */

  /** Sets the plan's subscription from now (see applySubscription: a renewal after expiry resumes backups from now). */
  setSubscription(planId: string, subscription: Partial<PlanSubscription>): BackupPlan {
    return this.updatePlan(planId, { subscription });
  }

  /** Fulls starting from `from` (default now: the next one) fail with `errorCode`, until recoverFullBackups. */
  failFullBackups(planId: string, errorCode: string, from = this.clock.now()): void {
    failFulls(this.state(planId), from, errorCode);
  }

  /** Fulls starting from now succeed again. */
  recoverFullBackups(planId: string): void {
    recoverFulls(this.state(planId), this.clock.now());
  }

  /** Adds a backup gateway (default: ONLINE since now, in the fleet's region). */
  addGateway(input: GatewayInput = {}): Gateway {
    // Numbered after any scenario gateway, and not drawn from the plan-id stream, so added plans keep their ids.
    const n = 100 + this.gatewayRegistry.list().length;
    const gateway = newGateway(this.seed, n, { ...input, region: input.region ?? this.region, createdAt: input.createdAt ?? this.clock.now() });
    return this.gatewayRegistry.add(gateway);
  }

  /** Copies of every gateway with its status history. */
  listGateways(): Gateway[] {
    return this.gatewayRegistry.list();
  }

  /** Sets a gateway's status from now: OFFLINE and STOPPED stop its heartbeat and its plans' new backups; ONLINE resumes them. */
  setGatewayStatus(gatewayId: string, status: GatewayStatus): Gateway {
    const id = Number(gatewayId);
    if (!/^\d+$/.test(gatewayId) || !this.gatewayRegistry.get(id)) throw new UnknownGatewayError(gatewayId);
    const now = this.clock.now();
    const gateway = this.gatewayRegistry.setStatus(id, status, now);
    for (const state of this.plans.values()) {
      if (state.plan.gatewayId !== id) continue;
      state.gatewayOffline = this.gatewayRegistry.isDown(id, now);
      syncWindows(state, ['full', 'incremental'], now);
    }
    return gateway;
  }

  /** DescribeBackupGatewayList: the region's gateways existing now, oldest first, optionally only these identifiers. */
  gatewayList(region: string, identifiers?: readonly string[]): WireBackupGateway[] {
    const now = this.clock.now();
    const listed = this.gatewayRegistry.list(now).filter((g) => g.region === region && (!identifiers || identifiers.includes(g.identifier)));
    return listed.map((g) => gatewayItem(g, now));
  }

  /** DescribeBackupPlanBilling's Item; 'unsupported' for a plan DBS shows no billing for; undefined: no such plan. */
  billing(planId: string): WireBackupPlanBilling | 'unsupported' | undefined {
    const state = this.plans.get(planId);
    if (!state) return undefined;
    if (!subscriptionOf(state).billingSupported) return 'unsupported';
    return billingItem(state, this.clock.now(), this.scheduleLookaheadMs);
  }

  /** DescribeJobErrorCode: a full backup (by BackupSetId) or a restore task; undefined when neither is listed now. */
  jobError(taskId: string, language: JobErrorLanguage = 'en'): WireJobErrorCode | undefined {
    const generatedOf = planIdOfGeneratedFull(taskId);
    const candidates = generatedOf && this.plans.has(generatedOf) ? [this.plans.get(generatedOf)!] : [...this.plans.values()].filter((s) => s.addedFull.length > 0);
    for (const state of candidates) {
      const set = collectSets(state, 'full', { backupSetId: taskId }, this.clock.now(), this.scheduleLookaheadMs)[0];
      if (set) return fullJobError(state, set, language);
    }
    const task = this.findRestoreTasks([taskId], {})[0];
    return task && restoreJobError(task, language);
  }

  /* ----------------------------------- queries ----------------------------------- */

  /** Plans matching DescribeBackupPlanList filters, in creation order. */
  findPlans(filter: PlanFilter = {}): BackupPlan[] {
    const found: BackupPlan[] = [];
    for (const { plan } of this.plans.values()) if (matchesPlanFilter(plan, filter)) found.push(plan);
    return found;
  }

  /** The plan as DescribeBackupPlanList shows it now, or undefined. */
  describePlan(planId: string): WireBackupPlanDetail | undefined {
    const state = this.plans.get(planId);
    return state && planDetail(state.plan, planRestoreWindow(state, this.clock.now(), this.scheduleLookaheadMs));
  }

  /** Full sets DescribeFullBackupList would list now, newest first; undefined if no such plan. */
  fullBackups(planId: string, filter: BackupSetFilter = {}): WireFullBackupFile[] | undefined {
    const state = this.plans.get(planId);
    return state && collectSets(state, 'full', filter, this.clock.now(), this.scheduleLookaheadMs);
  }

  /** Incremental sets DescribeIncrementBackupList would list now, newest first. */
  incrementBackups(planId: string, filter: BackupSetFilter = {}): WireIncrementBackupFile[] | undefined {
    const state = this.plans.get(planId);
    return state && collectSets(state, 'incremental', filter, this.clock.now(), this.scheduleLookaheadMs);
  }

  /** DescribeRestoreRangeInfo: restorable ranges and points within the window, oldest first. */
  restoreRanges(planId: string, window: RestoreWindow): WireRecoverRange[] | undefined {
    const state = this.plans.get(planId);
    if (!state) return undefined;
    const now = this.clock.now();
    const fulls = collectSets(state, 'full', {}, now, this.scheduleLookaheadMs);
    const logs = completedLogs(state, now, this.scheduleLookaheadMs);
    return clipToWindow(restorableTime(state.plan, fulls, logs), { ...window, end: Math.min(window.end, now) });
  }

  /** The plan's restore tasks DescribeRestoreTaskList would list now, newest first. */
  restoreTasks(planId: string, filter: RestoreTaskFilter = {}): WireRestoreTaskDetail[] | undefined {
    const state = this.plans.get(planId);
    return state && this.tasksOf(state, filter).sort(byCreatedDescending);
  }

  /** Restore tasks with these ids, of any plan, newest first. */
  findRestoreTasks(taskIds: readonly string[], filter: RestoreTaskFilter): WireRestoreTaskDetail[] {
    const wanted = new Set(taskIds);
    const found: WireRestoreTaskDetail[] = [];
    for (const state of this.plans.values()) {
      if (state.restores.tasks.length === 0 && state.restores.drills.length === 0) continue;
      found.push(...this.tasksOf(state, filter, (task) => wanted.has(task.id)));
    }
    return found.sort(byCreatedDescending);
  }

  /* ---------------------------------- internals ---------------------------------- */

  private tasksOf(state: PlanState, filter: RestoreTaskFilter, wanted: (task: RestoreTask) => boolean = () => true): WireRestoreTaskDetail[] {
    const tasks = restoreTasksOf(state.plan.id, state.plan.seed, state.restores, filter, this.clock.now()).filter(wanted);
    return tasks.map((task) => this.renderTask(state, task)).filter((t): t is WireRestoreTaskDetail => t !== undefined);
  }

  private renderTask(state: PlanState, task: RestoreTask): WireRestoreTaskDetail | undefined {
    const now = this.clock.now();
    if (now < task.createdAt) return undefined;
    return restoreTaskAt(task, state.plan.id, now, task.backupSetId ?? fullBefore(state, task.restoreTime));
  }

  private state(planId: string): PlanState {
    const state = this.plans.get(planId);
    if (!state) throw new UnknownPlanError(planId);
    return state;
  }

  private insert(seed: PlanSeed): void {
    this.plans.set(seed.plan.id, {
      plan: seed.plan,
      schedule: seed.schedule,
      windows: seed.windows,
      addedFull: [],
      addedIncrement: seed.increments,
      restores: seed.restores,
      gatewayOffline: this.gatewayRegistry.isDown(seed.plan.gatewayId, this.clock.now()),
    });
  }

  private newSetId(planId: string): string {
    this.addedSetCounter += 1;
    return `${planId}-set-${this.addedSetCounter}`;
  }

  private assertNewSetId(state: PlanState, backupSetId: string): void {
    const count = [...state.addedFull, ...state.addedIncrement].filter((s) => s.BackupSetId === backupSetId).length;
    if (count > 0) throw new Error(`backup set ${backupSetId} already exists in plan ${state.plan.id}`);
  }
}
