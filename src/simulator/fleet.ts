/**
 * The simulated fleet: plan records, their generation windows, and explicit overrides
 * (added, patched and removed sets). Every query is answered against the clock at the
 * moment it is asked, so advancing the clock makes jobs start, grow and finish.
 */
import type { WireBackupPlanDetail, WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';
import type { Clock } from './clock.js';
import { mulberry32 } from './random.js';
import { buildScenario, newPlanId, type PlanSeed, type ScenarioOptions } from './scenario.js';
import {
  generateFullBackups,
  generateIncrementBackups,
  generatedFullId,
  generatedIncrementId,
  oldestListableStart,
  type GenerationRange,
} from './schedule.js';
import {
  DAY,
  EVERY_DAY,
  HOUR,
  MINUTE,
  type BackupKind,
  type BackupPlan,
  type FullBackupInput,
  type IncrementBackupInput,
  type Interval,
  type PlanInput,
  type PlanPatch,
  type ScheduleSwitch,
} from './model.js';

/** Filters of DescribeBackupPlanList. */
export interface PlanFilter {
  region?: string;
  backupPlanId?: string;
  /** Substring of BackupPlanName. */
  backupPlanName?: string;
  backupPlanStatus?: string;
}

/** Filters of the backup-set list actions; bounds apply to StartTime, inclusive. */
export interface BackupSetFilter {
  startTimestamp?: number;
  endTimestamp?: number;
  backupSetId?: string;
}

interface PlanState {
  plan: BackupPlan;
  schedule: Required<ScheduleSwitch>;
  windows: Record<BackupKind, Interval[]>;
  /** Sets added explicitly; static, they do not evolve with the clock. */
  addedFull: WireFullBackupFile[];
  addedIncrement: WireIncrementBackupFile[];
  /** Field overrides of generated sets, by BackupSetId. */
  patches?: Map<string, Partial<WireFullBackupFile & WireIncrementBackupFile>>;
  /** Generated sets removed by a test. */
  removed?: Set<string>;
}

function byStartDescending(a: { StartTime?: number | string | null }, b: { StartTime?: number | string | null }): number {
  return Number(b.StartTime ?? 0) - Number(a.StartTime ?? 0);
}

function notExpired(set: { BackupSetExpiredTime?: number | string | null }, now: number): boolean {
  const expires = set.BackupSetExpiredTime;
  return expires === undefined || expires === null || Number(expires) === 0 || Number(expires) >= now;
}

function startWithin(set: { StartTime?: number | string | null }, filter: BackupSetFilter): boolean {
  const start = Number(set.StartTime ?? 0);
  return (filter.startTimestamp === undefined || start >= filter.startTimestamp) && (filter.endTimestamp === undefined || start <= filter.endTimestamp);
}

export class UnknownPlanError extends Error {
  constructor(readonly planId: string) {
    super(`unknown backup plan ${planId}`);
    this.name = 'UnknownPlanError';
  }
}

export class Fleet {
  private readonly plans = new Map<string, PlanState>();
  private readonly random: () => number;
  private addedSetCounter = 0;
  /** A full scheduled within this long of now is listed as 'schedule'. */
  readonly scheduleLookaheadMs: number;
  readonly region: string;

  constructor(
    private readonly clock: Clock,
    scenario: ScenarioOptions = {},
  ) {
    this.region = scenario.region ?? 'cn-hangzhou';
    this.scheduleLookaheadMs = scenario.scheduleLookaheadMs ?? 10 * MINUTE;
    this.random = mulberry32(((scenario.seed ?? 1) ^ 0x5eed) >>> 0);
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
    const plan: BackupPlan = {
      id,
      name: input.name ?? `plan-${id}`,
      status: input.status ?? 'running',
      region: input.region ?? this.region,
      backupMethod: input.backupMethod ?? 'logical',
      databaseType: input.databaseType ?? 'MySQL',
      sourceEndpointInstanceType: input.sourceEndpointInstanceType ?? 'RDS',
      sourceEndpointInstanceId: input.sourceEndpointInstanceId ?? `rm-${id}`,
      sourceEndpointRegion: input.sourceEndpointRegion ?? input.region ?? this.region,
      sourceEndpointIpPort: input.sourceEndpointIpPort ?? '10.0.0.1:3306',
      instanceClass: input.instanceClass ?? 'small',
      backupObjects: input.backupObjects ?? '[]',
      createdAt,
      retentionDays: input.retentionDays ?? 7,
      full: { weekdays: [...EVERY_DAY], startTime: '02:00', durationMs: 30 * MINUTE, sizeBytes: 1024 ** 3, outcome: 'finish', ...input.full },
      incremental:
        input.incremental === null ? undefined : { intervalMs: 5 * MINUTE, sizeBytes: 16 * 1024 ** 2, outcome: 'COMPLETED', ...input.incremental },
      storage: { iaAfterDays: Infinity, archiveAfterDays: Infinity, ...input.storage },
      errMessage: input.errMessage,
      seed: input.seed ?? Math.floor(this.random() * 2 ** 31),
    };
    const schedule = { full: input.schedule?.full ?? true, incremental: input.schedule?.incremental ?? true };
    const state: PlanState = { plan, schedule, windows: { full: [], incremental: [] }, addedFull: [], addedIncrement: [] };
    this.plans.set(id, state);
    this.syncWindows(state, ['full', 'incremental'], createdAt);
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
    this.syncWindows(state, ['full', 'incremental'], this.clock.now());
  }

  /**
   * Changes plan fields. Schedule changes (full, incremental, retentionDays, storage) apply
   * to the whole generated history, since generated jobs are a function of the plan.
   */
  updatePlan(planId: string, patch: PlanPatch): BackupPlan {
    const state = this.state(planId);
    const { status, full, incremental, storage, ...fields } = patch;
    const plan = state.plan;
    Object.assign(plan, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
    if (full) plan.full = { ...plan.full, ...full };
    if (storage) plan.storage = { ...plan.storage, ...storage };
    if (incremental === null) plan.incremental = undefined;
    else if (incremental) plan.incremental = { intervalMs: 5 * MINUTE, sizeBytes: 16 * 1024 ** 2, outcome: 'COMPLETED', ...plan.incremental, ...incremental };
    if (status !== undefined) plan.status = status;
    this.syncWindows(state, ['full', 'incremental'], this.clock.now());
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
    this.syncWindows(state, kinds, this.clock.now());
  }

  /* --------------------------------- backup sets --------------------------------- */

  /**
   * Adds an explicit full backup set; missing fields get defaults (finished one hour ago,
   * BackupStatus 'finish', expiry from the plan's retention). Returns the stored set.
   */
  addFullBackup(planId: string, input: FullBackupInput = {}): WireFullBackupFile {
    const state = this.state(planId);
    const now = this.clock.now();
    const start = Number(input.StartTime ?? now - HOUR - state.plan.full.durationMs);
    const end = Number(input.EndTime ?? start + state.plan.full.durationMs);
    const set: WireFullBackupFile = {
      BackupSetId: input.BackupSetId ?? this.newSetId(planId),
      BackupStatus: 'finish',
      StartTime: start,
      EndTime: end,
      FinishTime: end + 5_000,
      CreateTime: start - 2_000,
      BackupSetExpiredTime: end + state.plan.retentionDays * DAY,
      BackupSize: state.plan.full.sizeBytes,
      StorageMethod: 'Standard',
      ErrMessage: '',
      BackupObjects: state.plan.backupObjects,
      SourceEndpointIpPort: state.plan.sourceEndpointIpPort,
      ...input,
    };
    this.assertNewSetId(state, set.BackupSetId);
    state.addedFull.push(set);
    return { ...set };
  }

  /** Adds an explicit incremental set; defaults to a COMPLETED one that ended 5 minutes ago. */
  addIncrementBackup(planId: string, input: IncrementBackupInput = {}): WireIncrementBackupFile {
    const state = this.state(planId);
    const now = this.clock.now();
    const interval = state.plan.incremental?.intervalMs ?? 5 * MINUTE;
    const start = Number(input.StartTime ?? now - 5 * MINUTE - interval);
    const end = Number(input.EndTime ?? start + interval);
    const setId = input.BackupSetId ?? this.newSetId(planId);
    const set: WireIncrementBackupFile = {
      BackupSetId: setId,
      BackupSetJobId: `${setId}-job`,
      BackupStatus: 'COMPLETED',
      StartTime: start,
      EndTime: end,
      BackupSetExpiredTime: end + state.plan.retentionDays * DAY,
      BackupSize: state.plan.incremental?.sizeBytes ?? 16 * 1024 ** 2,
      StorageMethod: 'Standard',
      SourceEndpointIpPort: state.plan.sourceEndpointIpPort,
      ...input,
    };
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
    if (!this.isGeneratedId(planId, backupSetId)) throw new Error(`unknown backup set ${backupSetId} of plan ${planId}`);
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
    if (!this.isGeneratedId(planId, backupSetId)) throw new Error(`unknown backup set ${backupSetId} of plan ${planId}`);
    state.removed ??= new Set();
    state.removed.add(backupSetId);
  }

  /* ----------------------------------- queries ----------------------------------- */

  /** Plans matching DescribeBackupPlanList filters, in creation order. */
  findPlans(filter: PlanFilter = {}): BackupPlan[] {
    const found: BackupPlan[] = [];
    for (const { plan } of this.plans.values()) {
      if (filter.region !== undefined && plan.region !== filter.region) continue;
      if (filter.backupPlanId !== undefined && plan.id !== filter.backupPlanId) continue;
      if (filter.backupPlanName !== undefined && !plan.name.includes(filter.backupPlanName)) continue;
      if (filter.backupPlanStatus !== undefined && plan.status !== filter.backupPlanStatus) continue;
      found.push(plan);
    }
    return found;
  }

  /** The plan as DescribeBackupPlanList shows it now, or undefined. */
  describePlan(planId: string): WireBackupPlanDetail | undefined {
    const state = this.plans.get(planId);
    if (!state) return undefined;
    const plan = state.plan;
    const restore = this.restoreWindow(state);
    return {
      BackupPlanId: plan.id,
      BackupPlanName: plan.name,
      BackupPlanStatus: plan.status,
      BackupMethod: plan.backupMethod,
      DatabaseType: plan.databaseType,
      SourceEndpointInstanceType: plan.sourceEndpointInstanceType,
      SourceEndpointInstanceID: plan.sourceEndpointInstanceId,
      SourceEndpointRegion: plan.sourceEndpointRegion,
      SourceEndpointIpPort: plan.sourceEndpointIpPort,
      BeginTimestampForRestore: restore?.begin ?? 0,
      EndTimestampForRestore: restore?.end ?? 0,
      BackupPeriod: plan.full.weekdays.join(','),
      BackupStartTime: plan.full.startTime,
      BackupRetentionPeriod: plan.retentionDays,
      EnableBackupLog: plan.incremental !== undefined,
      BackupStorageType: 'system',
      InstanceClass: plan.instanceClass,
      BackupPlanCreateTime: plan.createdAt,
      ErrMessage: plan.errMessage ?? '',
      BackupObjects: plan.backupObjects,
      OSSBucketName: `dbs-backup-${plan.region}-${plan.id}`,
    };
  }

  /** Full sets DescribeFullBackupList would list now, newest first; undefined if no such plan. */
  fullBackups(planId: string, filter: BackupSetFilter = {}): WireFullBackupFile[] | undefined {
    const state = this.plans.get(planId);
    return state && this.collect(state, 'full', filter);
  }

  /** Incremental sets DescribeIncrementBackupList would list now, newest first. */
  incrementBackups(planId: string, filter: BackupSetFilter = {}): WireIncrementBackupFile[] | undefined {
    const state = this.plans.get(planId);
    return state && this.collect(state, 'incremental', filter);
  }

  /* ---------------------------------- internals ---------------------------------- */

  private collect(state: PlanState, kind: 'full', filter: BackupSetFilter): WireFullBackupFile[];
  private collect(state: PlanState, kind: 'incremental', filter: BackupSetFilter): WireIncrementBackupFile[];
  private collect(state: PlanState, kind: BackupKind, filter: BackupSetFilter): Array<WireFullBackupFile | WireIncrementBackupFile> {
    const now = this.clock.now();
    const range: GenerationRange = {
      from: Math.max(oldestListableStart(state.plan, now), filter.startTimestamp ?? -Infinity),
      to: Math.min(now + this.scheduleLookaheadMs, filter.endTimestamp ?? Infinity),
      now,
      lookaheadMs: this.scheduleLookaheadMs,
    };
    const generated =
      range.from > range.to
        ? []
        : kind === 'full'
          ? generateFullBackups(state.plan, state.windows.full, range)
          : generateIncrementBackups(state.plan, state.windows.incremental, range);
    const sets: Array<WireFullBackupFile | WireIncrementBackupFile> = [];
    for (const set of generated) {
      if (state.removed?.has(set.BackupSetId)) continue;
      const patch = state.patches?.get(set.BackupSetId);
      sets.push(patch ? { ...set, ...patch } : set);
    }
    for (const set of kind === 'full' ? state.addedFull : state.addedIncrement) sets.push({ ...set });
    return sets
      .filter((s) => notExpired(s, now) && startWithin(s, filter) && (filter.backupSetId === undefined || s.BackupSetId === filter.backupSetId))
      .sort(byStartDescending);
  }

  /**
   * BeginTimestampForRestore: end of the oldest finished full still kept.
   * EndTimestampForRestore: the latest point covered by a finished full or COMPLETED log backup.
   */
  private restoreWindow(state: PlanState): { begin: number; end: number } | undefined {
    const finishedFulls = this.collect(state, 'full', {}).filter((s) => s.BackupStatus === 'finish' && s.EndTime);
    if (finishedFulls.length === 0) return undefined;
    const begin = Math.min(...finishedFulls.map((s) => Number(s.EndTime)));
    let end = Math.max(...finishedFulls.map((s) => Number(s.EndTime)));
    const latestLog = this.latestCompletedIncrement(state);
    if (latestLog !== undefined) end = Math.max(end, latestLog);
    return { begin, end };
  }

  /** EndTime of the newest COMPLETED increment, scanning back in chunks to avoid listing the whole retention. */
  private latestCompletedIncrement(state: PlanState): number | undefined {
    const now = this.clock.now();
    const oldest = oldestListableStart(state.plan, now) - DAY;
    const chunk = Math.max(6 * HOUR, 24 * (state.plan.incremental?.intervalMs ?? 0));
    const hasAdded = state.addedIncrement.length > 0;
    for (let to = now; to > oldest; to -= chunk) {
      const sets = this.collect(state, 'incremental', { startTimestamp: hasAdded ? undefined : to - chunk + 1, endTimestamp: hasAdded ? undefined : to });
      const latest = sets.find((s) => s.BackupStatus === 'COMPLETED' && s.EndTime);
      if (latest) return Number(latest.EndTime);
      if (hasAdded) return undefined;
    }
    return undefined;
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
    });
  }

  /** Opens or closes the generation window of each kind to match status and switches. */
  private syncWindows(state: PlanState, kinds: readonly BackupKind[], at: number): void {
    for (const kind of kinds) {
      const shouldRun =
        state.plan.status === 'running' && state.schedule[kind] && (kind === 'full' || state.plan.incremental !== undefined);
      const windows = state.windows[kind];
      const last = windows[windows.length - 1];
      const open = last !== undefined && last.to === Infinity;
      if (shouldRun && !open) windows.push({ from: at, to: Infinity });
      if (!shouldRun && open) last.to = at;
    }
  }

  private newSetId(planId: string): string {
    this.addedSetCounter += 1;
    return `${planId}-set-${this.addedSetCounter}`;
  }

  private isGeneratedId(planId: string, backupSetId: string): boolean {
    const match = /^(.*)-(full|incr)-(-?\d+)$/.exec(backupSetId);
    if (!match || match[1] !== planId) return false;
    const slot = Number(match[3]);
    return backupSetId === (match[2] === 'full' ? generatedFullId(planId, slot) : generatedIncrementId(planId, slot));
  }

  private assertNewSetId(state: PlanState, backupSetId: string): void {
    const count = [...state.addedFull, ...state.addedIncrement].filter((s) => s.BackupSetId === backupSetId).length;
    if (count > 0) throw new Error(`backup set ${backupSetId} already exists in plan ${state.plan.id}`);
  }
}
